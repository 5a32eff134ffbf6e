"""Request and response schemas of leads, follow-ups, visit tasks and duplicates (C6-C9)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, File, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import text
from gateway.api.uploads import ImportProblemOut

FOLLOWUP_STATUSES = ["contacted", "interested", "negotiating", "won", "no_interest", "visited"]
DAY = Regexp(r"^\d{4}-\d{2}-\d{2}$", error="validation.invalid_date")


class LeadOut(Schema):
    id = String(required=True)
    name = String()
    phone = String()
    union_id = String(metadata={"description": "WeChat unionID; empty when unknown"})
    company = String()
    note = String()
    tags = List(String())
    source = String(metadata={"enum": ["import", "manual", "visitor"]})
    staff_id = String(metadata={"description": "The assigned salesperson; empty while in the pool"})
    status = String(metadata={"enum": ["open", "converted", "merged"]})
    customer_id = String(metadata={"description": "Set once converted or merged"})
    created_at = DateTime(allow_none=True)
    assigned_at = DateTime(allow_none=True)
    last_followup_at = DateTime(allow_none=True)


class LeadIn(Schema):
    name = text(50, required=True)
    phone = String(load_default="", validate=Length(max=20))
    union_id = String(load_default="", validate=Length(max=64))
    company = text(50, load_default="")
    note = text(500, load_default="")
    tags = List(text(20, required=True), load_default=list, validate=Length(max=10))


class LeadResultOut(Schema):
    lead = Nested(LeadOut)
    merged = Boolean(metadata={"description": "true: the person was already a lead; this entry joined it"})


class LeadListQuery(PageQuery):
    scope = String(
        load_default="mine",
        validate=OneOf(["pool", "mine", "all"], error="validation.invalid_choice"),
        metadata={"description": "pool: unassigned; mine: assigned to me; all: every lead (managers)"},
    )
    phone = String(
        load_default="",
        validate=Regexp(r"^(1\d{10})?$", error="validation.phone_invalid"),
        metadata={"description": "Only the lead with this phone"},
    )


class LeadListOut(Schema):
    leads = List(Nested(LeadOut))
    page = Nested(PageOut)


class AssignIn(Schema):
    staff_id = String(required=True, validate=Length(min=1, max=64))


class ReasonIn(Schema):
    reason = text(200, load_default="")


class RequiredReasonIn(Schema):
    reason = text(200, required=True)


class ConvertIn(Schema):
    fields = Dict(keys=String(), values=String(validate=Length(max=500)), load_default=dict)


class DuplicateOut(Schema):
    id = String(required=True)
    phone = String()
    customer_id = String()
    lead_id = String()
    customer_owner_staff_id = String()
    lead_staff_id = String()
    kind = String(metadata={"enum": ["mergeable", "collision"]})
    status = String(metadata={"enum": ["open", "merged", "released"]})
    resolved_by_staff_id = String()
    created_at = DateTime(allow_none=True)
    followups_moved = Integer(metadata={"description": "Merge answer only: follow-ups moved to the customer"})
    tags_added = List(String(), metadata={"description": "Merge answer only: tags the customer gained"})


class ConvertOut(Schema):
    lead = Nested(LeadOut)
    customer_id = String(metadata={"description": "The new customer; empty when a duplicate was found"})
    duplicate = Nested(DuplicateOut, allow_none=True)


class LeadsImportQuery(Schema):
    dry_run = Boolean(load_default=False, metadata={"description": "true: check and report, write nothing"})


class LeadsFileIn(Schema):
    file = File(
        required=True, metadata={"description": ".xlsx, at most 5 MB; columns 姓名 手机号 微信unionID 公司 备注 标签"}
    )


class LeadsImportOut(Schema):
    created = Integer()
    merged = Integer()
    dry_run = Boolean()
    problems = List(Nested(ImportProblemOut))


class FollowupIn(Schema):
    status = String(required=True, validate=OneOf(FOLLOWUP_STATUSES, error="validation.invalid_choice"))
    content = text(500, required=True)
    next_followup_at = DateTime(load_default=None, allow_none=True, metadata={"description": "ISO 8601"})


class FollowupOut(Schema):
    id = String(required=True)
    customer_id = String()
    lead_id = String()
    staff_id = String()
    status = String(metadata={"enum": FOLLOWUP_STATUSES})
    content = String()
    next_followup_at = DateTime(allow_none=True)
    kind = String(metadata={"enum": ["followup", "visit"]})
    visit_task_id = String()
    created_at = DateTime(allow_none=True)


class FollowupListOut(Schema):
    followups = List(Nested(FollowupOut))
    page = Nested(PageOut)


class FollowupCustomersQuery(PageQuery):
    list = String(
        load_default="active",
        validate=OneOf(["active", "eliminated"], error="validation.invalid_choice"),
        metadata={"description": "active: 跟进库; eliminated: 淘汰库"},
    )


class FollowupCustomerOut(Schema):
    customer_id = String(required=True)
    name = String()
    phone = String()
    owner_staff_id = String()
    eliminated = Boolean()
    reason = String()
    status = String()
    next_followup_at = DateTime(allow_none=True)
    last_followup_at = DateTime(allow_none=True)


class FollowupCustomersOut(Schema):
    customers = List(Nested(FollowupCustomerOut))
    page = Nested(PageOut)


class VisitIn(Schema):
    customer_id = String(required=True, validate=Length(min=1, max=64))
    staff_id = String(
        load_default="", validate=Length(max=64), metadata={"description": "Managers: plan a salesperson's day"}
    )
    day = String(load_default="", validate=DAY, metadata={"description": "YYYY-MM-DD (China); default today"})
    note = text(200, load_default="")


class VisitOut(Schema):
    id = String(required=True)
    staff_id = String()
    customer_id = String()
    customer_name = String()
    day = String()
    note = String()
    status = String(metadata={"enum": ["planned", "done"]})
    created_by_staff_id = String()
    checked_in_at = DateTime(allow_none=True)
    check_in_latitude = Float(allow_none=True)
    check_in_longitude = Float(allow_none=True)
    check_in_note = String()
    followup_id = String()
    customer_latitude = Float(allow_none=True)
    customer_longitude = Float(allow_none=True)


class VisitQuery(PageQuery):
    which = String(load_default="due", validate=OneOf(["due", "overdue"], error="validation.invalid_choice"))
    staff_id = String(load_default="", validate=Length(max=64))
    day = String(load_default="", validate=DAY)


class VisitListOut(Schema):
    visits = List(Nested(VisitOut))
    page = Nested(PageOut)


class CheckInIn(Schema):
    latitude = Float(required=True, validate=Range(min=-90, max=90, error="validation.invalid"))
    longitude = Float(required=True, validate=Range(min=-180, max=180, error="validation.invalid"))
    note = text(500, load_default="")
    status = String(load_default="", validate=OneOf([*FOLLOWUP_STATUSES, ""], error="validation.invalid_choice"))


class RouteQuery(Schema):
    latitude = Float(required=True, validate=Range(min=-90, max=90, error="validation.invalid"))
    longitude = Float(required=True, validate=Range(min=-180, max=180, error="validation.invalid"))
    staff_id = String(load_default="", validate=Length(max=64))
    day = String(load_default="", validate=DAY)


class RouteStopOut(Schema):
    visit = Nested(VisitOut)
    distance_m = Integer(
        metadata={"description": "Metres from the previous stop; -1 when the customer has no location"}
    )


class RouteOut(Schema):
    stops = List(Nested(RouteStopOut))


class DuplicateQuery(PageQuery):
    open_only = Boolean(load_default=True)


class DuplicateListOut(Schema):
    duplicates = List(Nested(DuplicateOut))
    page = Nested(PageOut)


def lead_dict(m) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "phone": m.phone,
        "union_id": m.union_id,
        "company": m.company,
        "note": m.note,
        "tags": list(m.tags),
        "source": m.source,
        "staff_id": m.staff_id,
        "status": m.status,
        "customer_id": m.customer_id,
        "created_at": datetime_of(m, "created_at"),
        "assigned_at": datetime_of(m, "assigned_at"),
        "last_followup_at": datetime_of(m, "last_followup_at"),
    }


def duplicate_dict(m) -> dict:
    return {
        "id": m.id,
        "phone": m.phone,
        "customer_id": m.customer_id,
        "lead_id": m.lead_id,
        "customer_owner_staff_id": m.customer_owner_staff_id,
        "lead_staff_id": m.lead_staff_id,
        "kind": m.kind,
        "status": m.status,
        "resolved_by_staff_id": m.resolved_by_staff_id,
        "created_at": datetime_of(m, "created_at"),
        "followups_moved": m.followups_moved,
        "tags_added": list(m.tags_added),
    }


def followup_dict(m) -> dict:
    return {
        "id": m.id,
        "customer_id": m.customer_id,
        "lead_id": m.lead_id,
        "staff_id": m.staff_id,
        "status": m.status,
        "content": m.content,
        "next_followup_at": datetime_of(m, "next_followup_at"),
        "kind": m.kind,
        "visit_task_id": m.visit_task_id,
        "created_at": datetime_of(m, "created_at"),
    }


def followup_customer_dict(m) -> dict:
    return {
        "customer_id": m.customer_id,
        "name": m.name,
        "phone": m.phone,
        "owner_staff_id": m.owner_staff_id,
        "eliminated": m.eliminated,
        "reason": m.reason,
        "status": m.status,
        "next_followup_at": datetime_of(m, "next_followup_at"),
        "last_followup_at": datetime_of(m, "last_followup_at"),
    }


def _optional(m, name: str):
    return getattr(m, name) if m.HasField(name) else None


def visit_dict(m) -> dict:
    return {
        "id": m.id,
        "staff_id": m.staff_id,
        "customer_id": m.customer_id,
        "customer_name": m.customer_name,
        "day": m.day,
        "note": m.note,
        "status": m.status,
        "created_by_staff_id": m.created_by_staff_id,
        "checked_in_at": datetime_of(m, "checked_in_at"),
        "check_in_latitude": _optional(m, "check_in_latitude"),
        "check_in_longitude": _optional(m, "check_in_longitude"),
        "check_in_note": m.check_in_note,
        "followup_id": m.followup_id,
        "customer_latitude": _optional(m, "customer_latitude"),
        "customer_longitude": _optional(m, "customer_longitude"),
    }
