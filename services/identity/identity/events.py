"""Every event the identity service publishes (exchange `identity.events`), each with the function
that builds its payload. Use cases publish only these: `uow.publish(events.staff_created(staff),
tenant_id)`. No phone or password travels in an event: consumers that need contact details ask
identity over gRPC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmkit.events import EventCatalogue
from identity.models import Staff, StoreApplication

EVENTS = EventCatalogue("identity")


@EVENTS.publishes("tenant_created")
def tenant_created(tenant_id: str, name: str, head_store_id: str, owner_staff_id: str) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "name": name, "head_store_id": head_store_id, "owner_staff_id": owner_staff_id}


@EVENTS.publishes("staff_created")
def staff_created(staff: Staff) -> dict[str, Any]:
    data = {
        "staff_id": staff.id,
        "name": staff.name,
        "roles": staff.roles,
        "permissions": staff.permissions,
        "store_ids": staff.store_ids,
    }
    if staff.seat is not None:
        data["trial_ends_at"] = staff.seat.trial_ends_at.isoformat()
    return data


@EVENTS.publishes("staff_permissions_changed")
def staff_permissions_changed(staff_id: str, before: list[str], after: list[str], changed_by: str) -> dict[str, Any]:
    return {"staff_id": staff_id, "before": before, "after": after, "changed_by": changed_by}


@EVENTS.publishes("staff_active_changed")
def staff_active_changed(staff_id: str, active: bool, changed_by: str) -> dict[str, Any]:
    return {"staff_id": staff_id, "active": active, "changed_by": changed_by}


@EVENTS.publishes("seat_paid")
def seat_paid(
    staff_id: str, months: int, amount_fen: int, payment_reference: str, paid_until: datetime, valid_until: datetime
) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "months": months,
        "amount_fen": amount_fen,
        "payment_reference": payment_reference,
        "paid_until": paid_until.isoformat(),
        "valid_until": valid_until.isoformat(),
    }


def _application(row: StoreApplication) -> dict[str, Any]:
    data = {
        "application_id": row.id,
        "parent_store_id": row.parent_store_id,
        "store_name": row.store_name,
        "status": row.status,
        "applied_by": row.applied_by,
    }
    if row.reviewed_by:
        data["reviewed_by"] = row.reviewed_by
    if row.store_id:
        data["store_id"] = row.store_id
    if row.reject_reason:
        data["reject_reason"] = row.reject_reason
    return data


@EVENTS.publishes("sub_store_applied")
def sub_store_applied(row: StoreApplication) -> dict[str, Any]:
    return _application(row)


@EVENTS.publishes("sub_store_approved")
def sub_store_approved(row: StoreApplication) -> dict[str, Any]:
    return _application(row)


@EVENTS.publishes("sub_store_rejected")
def sub_store_rejected(row: StoreApplication) -> dict[str, Any]:
    return _application(row)
