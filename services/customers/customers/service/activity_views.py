"""What the lead, follow-up, visit and duplicate use cases return (C6-C9), plus the lookups
they share. Plain values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.errors import NotFound
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import (
    CustomerRow,
    DuplicateRow,
    FollowupRow,
    FollowupStateRow,
    LeadRow,
    VisitTaskRow,
)


@dataclass(frozen=True)
class LeadView:
    id: str
    name: str
    phone: str
    union_id: str
    company: str
    note: str
    tags: tuple[str, ...]
    source: str
    staff_id: str | None
    status: str
    customer_id: str | None
    created_at: datetime
    assigned_at: datetime | None
    last_followup_at: datetime | None


def lead_view(row: LeadRow) -> LeadView:
    return LeadView(
        id=row.id,
        name=row.name,
        phone=row.phone or "",
        union_id=row.union_id or "",
        company=row.company or "",
        note=row.note or "",
        tags=tuple(row.tags or ()),
        source=row.source,
        staff_id=row.staff_id,
        status=row.status,
        customer_id=row.customer_id,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        last_followup_at=row.last_followup_at,
    )


@dataclass(frozen=True)
class FollowupView:
    id: str
    customer_id: str | None
    lead_id: str | None
    staff_id: str
    status: str
    content: str
    next_followup_at: datetime | None
    kind: str
    visit_task_id: str | None
    created_at: datetime


def followup_view(row: FollowupRow) -> FollowupView:
    return FollowupView(
        id=row.id,
        customer_id=row.customer_id,
        lead_id=row.lead_id,
        staff_id=row.staff_id,
        status=row.status,
        content=row.content,
        next_followup_at=row.next_followup_at,
        kind=row.kind,
        visit_task_id=row.visit_task_id,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class FollowupCustomerView:
    customer_id: str
    name: str
    phone: str
    owner_staff_id: str | None
    eliminated: bool
    reason: str
    status: str
    next_followup_at: datetime | None
    last_followup_at: datetime | None


def followup_customer_view(customer: CustomerRow, state: FollowupStateRow | None) -> FollowupCustomerView:
    return FollowupCustomerView(
        customer_id=customer.id,
        name=customer.name,
        phone=customer.phone,
        owner_staff_id=customer.owner_staff_id,
        eliminated=bool(state and state.eliminated),
        reason=state.reason if state else "",
        status=state.status if state else "",
        next_followup_at=state.next_followup_at if state else None,
        last_followup_at=customer.last_followup_at,
    )


@dataclass(frozen=True)
class VisitView:
    id: str
    staff_id: str
    customer_id: str
    customer_name: str
    day: date
    note: str
    status: str
    created_by_staff_id: str
    checked_in_at: datetime | None
    check_in_latitude: float | None
    check_in_longitude: float | None
    check_in_note: str
    followup_id: str | None
    customer_latitude: float | None
    customer_longitude: float | None


def visit_view(row: VisitTaskRow, customer: CustomerRow | None) -> VisitView:
    return VisitView(
        id=row.id,
        staff_id=row.staff_id,
        customer_id=row.customer_id,
        customer_name=customer.name if customer else "",
        day=row.day,
        note=row.note or "",
        status=row.status,
        created_by_staff_id=row.created_by_staff_id,
        checked_in_at=row.checked_in_at,
        check_in_latitude=row.check_in_latitude,
        check_in_longitude=row.check_in_longitude,
        check_in_note=row.check_in_note or "",
        followup_id=row.followup_id,
        customer_latitude=customer.latitude if customer else None,
        customer_longitude=customer.longitude if customer else None,
    )


@dataclass(frozen=True)
class DuplicateView:
    id: str
    phone: str
    customer_id: str
    lead_id: str
    customer_owner_staff_id: str | None
    lead_staff_id: str | None
    kind: str
    status: str
    resolved_by_staff_id: str | None
    created_at: datetime
    # Only set by a merge: what it carried onto the customer.
    followups_moved: int = 0
    tags_added: tuple[str, ...] = ()


def duplicate_view(row: DuplicateRow, *, followups_moved: int = 0, tags_added=()) -> DuplicateView:
    return DuplicateView(
        id=row.id,
        phone=row.phone,
        customer_id=row.customer_id,
        lead_id=row.lead_id,
        customer_owner_staff_id=row.customer_owner_staff_id,
        lead_staff_id=row.lead_staff_id,
        kind=row.kind,
        status=row.status,
        resolved_by_staff_id=row.resolved_by_staff_id,
        created_at=row.created_at,
        followups_moved=followups_moved,
        tags_added=tuple(tags_added),
    )


@dataclass(frozen=True)
class Listing:
    items: list
    total: int


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def visible_customer(session: Session, actor: Actor, customer_id: str, *, lock: bool = False) -> CustomerRow:
    """The tenant's customer if the actor's scope allows it (locked for update when asked);
    NotFound otherwise, the same for another tenant's, one outside the scope (a colleague's,
    another store's) or a missing one. Every read and write of one customer goes through here."""
    scope = scope_for(actor)
    stmt = select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == customer_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None or not scope.allows(row.owner_staff_id, row.store_id):
        raise customer_not_found(customer_id)
    return row


def followup_state(session: Session, tenant_id: str, customer_id: str) -> FollowupStateRow | None:
    return session.get(FollowupStateRow, (tenant_id, customer_id))
