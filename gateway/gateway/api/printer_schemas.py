"""Schemas of receipt printers (G1), a store's print settings (G4), a product's printers (G5),
tickets and print jobs (G2 G4)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import fen, ident, text

PRINTER_KINDS = ("network", "feieyun")
PRINTER_ROLES = ("counter", "kitchen", "warehouse")
ORDER_KINDS = ("ecommerce", "reservation", "in_store", "takeaway", "face_to_face", "top_up")
JOB_STATES = ("", "queued", "printing", "printed", "failed", "stale")


def _choice(values, **kwargs) -> String:
    return String(validate=OneOf(values, error="validation.invalid_choice"), **kwargs)


class PrinterIn(Schema):
    store_id = ident(required=True)
    name = text(30, required=True)
    kind = _choice(PRINTER_KINDS, required=True)
    role = _choice(PRINTER_ROLES, required=True)
    paper_mm = Integer(required=True, validate=OneOf((58, 80), error="validation.invalid_choice"))
    enabled = Boolean(load_default=True)
    host = text(253, load_default="", metadata={"description": "network: the printer's address"})
    port = Integer(load_default=9100, validate=Range(min=1, max=65535))
    feie_sn = text(20, load_default="", metadata={"description": "feieyun: the SN on the printer's label"})
    feie_key = text(
        40, load_default="", metadata={"description": "feieyun: the key on its label; empty on update keeps it"}
    )
    category_ids = List(ident(), load_default=list, validate=Length(max=100))
    store_default = Boolean(load_default=False)


class PrinterOut(Schema):
    id = String()
    store_id = String()
    name = String()
    kind = String()
    role = String()
    paper_mm = Integer()
    enabled = Boolean()
    host = String()
    port = Integer()
    feie_sn = String()
    feie_key_set = Boolean(metadata={"description": "The key itself is never read back"})
    category_ids = List(String())
    store_default = Boolean()
    online = Boolean()
    consecutive_failures = Integer()
    last_error = String()
    offline_since = DateTime(allow_none=True)
    waiting_jobs = Integer()
    created_at = DateTime()
    updated_at = DateTime()


class PrintersOut(Schema):
    printers = List(Nested(PrinterOut))


class PrinterStoreQuery(Schema):
    store_id = String(load_default="", validate=Length(max=64))


class PrintStoreQuery(Schema):
    store_id = ident(required=True)


class PrintSettingsIO(Schema):
    store_id = ident(required=True)
    stale_after_minutes = Integer(load_default=30, validate=Range(min=1, max=1440))
    offline_after_failures = Integer(load_default=3, validate=Range(min=1, max=20))
    auto_print = Boolean(load_default=True)
    auto_accept = Boolean(
        load_default=False,
        metadata={"description": "G3: takeaway orders accepted and in-store orders confirmed as they are paid"},
    )


class ProductPrintersIn(Schema):
    store_id = ident(required=True)
    product_id = ident(required=True)
    printer_ids = List(ident(), load_default=list, validate=Length(max=20))
    clear = Boolean(load_default=False, metadata={"description": "Forget the setting: its category decides"})


class ProductPrintersOut(Schema):
    store_id = String()
    product_id = String()
    printer_ids = List(String())


class ProductPrintersListOut(Schema):
    products = List(Nested(ProductPrintersOut))


class TicketLineIn(Schema):
    product_id = ident(required=True)
    category_id = String(load_default="", validate=Length(max=64))
    name = text(60, required=True)
    quantity = Integer(required=True, strict=True, validate=Range(min=1, max=9999))
    amount_fen = fen(required=True)
    spec = text(60, load_default="")


class TicketIn(Schema):
    store_id = ident(required=True)
    order_id = ident(required=True, metadata={"description": "An order prints once: sent again, its first jobs"})
    order_no = text(40, required=True)
    kind = _choice(ORDER_KINDS, required=True)
    placed_at = DateTime(load_default=None, allow_none=True)
    store_name = text(60, load_default="")
    lines = List(Nested(TicketLineIn), load_default=list, validate=Length(max=200))
    subtotal_fen = fen(load_default=0)
    discount_fen = fen(load_default=0)
    delivery_fee_fen = fen(load_default=0)
    paid_fen = fen(load_default=0)
    customer_name = text(60, load_default="")
    customer_phone = text(20, load_default="")
    address = text(200, load_default="")
    note = text(200, load_default="")
    verification_code = text(64, load_default="")


class PrintJobOut(Schema):
    id = String()
    printer_id = String()
    printer_name = String()
    store_id = String()
    ticket_id = String()
    order_id = String()
    order_no = String()
    kind = String()
    variant = String(metadata={"description": "receipt | slip | test"})
    state = String(metadata={"description": "queued | printing | printed | failed | stale"})
    attempts = Integer()
    last_error = String()
    reprint_of = String()
    created_at = DateTime()
    updated_at = DateTime()
    printed_at = DateTime(allow_none=True)
    next_attempt_at = DateTime(allow_none=True)


class PrintTicketOut(Schema):
    ticket_id = String()
    jobs = List(Nested(PrintJobOut))
    replayed = Boolean(metadata={"description": "The order had been sent before: nothing new was queued"})


class PrintJobsOut(Schema):
    jobs = List(Nested(PrintJobOut))
    page = Nested(PageOut)


class PrintJobQuery(PageQuery):
    store_id = String(load_default="", validate=Length(max=64))
    printer_id = String(load_default="", validate=Length(max=64))
    order_id = String(load_default="", validate=Length(max=64))
    state = _choice(JOB_STATES, load_default="")
