"""Request and response schemas of tags, registration QR, ownership and the public pool, and
map mode (C2, C3, C5, C12)."""

from __future__ import annotations

import base64

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crm.customers.v1 import ownership_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.customer_schemas import FIELD_KEY, CustomerFieldOut, CustomerOut
from gateway.api.fields import PHONE, text

COLOUR = Regexp(r"^(#[0-9A-Fa-f]{6})?$", error="validation.invalid")
APPLICATION_STATUSES = {
    "pending": pb.APPLICATION_STATUS_PENDING,
    "approved": pb.APPLICATION_STATUS_APPROVED,
    "rejected": pb.APPLICATION_STATUS_REJECTED,
}
STATUS_NAMES = {v: k for k, v in APPLICATION_STATUSES.items()}


class TagOut(Schema):
    id = String(required=True)
    name = String()
    colour = String()
    customer_count = Integer()


class TagsOut(Schema):
    tags = List(Nested(TagOut))


class TagIn(Schema):
    name = text(20, required=True)
    colour = String(load_default="", validate=COLOUR, metadata={"description": "#RRGGBB or empty"})


class TagCustomersIn(Schema):
    tag_ids = List(String(validate=Length(min=1, max=36)), required=True, validate=Length(min=1, max=50))
    customer_ids = List(String(validate=Length(min=1, max=36)), required=True, validate=Length(min=1, max=500))


class ChangedOut(Schema):
    changed = Integer(metadata={"description": "Pairs added or removed"})


class PoolLevelRuleIO(Schema):
    level = text(
        20, required=True, metadata={"description": "Member level code, as customers' `level` (e.g. VIP, 金卡)"}
    )
    followup_days = Integer(
        load_default=0,
        validate=Range(min=0, max=3650),
        metadata={"description": "N for this level: days without a follow-up before the return; 0 never"},
    )
    order_days = Integer(
        load_default=0,
        validate=Range(min=0, max=3650),
        metadata={"description": "M for this level: days without an order before the return; 0 never"},
    )


class SettingsIn(Schema):
    auto_approve_registrations = Boolean(load_default=False)
    pool_followup_days = Integer(load_default=0, validate=Range(min=0, max=3650))
    pool_order_days = Integer(load_default=0, validate=Range(min=0, max=3650))
    pool_warning_days = Integer(load_default=0, validate=Range(min=0, max=3650))
    max_customers_held = Integer(load_default=0, validate=Range(min=0, max=100_000))
    max_claims_per_day = Integer(load_default=0, validate=Range(min=0, max=100_000))
    reclaim_cooldown_days = Integer(load_default=0, validate=Range(min=0, max=3650))
    pool_level_rules = List(
        Nested(PoolLevelRuleIO),
        load_default=list,
        validate=Length(max=20),
        metadata={
            "description": "Member levels with their own N and M, in place of pool_followup_days and "
            "pool_order_days (one per level, at most 20); other levels and customers without a level "
            "follow the tenant's. pool_warning_days and locked customers apply to every level."
        },
    )


class SettingsOut(SettingsIn):
    pass


class QrQuery(Schema):
    valid_days = Integer(load_default=30, validate=Range(min=1, max=365))


class QrOut(Schema):
    url = String(metadata={"description": "What the QR encodes: the public registration page with the signed token"})
    token = String()
    salesperson_id = String()
    expires_at = DateTime()
    png_base64 = String(metadata={"description": "The QR code as a PNG image, base64"})


class RegistrationFormOut(Schema):
    salesperson_id = String()
    fields = List(Nested(CustomerFieldOut))
    expires_at = DateTime()


class ApplicationIn(Schema):
    name = text(32, required=True)
    phone = String(required=True, validate=PHONE)
    fields = Dict(keys=String(validate=FIELD_KEY), values=String(validate=Length(max=500)), load_default=dict)


class ApplicationOut(Schema):
    id = String(required=True)
    salesperson_id = String()
    name = String()
    phone = String()
    fields = Dict(keys=String(), values=String())
    status = String(metadata={"enum": list(APPLICATION_STATUSES)})
    reject_reason = String()
    customer_id = String(allow_none=True)
    reviewed_by_staff_id = String(allow_none=True)
    created_at = DateTime()
    reviewed_at = DateTime(allow_none=True)


class PublicApplicationOut(Schema):
    """What the applicant sees: whether they are in, nothing about the tenant's staff."""

    status = String(metadata={"enum": list(APPLICATION_STATUSES)})


class ApplicationQuery(PageQuery):
    status = String(
        load_default="pending", validate=OneOf(list(APPLICATION_STATUSES), error="validation.invalid_choice")
    )


class ApplicationListOut(Schema):
    applications = List(Nested(ApplicationOut))
    page = Nested(PageOut)


class ReasonIn(Schema):
    reason = text(200, required=True)


class OptionalReasonIn(Schema):
    reason = text(200, load_default="")


class TransferIn(Schema):
    to_staff_id = String(required=True, validate=Length(min=1, max=36))
    reason = text(200, load_default="")


class LockIn(Schema):
    locked = Boolean(required=True)


class OwnershipChangeOut(Schema):
    action = String(metadata={"enum": ["registered", "claimed", "released", "transferred", "returned_to_pool"]})
    from_staff_id = String(allow_none=True)
    to_staff_id = String(allow_none=True)
    by_staff_id = String(allow_none=True, metadata={"description": "Empty for the pool job"})
    reason = String()
    created_at = DateTime()


class OwnershipHistoryOut(Schema):
    changes = List(Nested(OwnershipChangeOut))


class PoolQuery(PageQuery):
    q = String(load_default="", validate=Length(max=50))


class PoolOut(Schema):
    customers = List(Nested(CustomerOut))
    page = Nested(PageOut)


class NearbyQuery(Schema):
    lat = Float(required=True, validate=Range(min=-90, max=90, error="validation.invalid"))
    lng = Float(required=True, validate=Range(min=-180, max=180, error="validation.invalid"))
    radius_m = Integer(load_default=3000, validate=Range(min=1, max=50_000))
    limit = Integer(load_default=20, validate=Range(min=1, max=100))


class NearbyItemOut(Schema):
    distance_m = Integer()
    phone = String(metadata={"description": "For a tel: call link"})
    call_url = String()
    amap_url = String(metadata={"description": "Amap URI: opens navigation to the shop"})
    baidu_url = String()
    customer = Nested(CustomerOut)


class NearbyOut(Schema):
    customers = List(Nested(NearbyItemOut))


def tag_dict(tag) -> dict:
    return {"id": tag.id, "name": tag.name, "colour": tag.colour, "customer_count": tag.customer_count}


def settings_dict(s) -> dict:
    out = {name: getattr(s, name) for name in SettingsIn().fields if name != "pool_level_rules"}
    out["pool_level_rules"] = [
        {"level": r.level, "followup_days": r.followup_days, "order_days": r.order_days} for r in s.pool_level_rules
    ]
    return out


def qr_dict(qr) -> dict:
    return {
        "url": qr.url,
        "token": qr.token,
        "salesperson_id": qr.salesperson_id,
        "expires_at": datetime_of(qr, "expires_at"),
        "png_base64": base64.b64encode(qr.png).decode(),
    }


def application_dict(a) -> dict:
    return {
        "id": a.id,
        "salesperson_id": a.salesperson_id,
        "name": a.name,
        "phone": a.phone,
        "fields": dict(a.fields),
        "status": STATUS_NAMES.get(a.status, "pending"),
        "reject_reason": a.reject_reason,
        "customer_id": a.customer_id or None,
        "reviewed_by_staff_id": a.reviewed_by_staff_id or None,
        "created_at": datetime_of(a, "created_at"),
        "reviewed_at": datetime_of(a, "reviewed_at"),
    }


def change_dict(c) -> dict:
    return {
        "action": c.action,
        "from_staff_id": c.from_staff_id or None,
        "to_staff_id": c.to_staff_id or None,
        "by_staff_id": c.by_staff_id or None,
        "reason": c.reason,
        "created_at": datetime_of(c, "created_at"),
    }
