"""Schemas of coupons (E1 E2 E4 E6, B7). Money is integer fen (`*_fen`), rates basis points."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import PHONE, fen

KINDS = ("cash", "pickup", "discount")
MAX_IDS = 500


def ids(**kwargs) -> List:
    return List(String(validate=Length(min=1, max=36)), validate=Length(max=MAX_IDS), **kwargs)


class TemplateIn(Schema):
    name = String(required=True, validate=Length(min=1, max=40))
    kind = String(required=True, validate=OneOf(KINDS, error="validation.invalid_choice"))
    colour = String(load_default="", metadata={"description": "#RRGGBB, the coupon's colour"})
    value_fen = fen(load_default=0, metadata={"description": "cash: the value off"})
    percent_off = Integer(strict=True, load_default=0, validate=Range(min=0, max=99))
    pickup_product_ids = ids(load_default=list, metadata={"description": "pickup: the products handed over"})
    valid_from = DateTime(load_default=None, metadata={"description": "fixed validity, with valid_until"})
    valid_until = DateTime(load_default=None)
    valid_days = Integer(strict=True, load_default=0, metadata={"description": "or: days after receipt"})
    min_spend_fen = fen(load_default=0)
    per_order_limit = Integer(strict=True, load_default=1, validate=Range(min=1, max=100))
    product_ids = ids(load_default=list, metadata={"description": "only these products (empty: any)"})
    category_ids = ids(load_default=list)
    store_ids = ids(load_default=list)
    convertible_to_stored_value = Boolean(load_default=False)
    conversion_value_fen = fen(load_default=0)
    total_quantity = Integer(strict=True, load_default=0, metadata={"description": "stock; 0 = unlimited"})
    per_person_limit = Integer(strict=True, load_default=1, validate=Range(min=1, max=1000))
    remind_days_before = Integer(strict=True, load_default=0, validate=Range(min=0, max=365))


class TemplateOut(TemplateIn):
    id = String(required=True)
    claim_token = String(required=True, metadata={"description": "the public claim link's token"})
    claim_path = String(required=True)
    claim_url = String(
        required=True, metadata={"description": "The page customers open to claim: /q/<token> on PUBLIC_BASE_URL"}
    )
    created_at = DateTime(required=True)


class TemplatesOut(Schema):
    templates = List(Nested(TemplateOut), required=True)
    page = Nested(PageOut, required=True)


class SendIn(Schema):
    customer_ids = List(String(validate=Length(min=1, max=36)), required=True, validate=Length(min=1, max=MAX_IDS))


class CouponOut(Schema):
    id = String(required=True)
    code = String(required=True)
    template_id = String(required=True)
    customer_id = String(required=True)
    phone = String(required=True)
    channel = String(required=True, metadata={"description": "send | claim | recharge (E7 gift) | gift (C11)"})
    status = String(required=True, metadata={"description": "active | redeemed | expired"})
    valid_from = DateTime(required=True)
    valid_until = DateTime(required=True)
    issued_at = DateTime(required=True)
    redeemed_at = DateTime(allow_none=True)
    order_id = String(required=True)
    qr_payload = String(required=True, metadata={"description": "what the coupon's QR code carries"})


class CouponsOut(Schema):
    coupons = List(Nested(CouponOut), required=True)


class CouponPageOut(CouponsOut):
    page = Nested(PageOut, required=True)


class CouponQuery(PageQuery):
    template_id = String(load_default="", validate=Length(max=36))
    customer_id = String(load_default="", validate=Length(max=36))
    phone = String(load_default="", validate=Length(max=20))
    held_only = Boolean(
        load_default=False, metadata={"description": "Only coupons the holder can still use (active, not expired)"}
    )


class LookupQuery(Schema):
    code = String(required=True, validate=Length(min=1, max=64), metadata={"description": "typed or QR payload"})


class ClaimIn(Schema):
    phone = String(required=True, validate=PHONE)


class LineIn(Schema):
    product_id = String(required=True, validate=Length(min=1, max=36))
    category_id = String(load_default="", validate=Length(max=36))
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=1_000_000))
    amount_fen = fen(required=True, metadata={"description": "price x quantity"})


class RedeemIn(Schema):
    code = String(required=True, validate=Length(min=1, max=64), metadata={"description": "typed or QR payload"})
    order_id = String(required=True, validate=Length(min=1, max=64))
    store_id = String(load_default="", validate=Length(max=36))
    lines = List(Nested(LineIn), required=True, validate=Length(min=1, max=500))


class RedemptionOut(Schema):
    coupon_id = String(required=True)
    code = String(required=True)
    order_id = String(required=True)
    discount_fen = Integer(required=True)
    redeemed_at = DateTime(required=True)
    pickup_product_ids = List(String(), required=True)


class StatsQuery(Schema):
    date_from = Date(load_default=None)
    date_to = Date(load_default=None)


class DayStatsOut(Schema):
    date = String(required=True)
    issued = Integer(required=True)
    claimed = Integer(required=True)
    redeemed = Integer(required=True)


class StatsOut(Schema):
    template_id = String(required=True)
    issued = Integer(required=True)
    claimed = Integer(required=True)
    redeemed = Integer(required=True)
    redemption_rate_bp = Integer(required=True, metadata={"description": "redeemed / issued, 1% = 100"})
    days = List(Nested(DayStatsOut), required=True)


class SendStatsOut(StatsOut):
    send_id = String(required=True)
    send_key = String(required=True)
    segment_id = String(required=True)
    skipped = Dict(keys=String(), values=Integer(), metadata={"description": "Members skipped, by reason"})


class BatchIn(Schema):
    template_id = String(required=True, validate=Length(min=1, max=36))
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=100_000))


class HandOutIn(Schema):
    store_id = String(required=True, validate=Length(min=1, max=36))
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=100_000))


class SellIn(Schema):
    buyer = String(required=True, validate=Length(min=1, max=60), metadata={"description": "the corporate buyer"})
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=100_000))


class MovementOut(Schema):
    kind = String(required=True, metadata={"description": "made | issued | handed_out | sold"})
    quantity = Integer(required=True)
    store_id = String(required=True)
    buyer = String(required=True)
    first_serial = Integer(required=True)
    last_serial = Integer(required=True)
    at = DateTime(required=True)


class BatchOut(Schema):
    id = String(required=True)
    template_id = String(required=True)
    quantity = Integer(required=True)
    status = String(
        required=True,
        metadata={"description": "making (codes being written by the worker; poll until made) | made | issued"},
    )
    made = Integer(required=True, metadata={"description": "codes written so far (= quantity once made)"})
    issued = Integer(required=True)
    handed_out = Integer(required=True)
    sold = Integer(required=True)
    redeemed = Integer(required=True)
    in_stock = Integer(required=True)
    movements = List(Nested(MovementOut), required=True)


class ClaimPageOut(Schema):
    name = String(required=True)
    kind = String(required=True)
    colour = String(required=True)
    value_fen = Integer(required=True)
    percent_off = Integer(required=True)
    min_spend_fen = Integer(required=True)
    valid_from = DateTime(allow_none=True)
    valid_until = DateTime(allow_none=True)
    valid_days = Integer(required=True)
    per_person_limit = Integer(required=True)
    remaining = Integer(required=True, metadata={"description": "-1 = unlimited"})


class SegmentSendIn(Schema):
    segment_id = String(required=True, validate=Length(min=1, max=36))
    send_key = String(
        required=True,
        validate=Length(min=1, max=64),
        metadata={"description": "chosen by the client once per send; a retry with it issues nothing twice"},
    )


class SegmentSendOut(Schema):
    send_id = String(required=True)
    send_key = String(required=True)
    template_id = String(required=True)
    segment_id = String(required=True)
    issued = Integer(required=True)
    skipped = Dict(
        keys=String(), values=Integer(), required=True, metadata={"description": "per_person_limit | sold_out: count"}
    )
    finished = Boolean(required=True)
