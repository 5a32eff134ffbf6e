"""Request and response schemas of segments (C4): saved customer filters and their members."""

from __future__ import annotations

from datetime import date

from apiflask import Schema
from apiflask.fields import AwareDateTime, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from crm.customers.v1 import segments_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery, Timestamped
from gateway.api.fields import text

OPS = ("eq", "contains", "gte", "lte")
DAYS = Range(min=1, max=3650, error="validation.invalid")
COUNT = Range(min=0, max=1_000_000, error="validation.invalid")  # as the customers service
OPTIONAL_NUMBERS = (
    "no_purchase_days",
    "period_days",
    "min_order_count",
    "max_order_count",
    "min_amount_fen",
    "max_amount_fen",
    "coupons_unused_min",
    "coupon_redeemed_within_days",
    "no_coupon_redeemed_within_days",
)
LISTS = ("tag_ids", "levels", "region_prefixes", "product_ids", "brands", "coupon_template_ids")


def _ids(description: str) -> List:
    return List(String(validate=Length(min=1, max=40)), validate=Length(max=50), metadata={"description": description})


class FieldConditionSchema(Schema):
    key = String(required=True, validate=Length(min=1, max=40))
    op = String(required=True, validate=OneOf(OPS, error="validation.invalid_choice"))
    values = List(String(validate=Length(max=100)), required=True, validate=Length(min=1, max=50))


class SegmentFilterSchema(Schema):
    """Every condition given must hold; `{}` matches every customer the caller may see."""

    fields = List(
        Nested(FieldConditionSchema),
        validate=Length(max=20),
        metadata={
            "description": "Conditions on configured customer fields: text eq/contains, choice eq, "
            "number and date eq/gte/lte (eq matches any of `values`)"
        },
    )
    tag_ids = _ids("Carries any of these tags")
    levels = _ids("Member level is one of these")
    region_prefixes = _ids("Region code starts with one of these (e.g. 31, 310104)")
    last_purchase_before = AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with offset"})
    last_purchase_after = AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with offset"})
    no_purchase_days = Integer(
        validate=DAYS,
        metadata={"description": "Sleeping members: no purchase in the last N days (never-buyers once older)"},
    )
    period_days = Integer(validate=DAYS, metadata={"description": "Period of count/amount/products: last N days"})
    period_from = Date(metadata={"description": "Period start (UTC day, inclusive), instead of period_days"})
    period_to = Date(metadata={"description": "Period end (UTC day, inclusive)"})
    min_order_count = Integer(validate=COUNT, metadata={"description": "Orders approved in the period, at least"})
    max_order_count = Integer(validate=COUNT, metadata={"description": "Orders approved in the period, at most"})
    min_amount_fen = Integer(metadata={"description": "Amount in the period net of refunds, at least (fen)"})
    max_amount_fen = Integer(metadata={"description": "Amount in the period net of refunds, at most (fen)"})
    product_ids = _ids("Bought any of these products in the period")
    brands = _ids("Bought any of these brands in the period")
    coupons_unused_min = Integer(
        validate=Range(min=1, max=1000, error="validation.invalid"),
        metadata={
            "description": "Holds at least N unused coupons: issued, not redeemed and still valid at the "
            "evaluation time (of coupon_template_ids when given)"
        },
    )
    coupon_template_ids = _ids(
        "Narrows every coupon condition to coupons of these templates (needs one of the coupon conditions)"
    )
    coupon_redeemed_within_days = Integer(
        validate=DAYS, metadata={"description": "Redeemed at least one coupon in the last N days"}
    )
    no_coupon_redeemed_within_days = Integer(
        validate=DAYS,
        metadata={
            "description": "Redeemed no coupon in the last N days (with coupons_unused_min: holds coupons "
            "but does not use them)"
        },
    )


class SegmentIn(Schema):
    name = text(30, required=True)
    filter = Nested(SegmentFilterSchema, required=True)


class SegmentOut(Timestamped):
    id = String(required=True)
    name = String()
    filter = Nested(SegmentFilterSchema)
    created_by_staff_id = String()
    updated_at = AwareDateTime(allow_none=True)


class SegmentsOut(Schema):
    segments = List(Nested(SegmentOut))


class PresetOut(Schema):
    key = String(required=True)
    name = String(metadata={"description": "Display name in the caller's language"})
    filter = Nested(SegmentFilterSchema)


class PresetsOut(Schema):
    presets = List(Nested(PresetOut))


class MemberOut(Schema):
    id = String(required=True)
    name = String()
    phone = String()
    owner_staff_id = String(metadata={"description": "Empty when in the public pool"})
    level = String()
    region = String()
    last_order_at = AwareDateTime(allow_none=True, metadata={"description": "Null when the customer never bought"})


class MembersOut(Schema):
    members = List(Nested(MemberOut))
    page = Nested(PageOut)


class MembersQuery(PageQuery):
    as_of = AwareDateTime(
        default_timezone=None,
        metadata={"description": "Evaluate as of this time (ISO 8601 with offset); now if absent"},
    )


class EvaluateIn(Schema):
    filter = Nested(SegmentFilterSchema, required=True)
    page = Integer(load_default=1, validate=Range(min=1, max=10_000))
    page_size = Integer(load_default=20, validate=Range(min=1, max=100))
    as_of = AwareDateTime(default_timezone=None, metadata={"description": "Evaluate as of this time; now if absent"})


def filter_pb(data: dict) -> pb.SegmentFilter:
    msg = pb.SegmentFilter(
        fields=[pb.FieldCondition(key=c["key"], op=c["op"], values=c["values"]) for c in data.get("fields", ())],
        period_from=data["period_from"].isoformat() if data.get("period_from") else "",
        period_to=data["period_to"].isoformat() if data.get("period_to") else "",
        **{name: data[name] for name in LISTS if data.get(name)},
        **{name: data[name] for name in OPTIONAL_NUMBERS if data.get(name) is not None},
    )
    for name in ("last_purchase_before", "last_purchase_after"):
        if data.get(name) is not None:
            getattr(msg, name).FromDatetime(data[name])
    return msg


def filter_dict(msg: pb.SegmentFilter) -> dict:
    out: dict = {}
    if msg.fields:
        out["fields"] = [{"key": c.key, "op": c.op, "values": list(c.values)} for c in msg.fields]
    for name in LISTS:
        if getattr(msg, name):
            out[name] = list(getattr(msg, name))
    for name in OPTIONAL_NUMBERS:
        if msg.HasField(name):
            out[name] = getattr(msg, name)
    for name in ("last_purchase_before", "last_purchase_after"):
        if msg.HasField(name):
            out[name] = datetime_of(msg, name)
    for name in ("period_from", "period_to"):
        day = _day(getattr(msg, name))
        if day is not None:
            out[name] = day
    return out


def _day(text: str) -> date | None:
    # The schema's Date field formats a date, not a string (a string here once made every
    # list of the tenant's segments a 500, issue 11). A day the service wrote that does not
    # parse is left out rather than failing the whole answer.
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def segment_dict(s: pb.Segment) -> dict:
    return {
        "id": s.id,
        "name": s.name,
        "filter": filter_dict(s.filter),
        "created_by_staff_id": s.created_by_staff_id,
        "created_at": datetime_of(s, "created_at"),
        "updated_at": datetime_of(s, "updated_at"),
    }


def member_dict(m: pb.SegmentMember) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "phone": m.phone,
        "owner_staff_id": m.owner_staff_id,
        "level": m.level,
        "region": m.region,
        "last_order_at": datetime_of(m, "last_order_at"),
    }
