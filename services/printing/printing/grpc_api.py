"""PrintingService servicer: proto -> use case -> proto, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.printing.v1 import printing_pb2 as pb
from crm.printing.v1 import printing_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of, fen_of, timestamp

from .adapters.feieyun import FeieyunClient
from .dispatcher import Dispatcher
from .domain.tickets import Ticket, TicketLine
from .service import printers, tickets
from .service.views import JobView, PrinterView

FULL_NAME = "crm.printing.v1.PrintingService"


def _printer(v: PrinterView) -> pb.Printer:
    return pb.Printer(
        id=v.id,
        store_id=v.store_id,
        name=v.name,
        kind=v.kind,
        role=v.role,
        paper_mm=v.paper_mm,
        enabled=v.enabled,
        host=v.host,
        port=v.port,
        feie_sn=v.feie_sn,
        feie_key_set=v.feie_key_set,
        category_ids=v.category_ids,
        store_default=v.store_default,
        online=v.online,
        consecutive_failures=v.consecutive_failures,
        last_error=v.last_error,
        offline_since=timestamp(v.offline_since),
        created_at=timestamp(v.created_at),
        updated_at=timestamp(v.updated_at),
        waiting_jobs=v.waiting_jobs,
    )


def _fields(m: pb.PrinterInput) -> printers.PrinterFields:
    return printers.PrinterFields(
        store_id=m.store_id,
        name=m.name,
        kind=m.kind,
        role=m.role,
        paper_mm=m.paper_mm,
        enabled=m.enabled,
        host=m.host,
        port=m.port,
        feie_sn=m.feie_sn,
        feie_key=m.feie_key,
        category_ids=tuple(m.category_ids),
        store_default=m.store_default,
    )


def _job(v: JobView) -> pb.PrintJob:
    return pb.PrintJob(
        id=v.id,
        printer_id=v.printer_id,
        printer_name=v.printer_name,
        store_id=v.store_id,
        ticket_id=v.ticket_id,
        order_id=v.order_id,
        order_no=v.order_no,
        kind=v.kind,
        variant=v.variant,
        state=v.state,
        attempts=v.attempts,
        last_error=v.last_error,
        reprint_of=v.reprint_of,
        created_at=timestamp(v.created_at),
        updated_at=timestamp(v.updated_at),
        printed_at=timestamp(v.printed_at),
        next_attempt_at=timestamp(v.next_attempt_at),
    )


def _ticket(m: pb.Ticket, now: datetime) -> Ticket:
    return Ticket(
        store_id=m.store_id,
        order_id=m.order_id,
        order_no=m.order_no,
        kind=m.kind,
        placed_at=datetime_of(m, "placed_at") or now,
        store_name=m.store_name,
        lines=tuple(
            TicketLine(x.product_id, x.category_id, x.name, x.quantity, fen_of(x, "amount") or 0, x.spec)
            for x in m.lines
        ),
        subtotal_fen=fen_of(m, "subtotal") or 0,
        discount_fen=fen_of(m, "discount") or 0,
        delivery_fee_fen=fen_of(m, "delivery_fee") or 0,
        paid_fen=fen_of(m, "paid") or 0,
        customer_name=m.customer_name,
        customer_phone=m.customer_phone,
        address=m.address,
        note=m.note,
        verification_code=m.verification_code,
    )


def _settings(s: printers.StoreSettings) -> pb.PrintSettings:
    return pb.PrintSettings(
        store_id=s.store_id,
        stale_after_minutes=s.stale_after_minutes,
        offline_after_failures=s.offline_after_failures,
        auto_print=s.auto_print,
        auto_accept=s.auto_accept,
    )


def _product_printers(p: printers.ProductPrinters) -> pb.ProductPrinters:
    return pb.ProductPrinters(store_id=p.store_id, product_id=p.product_id, printer_ids=p.printer_ids)


class PrintingServicer(printing_pb2_grpc.PrintingServiceServicer):
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        *,
        feieyun: FeieyunClient,
        dispatcher: Dispatcher,
        any_port: bool,
    ):
        self.db = db
        self.clock = clock
        self.feieyun = feieyun
        self.dispatcher = dispatcher
        self.any_port = any_port

    # G1 printers

    def CreatePrinter(self, request, context):
        view = printers.create_printer(
            self.db, require_actor(), _fields(request), feieyun=self.feieyun, any_port=self.any_port, now=self.clock()
        )
        return _printer(view)

    def UpdatePrinter(self, request, context):
        view = printers.update_printer(
            self.db,
            require_actor(),
            request.id,
            _fields(request.printer),
            feieyun=self.feieyun,
            any_port=self.any_port,
            now=self.clock(),
        )
        self.dispatcher.wake()  # switched on again: what waited may go now
        return _printer(view)

    def DeletePrinter(self, request, context):
        printers.delete_printer(self.db, require_actor(), request.id)
        return pb.DeletePrinterResponse()

    def GetPrinter(self, request, context):
        return _printer(printers.get_printer(self.db, require_actor(), request.id))

    def ListPrinters(self, request, context):
        found = printers.list_printers(self.db, require_actor(), request.store_id)
        return pb.ListPrintersResponse(printers=[_printer(p) for p in found])

    def TestPrint(self, request, context):
        return _job(printers.queue_test_page(self.db, require_actor(), request.printer_id, now=self.clock()))

    # G5 a product's own printers

    def SetProductPrinters(self, request, context):
        found = printers.set_product_printers(
            self.db,
            require_actor(),
            request.store_id,
            request.product_id,
            list(request.printer_ids),
            clear=request.clear,
            now=self.clock(),
        )
        return _product_printers(found)

    def ListProductPrinters(self, request, context):
        found = printers.list_product_printers(self.db, require_actor(), request.store_id)
        return pb.ListProductPrintersResponse(products=[_product_printers(p) for p in found])

    # G4 settings

    def GetPrintSettings(self, request, context):
        return _settings(printers.get_settings(self.db, require_actor(), request.store_id))

    def UpdatePrintSettings(self, request, context):
        wanted = printers.StoreSettings(
            request.store_id,
            request.stale_after_minutes,
            request.offline_after_failures,
            request.auto_print,
            request.auto_accept,
        )
        return _settings(printers.update_settings(self.db, require_actor(), wanted, now=self.clock()))

    # G2 G4 G5 tickets and the queue

    def PrintTicket(self, request, context):
        now = self.clock()
        printed = tickets.print_ticket(self.db, require_actor(), _ticket(request, now), now=now)
        return pb.PrintTicketResponse(
            ticket_id=printed.ticket_id, jobs=[_job(j) for j in printed.jobs], replayed=printed.replayed
        )

    def ListJobs(self, request, context):
        page = page_from_proto(request.page)
        found = tickets.list_jobs(
            self.db,
            require_actor(),
            page,
            store_id=request.store_id,
            printer_id=request.printer_id,
            state=request.state,
            order_id=request.order_id,
        )
        return pb.ListJobsResponse(jobs=[_job(j) for j in found.jobs], page=page.info(found.total))

    def Reprint(self, request, context):
        return _job(tickets.reprint(self.db, require_actor(), request.job_id, now=self.clock()))


def registration(
    db: Database, clock: Callable[[], datetime], *, feieyun: FeieyunClient, dispatcher: Dispatcher, any_port: bool
) -> ServiceRegistration:
    servicer = PrintingServicer(db, clock, feieyun=feieyun, dispatcher=dispatcher, any_port=any_port)
    return ServiceRegistration(printing_pb2_grpc.add_PrintingServiceServicer_to_server, servicer, FULL_NAME)
