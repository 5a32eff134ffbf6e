"""A fake of crm.printing.v1.PrintingService on its own address: records every call and answers
with fixed, recognisable values (or the error a test sets in `rec.fail`)."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.printing.v1 import printing_pb2 as pb
from crm.printing.v1 import printing_pb2_grpc
from crmkit.grpc_server import ServiceRegistration


def printer_pb(**kw) -> pb.Printer:
    fields = {
        "id": "pr-1",
        "store_id": "st-1",
        "name": "前台",
        "kind": "network",
        "role": "counter",
        "paper_mm": 58,
        "enabled": True,
        "host": "192.168.1.50",
        "port": 9100,
        "online": True,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    return pb.Printer(**{**fields, **kw})


def job_pb(**kw) -> pb.PrintJob:
    fields = {
        "id": "job-1",
        "printer_id": "pr-1",
        "printer_name": "前台",
        "store_id": "st-1",
        "order_id": "o-1",
        "order_no": "TA001",
        "kind": "takeaway",
        "variant": "receipt",
        "state": "queued",
        "created_at": CREATED,
        "updated_at": CREATED,
        "next_attempt_at": CREATED,
    }
    return pb.PrintJob(**{**fields, **kw})


class FakePrinting(printing_pb2_grpc.PrintingServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def CreatePrinter(self, request, context):
        self.rec.record("CreatePrinter", request, context)
        return printer_pb(name=request.name, kind=request.kind, role=request.role, feie_key_set=bool(request.feie_key))

    def UpdatePrinter(self, request, context):
        self.rec.record("UpdatePrinter", request, context)
        return printer_pb(id=request.id, name=request.printer.name)

    def DeletePrinter(self, request, context):
        self.rec.record("DeletePrinter", request, context)
        return pb.DeletePrinterResponse()

    def GetPrinter(self, request, context):
        self.rec.record("GetPrinter", request, context)
        return printer_pb(id=request.id, online=False, consecutive_failures=3, offline_since=CREATED, waiting_jobs=2)

    def ListPrinters(self, request, context):
        self.rec.record("ListPrinters", request, context)
        return pb.ListPrintersResponse(printers=[printer_pb(), printer_pb(id="pr-2", role="kitchen", kind="feieyun")])

    def TestPrint(self, request, context):
        self.rec.record("TestPrint", request, context)
        return job_pb(id="job-t", printer_id=request.printer_id, variant="test", order_id="", order_no="", kind="")

    def SetProductPrinters(self, request, context):
        self.rec.record("SetProductPrinters", request, context)
        ids = [] if request.clear else list(request.printer_ids)
        return pb.ProductPrinters(store_id=request.store_id, product_id=request.product_id, printer_ids=ids)

    def ListProductPrinters(self, request, context):
        self.rec.record("ListProductPrinters", request, context)
        found = pb.ProductPrinters(store_id=request.store_id, product_id="p-1", printer_ids=["pr-2"])
        return pb.ListProductPrintersResponse(products=[found])

    def GetPrintSettings(self, request, context):
        self.rec.record("GetPrintSettings", request, context)
        return pb.PrintSettings(store_id=request.store_id, stale_after_minutes=30, offline_after_failures=3)

    def UpdatePrintSettings(self, request, context):
        self.rec.record("UpdatePrintSettings", request, context)
        return request

    def PrintTicket(self, request, context):
        self.rec.record("PrintTicket", request, context)
        return pb.PrintTicketResponse(ticket_id="tk-1", jobs=[job_pb(order_id=request.order_id)])

    def ListJobs(self, request, context):
        self.rec.record("ListJobs", request, context)
        return pb.ListJobsResponse(jobs=[job_pb(state="stale")], page={"page": 1, "page_size": 20, "total": 1})

    def Reprint(self, request, context):
        self.rec.record("Reprint", request, context)
        return job_pb(id="job-2", reprint_of=request.job_id)


def registration(fake: FakePrinting) -> ServiceRegistration:
    return ServiceRegistration(
        printing_pb2_grpc.add_PrintingServiceServicer_to_server, fake, "crm.printing.v1.PrintingService"
    )
