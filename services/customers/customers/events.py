"""Every event the customers service publishes (exchange `customers.events`), each with the
function that builds its payload. Use cases publish only these:
`uow.publish(events.customer_registered(view), tenant_id)`. Consumers today: messaging
(registrations, ownership changes, pool warnings, collisions) and marketing (registrations and
converted leads: which readers became customers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crmkit.events import EventCatalogue, Outgoing
from customers.models import CustomerRow, DuplicateRow, FollowupRow, LeadRow, RegistrationApplicationRow
from customers.service.views import CustomerView

EVENTS = EventCatalogue("customers")


# The customer record (C1, C5)


@EVENTS.publishes("customer_registered")
def customer_registered(view: CustomerView) -> dict[str, Any]:
    return {
        "customer_id": view.id,
        "name": view.name,
        "phone": view.phone,
        "owner_staff_id": view.owner_staff_id,
        "store_id": view.store_id,
        "registered_by_staff_id": view.registered_by_staff_id,
    }


@EVENTS.publishes("customer_updated")
def customer_updated(row: CustomerRow) -> dict[str, Any]:
    return {"customer_id": row.id, "name": row.name, "phone": row.phone, "level": row.level, "region": row.region}


@EVENTS.publishes("customer_settings_changed")
def customer_settings_changed(values: dict[str, Any], by_staff_id: str | None) -> dict[str, Any]:
    return {**values, "by_staff_id": by_staff_id}


# Registration through a salesperson's QR code (C12)


@EVENTS.publishes("registration_applied")
def registration_applied(row: RegistrationApplicationRow, *, auto_approved: bool) -> dict[str, Any]:
    return {
        "application_id": row.id,
        "salesperson_id": row.salesperson_id,
        "store_id": row.store_id or "",
        "name": row.name,
        "auto_approved": auto_approved,
    }


@EVENTS.publishes("registration_approved")
def registration_approved(
    row: RegistrationApplicationRow, customer_id: str, reviewed_by_staff_id: str | None
) -> dict[str, Any]:
    return {
        "application_id": row.id,
        "customer_id": customer_id,
        "salesperson_id": row.salesperson_id,
        "reviewed_by_staff_id": reviewed_by_staff_id or "",
    }


@EVENTS.publishes("registration_rejected")
def registration_rejected(row: RegistrationApplicationRow, reviewed_by_staff_id: str, reason: str) -> dict[str, Any]:
    return {
        "application_id": row.id,
        "salesperson_id": row.salesperson_id,
        "reviewed_by_staff_id": reviewed_by_staff_id,
        "reason": reason,
    }


# Ownership and the public pool (C2, C3): one payload for every change of owner


def _owner_changed(
    row: CustomerRow, previous: str | None, to_staff_id: str | None, by_staff_id: str | None, reason: str
) -> dict[str, Any]:
    return {
        "customer_id": row.id,
        "name": row.name,
        "store_id": row.store_id or "",
        "from_staff_id": previous or "",
        "to_staff_id": to_staff_id or "",
        "by_staff_id": by_staff_id or "",
        "reason": reason,
    }


@EVENTS.publishes("customer_released")
def customer_released(row: CustomerRow, previous, to_staff_id, by_staff_id, reason: str) -> dict[str, Any]:
    return _owner_changed(row, previous, to_staff_id, by_staff_id, reason)


@EVENTS.publishes("customer_claimed")
def customer_claimed(row: CustomerRow, previous, to_staff_id, by_staff_id, reason: str) -> dict[str, Any]:
    return _owner_changed(row, previous, to_staff_id, by_staff_id, reason)


@EVENTS.publishes("customer_transferred")
def customer_transferred(row: CustomerRow, previous, to_staff_id, by_staff_id, reason: str) -> dict[str, Any]:
    return _owner_changed(row, previous, to_staff_id, by_staff_id, reason)


@EVENTS.publishes("customer_returned_to_pool")
def customer_returned_to_pool(row: CustomerRow, previous, to_staff_id, by_staff_id, reason: str) -> dict[str, Any]:
    return _owner_changed(row, previous, to_staff_id, by_staff_id, reason)


# What `change_owner` is given: one of the four builders above.
OwnerChanged = Callable[..., Outgoing]


@EVENTS.publishes("customer_lock_changed")
def customer_lock_changed(customer_id: str, locked: bool, by_staff_id: str) -> dict[str, Any]:
    return {"customer_id": customer_id, "locked": locked, "by_staff_id": by_staff_id}


@EVENTS.publishes("pool_return_warning")
def pool_return_warning(row: CustomerRow, due_at: datetime, rule: str) -> dict[str, Any]:
    return {
        "customer_id": row.id,
        "name": row.name,
        "store_id": row.store_id or "",
        "owner_staff_id": row.owner_staff_id or "",
        "due_at": due_at.isoformat(),
        "rule": rule,
    }


# Tags (C2) and segments (C4)


@EVENTS.publishes("tag_deleted")
def tag_deleted(tag_id: str, name: str) -> dict[str, Any]:
    return {"tag_id": tag_id, "name": name}


@EVENTS.publishes("customers_tagged")
def customers_tagged(tag_ids: list[str], customer_ids: list[str], by_staff_id: str) -> dict[str, Any]:
    return {"tag_ids": tag_ids, "customer_ids": customer_ids, "by_staff_id": by_staff_id}


@EVENTS.publishes("customers_untagged")
def customers_untagged(tag_ids: list[str], customer_ids: list[str], by_staff_id: str) -> dict[str, Any]:
    return {"tag_ids": tag_ids, "customer_ids": customer_ids, "by_staff_id": by_staff_id}


@EVENTS.publishes("segment_saved")
def segment_saved(segment_id: str, name: str, filter_json: dict) -> dict[str, Any]:
    return {"segment_id": segment_id, "name": name, "filter": filter_json}


@EVENTS.publishes("segment_deleted")
def segment_deleted(segment_id: str, deleted_at: datetime) -> dict[str, Any]:
    return {"segment_id": segment_id, "deleted_at": deleted_at.isoformat()}


# Leads, follow-ups, visits and duplicates (C6-C9)


@EVENTS.publishes("lead_assigned")
def lead_assigned(row: LeadRow, assigned_by_staff_id: str | None) -> dict[str, Any]:
    return {
        "lead_id": row.id,
        "name": row.name,
        "staff_id": row.staff_id,
        "assigned_by_staff_id": assigned_by_staff_id or "",
    }


@EVENTS.publishes("lead_released")
def lead_released(lead_id: str, staff_id: str | None, released_by_staff_id: str | None, reason: str) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "staff_id": staff_id or "",
        "released_by_staff_id": released_by_staff_id or "",
        "reason": reason,
    }


@EVENTS.publishes("lead_converted")
def lead_converted(lead: LeadRow, customer_id: str, followups_carried: int, tags: list[str]) -> dict[str, Any]:
    return {
        "lead_id": lead.id,
        "customer_id": customer_id,
        "staff_id": lead.staff_id,
        # Who the person is, so the marketing worker finds the readers they were (C10).
        "phone": lead.phone or "",
        "union_id": lead.union_id or "",
        "followups_carried": followups_carried,
        "tags": tags,
    }


@EVENTS.publishes("followup_recorded")
def followup_recorded(row: FollowupRow) -> dict[str, Any]:
    return {
        "followup_id": row.id,
        "customer_id": row.customer_id or "",
        "lead_id": row.lead_id or "",
        "staff_id": row.staff_id,
        "status": row.status,
        "kind": row.kind,
        "next_followup_at": row.next_followup_at.isoformat() if row.next_followup_at else "",
    }


@EVENTS.publishes("visit_checked_in")
def visit_checked_in(
    task_id: str, customer_id: str, staff_id: str, followup_id: str, latitude: float, longitude: float
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "customer_id": customer_id,
        "staff_id": staff_id,
        "followup_id": followup_id,
        "latitude": latitude,
        "longitude": longitude,
    }


@EVENTS.publishes("duplicate_collision")
def duplicate_collision(row: DuplicateRow, customer: CustomerRow, lead: LeadRow) -> dict[str, Any]:
    """撞单 (C9): both salespeople are told (messaging)."""
    return {
        "duplicate_id": row.id,
        "phone": row.phone,
        "customer_id": customer.id,
        "customer_name": customer.name,
        "lead_id": lead.id,
        "lead_name": lead.name,
        "staff_ids": [customer.owner_staff_id, lead.staff_id],
    }


@EVENTS.publishes("customers_merged")
def customers_merged(
    duplicate_id: str,
    customer: CustomerRow,
    lead_id: str,
    merged_by_staff_id: str,
    followups_moved: int,
    tags_added: list[str],
) -> dict[str, Any]:
    return {
        "duplicate_id": duplicate_id,
        "customer_id": customer.id,
        "lead_id": lead_id,
        "owner_staff_id": customer.owner_staff_id or "",
        "merged_by_staff_id": merged_by_staff_id,
        "followups_moved": followups_moved,
        "tags_added": tags_added,
    }
