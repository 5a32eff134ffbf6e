"""Schemas of the merchant's storefront orders (B6 B7 B8 B12), shared by the shop's customer
views (gateway.api.shop) and the merchant's (gateway.api.storefront): the order as JSON, placing
one, listing, the day's summary, the steps and refund decisions.

Money is integer `*_fen`; times ISO 8601 (UTC). Kinds, states and actions are the words of
orders.domain.storefront; which party may take which step is the service's to decide.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range, Regexp
from marshmallow import ValidationError, validates_schema

from crm.common.v1 import common_pb2
from crm.orders.v1 import storefront_pb2 as pb
from crmkit.limits import MAX_LINES, MAX_QUANTITY
from crmkit.protos import datetime_of, timestamp
from gateway.api.common import PageQuery
from gateway.api.fields import LATITUDE, LONGITUDE, choice, fen, ident, text
from gateway.api.printer_schemas import ORDER_KINDS
from gateway.errors import ApiError

# Paid with an amount and no lines (the manual: 当面付, 储值); every other kind has lines.
AMOUNT_KINDS = ("face_to_face", "top_up")
STATES = ("awaiting_payment", "paid", "shipped", "confirmed", "accepted", "delivering", "delivered", "done", "closed")
# Optional contact phone: empty, or a mainland mobile (the services check again).
OPTIONAL_PHONE = Regexp(r"^(1\d{10})?$", error="validation.phone_invalid")


# --- the order as JSON ---


class StorefrontLineOut(Schema):
    product_id = String()
    category_id = String()
    name = String()
    quantity = Integer()
    unit_price_fen = Integer()
    amount_fen = Integer()
    spec = String(metadata={"description": "Options the customer picked: 大份, 少辣"})


class StorefrontRefundOut(Schema):
    id = String()
    state = String(metadata={"enum": ["requested", "approved", "refunded", "rejected", "failed"]})
    requested_fen = Integer()
    approved_fen = Integer(metadata={"description": "0 until the merchant approves"})
    reason = String()
    reject_reason = String()
    requested_at = DateTime(allow_none=True)
    decided_at = DateTime(allow_none=True)
    refunded_at = DateTime(allow_none=True)


class StorefrontDeliveryOut(Schema):
    provider = String(metadata={"description": "dada"})
    status = String(metadata={"enum": ["accepted", "picking", "delivering", "delivered", "cancelled", "failed"]})
    reason = String()
    rider_name = String()
    rider_phone = String()
    fee_fen = Integer()
    distance_m = Integer()
    updated_at = DateTime(allow_none=True)


class StorefrontOrderOut(Schema):
    id = String(required=True)
    number = String(metadata={"description": "e.g. SF20261205-0001"})
    store_id = String()
    kind = String(metadata={"enum": list(ORDER_KINDS)})
    state = String(metadata={"enum": list(STATES)})
    customer_id = String()
    customer_name = String()
    customer_phone = String()
    lines = List(Nested(StorefrontLineOut))
    goods_total_fen = Integer()
    discount_fen = Integer()
    delivery_fee_fen = Integer()
    total_fen = Integer(metadata={"description": "What the customer pays: goods_total - discount + delivery_fee"})
    paid_fen = Integer()
    refunded_fen = Integer()
    payment_method = String(metadata={"description": 'wechat | stored_value ("" until paid)'})
    note = String()
    contact_name = String()
    contact_phone = String()
    address = String()
    latitude = Float(allow_none=True, metadata={"description": "The address's point (GCJ-02), when given"})
    longitude = Float(allow_none=True)
    reserved_for = DateTime(allow_none=True)
    carrier = String()
    tracking_no = String()
    verification_code = String(metadata={"description": "reservation and in_store: the one-time code (B7)"})
    verification_qr = String(metadata={"description": "Its QR payload (CRMSF:<code>)"})
    reason = String(metadata={"description": "Why a takeaway came back from the rider, why an order closed"})
    refunds = List(Nested(StorefrontRefundOut))
    delivery = Nested(StorefrontDeliveryOut, allow_none=True)
    actions = List(String(), metadata={"description": "What the caller may do now, e.g. accept"})
    refundable = Boolean(metadata={"description": "The customer may ask for a refund now"})
    placed_by_staff_id = String()
    placed_at = DateTime(allow_none=True)
    paid_at = DateTime(allow_none=True)
    updated_at = DateTime(allow_none=True)
    closes_at = DateTime(allow_none=True, metadata={"description": "Unpaid, it closes then"})


class StorefrontOrderListOut(Schema):
    items = List(Nested(StorefrontOrderOut))
    total = Integer()


def _line_dict(line: pb.StorefrontLine) -> dict:
    return {
        "product_id": line.product_id,
        "category_id": line.category_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price_fen": line.unit_price.fen,
        "amount_fen": line.amount.fen,
        "spec": line.spec,
    }


def _refund_dict(r: pb.StorefrontRefund) -> dict:
    out = {"id": r.id, "state": r.state, "requested_fen": r.requested.fen, "approved_fen": r.approved.fen}
    out.update(reason=r.reason, reject_reason=r.reject_reason)
    for name in ("requested_at", "decided_at", "refunded_at"):
        out[name] = datetime_of(r, name)
    return out


def _delivery_dict(order: pb.StorefrontOrder) -> dict | None:
    if not order.HasField("delivery"):
        return None
    d = order.delivery
    return {
        "provider": d.provider,
        "status": d.status,
        "reason": d.reason,
        "rider_name": d.rider_name,
        "rider_phone": d.rider_phone,
        "fee_fen": d.fee.fen,
        "distance_m": d.distance_m,
        "updated_at": datetime_of(d, "updated_at"),
    }


_TEXTS = (
    "id",
    "number",
    "store_id",
    "kind",
    "state",
    "customer_id",
    "customer_name",
    "customer_phone",
    "payment_method",
    "note",
    "contact_name",
    "contact_phone",
    "address",
    "carrier",
    "tracking_no",
    "verification_code",
    "verification_qr",
    "reason",
    "placed_by_staff_id",
)
_MONEY = ("goods_total", "discount", "delivery_fee", "total", "paid", "refunded")
_TIMES = ("reserved_for", "placed_at", "paid_at", "updated_at", "closes_at")


def storefront_order_dict(order: pb.StorefrontOrder) -> dict:
    out = {name: getattr(order, name) for name in _TEXTS}
    out.update({f"{name}_fen": getattr(order, name).fen for name in _MONEY})
    out.update({name: datetime_of(order, name) for name in _TIMES})
    out["lines"] = [_line_dict(line) for line in order.lines]
    out["refunds"] = [_refund_dict(r) for r in order.refunds]
    out["delivery"] = _delivery_dict(order)
    out["actions"] = list(order.actions)
    out["refundable"] = order.refundable
    for name in ("latitude", "longitude"):
        out[name] = getattr(order, name) if order.HasField(name) else None
    return out


def storefront_list_dict(reply: pb.ListStorefrontOrdersResponse) -> dict:
    return {"items": [storefront_order_dict(o) for o in reply.orders], "total": reply.total}


# --- placing an order ---


class StorefrontLineIn(Schema):
    product_id = ident(required=True)
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=MAX_QUANTITY))
    spec = text(60, load_default="", metadata={"description": "Options picked: 大份, 少辣"})


class StorefrontOrderIn(Schema):
    """A customer's own order (the shop); staff add `customer_id` (StaffStorefrontOrderIn)."""

    store_id = ident(required=True)
    kind = choice(ORDER_KINDS, required=True)
    lines = List(
        Nested(StorefrontLineIn),
        load_default=list,
        validate=Length(max=MAX_LINES),
        metadata={"description": "Priced from the catalogue; none for face_to_face and top_up"},
    )
    amount_fen = fen(load_default=0, metadata={"description": "face_to_face and top_up only: what is paid"})
    note = text(200, load_default="")
    contact_name = text(50, load_default="", metadata={"description": "takeaway and ecommerce: who receives it"})
    contact_phone = String(load_default="", validate=OPTIONAL_PHONE)
    address = text(200, load_default="", metadata={"description": "takeaway and ecommerce: where it goes"})
    latitude = Float(
        load_default=None,
        allow_none=True,
        validate=LATITUDE,
        metadata={
            "description": "takeaway and ecommerce, with longitude: the address's point (GCJ-02, as the WeChat "
            "location picker gives it); Dada takes no takeaway without it"
        },
    )
    longitude = Float(load_default=None, allow_none=True, validate=LONGITUDE)
    reserved_for = DateTime(load_default=None, allow_none=True, metadata={"description": "reservation: when"})
    coupon_codes = List(String(validate=Length(min=1, max=200)), load_default=list, validate=Length(max=10))

    @validates_schema
    def lines_or_amount(self, data, **kwargs):
        # An amount kind pays a sum and has no goods; the others are priced from their lines.
        if data.get("kind") in AMOUNT_KINDS:
            if data.get("lines"):
                raise ValidationError("validation.invalid", field_name="lines")
            if not data.get("amount_fen"):
                raise ValidationError("validation.required", field_name="amount_fen")
        elif data.get("kind"):
            if not data.get("lines"):
                raise ValidationError("validation.required", field_name="lines")
            if data.get("amount_fen"):
                raise ValidationError("validation.invalid", field_name="amount_fen")


class StaffStorefrontOrderIn(StorefrontOrderIn):
    customer_id = ident(required=True, metadata={"description": "The customer the order is for (at the counter)"})


def place_request(body: dict, idempotency_key: str, *, customer_id: str = "") -> pb.PlaceStorefrontOrderRequest:
    lines = [
        pb.StorefrontLineInput(product_id=line["product_id"], quantity=line["quantity"], spec=line["spec"])
        for line in body["lines"]
    ]
    texts = ("store_id", "kind", "note", "contact_name", "contact_phone", "address")
    return pb.PlaceStorefrontOrderRequest(
        **{name: body[name] for name in texts},
        lines=lines,
        amount=common_pb2.Money(fen=body["amount_fen"]) if body["amount_fen"] else None,
        customer_id=customer_id,
        reserved_for=timestamp(body["reserved_for"]),
        coupon_codes=body["coupon_codes"],
        idempotency_key=idempotency_key,
        **{name: body[name] for name in ("latitude", "longitude") if body[name] is not None},
    )


# --- lists and the day ---


class StorefrontPageQuery(PageQuery):
    state = choice(("", *STATES), load_default="")


class StorefrontOrderQuery(StorefrontPageQuery):
    store_id = String(load_default="", validate=Length(max=64), metadata={"description": "Empty: all my stores"})
    kind = choice(("", *ORDER_KINDS), load_default="")
    day = Date(load_default=None, metadata={"description": "Placed on this China day (YYYY-MM-DD)"})
    refund_pending = Boolean(load_default=False, metadata={"description": "A refund request waits for me"})


class StorefrontSummaryQuery(Schema):
    store_id = ident(required=True)
    day = Date(load_default=None, metadata={"description": "A China day (YYYY-MM-DD); empty: today"})


class StorefrontCountOut(Schema):
    kind = String()
    state = String()
    count = Integer()
    paid_fen = Integer()


class StorefrontSummaryOut(Schema):
    store_id = String()
    day = String(metadata={"description": "YYYY-MM-DD, China time"})
    orders = Integer()
    paid_fen = Integer()
    refunds_pending = Integer()
    counts = List(Nested(StorefrontCountOut))


def summary_dict(s: pb.StorefrontDaySummary) -> dict:
    counts = [{"kind": c.kind, "state": c.state, "count": c.count, "paid_fen": c.paid.fen} for c in s.counts]
    return {
        "store_id": s.store_id,
        "day": s.day,
        "orders": s.orders,
        "paid_fen": s.paid.fen,
        "refunds_pending": s.refunds_pending,
        "counts": counts,
    }


# --- steps and refunds ---


class StorefrontStepIn(Schema):
    carrier = text(30, load_default="", metadata={"description": "ship: the carrier"})
    tracking_no = text(40, load_default="", metadata={"description": "ship: the tracking number"})
    code = text(64, load_default="", metadata={"description": "verify: the typed code or scanned payload"})
    reason = text(200, load_default="", metadata={"description": "delivery_failed, cancel: why"})


# What a step cannot go without, named before the service is asked.
STEP_NEEDS = {"ship": ("carrier", "tracking_no"), "verify": ("code",), "delivery_failed": ("reason",)}


def check_step(action: str, allowed: tuple[str, ...], body: dict) -> None:
    """The step in the path is one of `allowed` and the body has what it needs: else 400 naming
    `action` or the missing fields."""
    if action not in allowed:
        fields = {"action": "validation.invalid_choice"}
    else:
        fields = {name: "validation.required" for name in STEP_NEEDS.get(action, ()) if not body.get(name, "").strip()}
    if fields:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields=fields)


class StorefrontVerifyIn(Schema):
    code = text(64, required=True, metadata={"description": "Typed, or the scanned QR payload (CRMSF:<code>)"})
    store_id = String(load_default="", validate=Length(max=64), metadata={"description": "Empty: any of mine"})


class RefundApproveIn(Schema):
    amount_fen = fen(load_default=0, metadata={"description": "At most what is left; 0: what was asked for"})


class RefundRejectIn(Schema):
    reason = text(200, required=True)
