"""Receipt printers and the print queue (G1 G2 G4 G5) for the owner and store managers: printers
per store, a test page, a product's own printers, a store's queue settings; tickets printed (the
storefront's orders will feed them from their events, services/printing/README.md), the queue
listed and reprinted."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.common.v1 import common_pb2
from crm.printing.v1 import printing_pb2 as pb
from crmkit.protos import datetime_of, timestamp
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, page_out, page_request
from gateway.api.printer_schemas import (
    PrinterIn,
    PrinterOut,
    PrintersOut,
    PrinterStoreQuery,
    PrintJobOut,
    PrintJobQuery,
    PrintJobsOut,
    PrintSettingsIO,
    PrintStoreQuery,
    PrintTicketOut,
    ProductPrintersIn,
    ProductPrintersListOut,
    ProductPrintersOut,
    TicketIn,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("printers", __name__, tag="Printers", url_prefix="/api/v1")


def printing(method: str, request_message):
    return call("printing", method, request_message)


def printer_dict(p: pb.Printer) -> dict:
    return {
        "id": p.id,
        "store_id": p.store_id,
        "name": p.name,
        "kind": p.kind,
        "role": p.role,
        "paper_mm": p.paper_mm,
        "enabled": p.enabled,
        "host": p.host,
        "port": p.port,
        "feie_sn": p.feie_sn,
        "feie_key_set": p.feie_key_set,
        "category_ids": list(p.category_ids),
        "store_default": p.store_default,
        "online": p.online,
        "consecutive_failures": p.consecutive_failures,
        "last_error": p.last_error,
        "offline_since": datetime_of(p, "offline_since"),
        "waiting_jobs": p.waiting_jobs,
        "created_at": datetime_of(p, "created_at"),
        "updated_at": datetime_of(p, "updated_at"),
    }


def job_dict(j: pb.PrintJob) -> dict:
    fields = ("id", "printer_id", "printer_name", "store_id", "ticket_id", "order_id", "order_no", "kind")
    out = {name: getattr(j, name) for name in fields}
    out.update(variant=j.variant, state=j.state, attempts=j.attempts, last_error=j.last_error)
    out["reprint_of"] = j.reprint_of
    for name in ("created_at", "updated_at", "printed_at", "next_attempt_at"):
        out[name] = datetime_of(j, name)
    return out


def settings_dict(s: pb.PrintSettings) -> dict:
    return {
        "store_id": s.store_id,
        "stale_after_minutes": s.stale_after_minutes,
        "offline_after_failures": s.offline_after_failures,
        "auto_print": s.auto_print,
        "auto_accept": s.auto_accept,
    }


def product_dict(p: pb.ProductPrinters) -> dict:
    return {"store_id": p.store_id, "product_id": p.product_id, "printer_ids": list(p.printer_ids)}


def ticket_message(body: dict) -> pb.Ticket:
    money = common_pb2.Money
    lines = [
        pb.TicketLine(
            product_id=x["product_id"],
            category_id=x["category_id"],
            name=x["name"],
            quantity=x["quantity"],
            amount=money(fen=x["amount_fen"]),
            spec=x["spec"],
        )
        for x in body["lines"]
    ]
    texts = ("store_id", "order_id", "order_no", "kind", "store_name", "customer_name", "customer_phone")
    return pb.Ticket(
        **{name: body[name] for name in (*texts, "address", "note", "verification_code")},
        placed_at=timestamp(body["placed_at"]),
        lines=lines,
        subtotal=money(fen=body["subtotal_fen"]),
        discount=money(fen=body["discount_fen"]),
        delivery_fee=money(fen=body["delivery_fee_fen"]),
        paid=money(fen=body["paid_fen"]),
    )


# --- G1 printers ---------------------------------------------------------------------------------


@bp.get("/printers")
@bp.doc(operation_id="listPrinters", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PrinterStoreQuery, location="query", arg_name="query")
@bp.output(PrintersOut)
def list_printers(query):
    """The printers of one store, or of every store the caller manages"""
    reply = printing("ListPrinters", pb.ListPrintersRequest(store_id=query["store_id"]))
    return {"printers": [printer_dict(p) for p in reply.printers]}


@bp.post("/printers")
@bp.doc(operation_id="createPrinter", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(PrinterIn, arg_name="body")
@bp.output(PrinterOut, status_code=201)
def create_printer(body):
    """Add a network (ESC/POS, port 9100) or FeieYun cloud printer to a store (owner, its managers)"""
    return printer_dict(printing("CreatePrinter", pb.PrinterInput(**body)))


@bp.get("/printers/settings")
@bp.doc(operation_id="getPrintSettings", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PrintStoreQuery, location="query", arg_name="query")
@bp.output(PrintSettingsIO)
def get_print_settings(query):
    """A store's queue settings: when tickets go stale, failures before a printer is offline"""
    return settings_dict(printing("GetPrintSettings", pb.GetPrintSettingsRequest(store_id=query["store_id"])))


@bp.put("/printers/settings")
@bp.doc(operation_id="updatePrintSettings", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PrintSettingsIO, arg_name="body")
@bp.output(PrintSettingsIO)
def update_print_settings(body):
    """Change a store's queue settings"""
    return settings_dict(printing("UpdatePrintSettings", pb.PrintSettings(**body)))


@bp.get("/printers/product-routes")
@bp.doc(operation_id="listProductPrinters", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PrintStoreQuery, location="query", arg_name="query")
@bp.output(ProductPrintersListOut)
def list_product_printers(query):
    """The products of a store with printers of their own (before their category's)"""
    reply = printing("ListProductPrinters", pb.ListProductPrintersRequest(store_id=query["store_id"]))
    return {"products": [product_dict(p) for p in reply.products]}


@bp.put("/printers/product-routes")
@bp.doc(operation_id="setProductPrinters", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ProductPrintersIn, arg_name="body")
@bp.output(ProductPrintersOut)
def set_product_printers(body):
    """A product's own kitchen or warehouse printers in a store (none: no slip; clear: its category decides)"""
    return product_dict(printing("SetProductPrinters", pb.SetProductPrintersRequest(**body)))


@bp.get("/printers/<string:printer_id>")
@bp.doc(operation_id="getPrinter", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(PrinterOut)
def get_printer(printer_id):
    """One printer with its state and waiting jobs"""
    return printer_dict(printing("GetPrinter", pb.GetPrinterRequest(id=printer_id)))


@bp.put("/printers/<string:printer_id>")
@bp.doc(operation_id="updatePrinter", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PrinterIn, arg_name="body")
@bp.output(PrinterOut)
def update_printer(printer_id, body):
    """Change a printer (an empty FeieYun key keeps the stored one)"""
    reply = printing("UpdatePrinter", pb.UpdatePrinterRequest(id=printer_id, printer=pb.PrinterInput(**body)))
    return printer_dict(reply)


@bp.delete("/printers/<string:printer_id>")
@bp.doc(operation_id="deletePrinter", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output({}, status_code=204)
def delete_printer(printer_id):
    """Remove a printer and its queue"""
    printing("DeletePrinter", pb.DeletePrinterRequest(id=printer_id))
    return ""


@bp.post("/printers/<string:printer_id>/test")
@bp.doc(operation_id="testPrinter", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.output(PrintJobOut, status_code=201)
def print_test_page(printer_id):
    """Queue a test page: its job shows whether it printed"""
    return job_dict(printing("TestPrint", pb.TestPrintRequest(printer_id=printer_id)))


# --- G2 G4 tickets and the queue -----------------------------------------------------------------


@bp.post("/print-jobs")
@bp.doc(operation_id="printTicket", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(TicketIn, arg_name="body")
@bp.output(PrintTicketOut, status_code=201)
def print_ticket(body):
    """Print an order: the receipt at the store's counter printers, its lines on the kitchen and
    warehouse printers by category. The same order_id again answers its first jobs."""
    reply = printing("PrintTicket", ticket_message(body))
    return {"ticket_id": reply.ticket_id, "jobs": [job_dict(j) for j in reply.jobs], "replayed": reply.replayed}


@bp.get("/print-jobs")
@bp.doc(operation_id="listPrintJobs", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PrintJobQuery, location="query", arg_name="query")
@bp.output(PrintJobsOut)
def list_print_jobs(query):
    """The print queue, newest first, by store, printer, order or state"""
    request = pb.ListJobsRequest(
        store_id=query["store_id"],
        printer_id=query["printer_id"],
        order_id=query["order_id"],
        state=query["state"],
        page=page_request(query),
    )
    reply = printing("ListJobs", request)
    return {"jobs": [job_dict(j) for j in reply.jobs], "page": page_out(reply.page)}


@bp.post("/print-jobs/<string:job_id>/reprint")
@bp.doc(operation_id="reprintPrintJob", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.output(PrintJobOut, status_code=201)
def reprint(job_id):
    """Print a job again (marked 补打): a stale, failed or lost ticket"""
    return job_dict(printing("Reprint", pb.ReprintRequest(job_id=job_id)))
