"""A lead becomes a customer (C7): its follow-ups and tags carried over; or, when the phone is
already a customer's, a duplicate to resolve (C9 撞单 when two salespeople hold them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from customers import events
from customers.domain import activity as rules
from customers.domain.registration import RegisterCustomer
from customers.errors import ErrorCode
from customers.models import (
    CustomerRow,
    CustomerTagRow,
    DuplicateRow,
    FollowupRow,
    FollowupStateRow,
    LeadRow,
    TagRow,
)
from customers.service.activity_views import DuplicateView, LeadView, duplicate_view, lead_view
from customers.service.leads import still_open, visible_lead
from customers.service.registration import add_customer


def apply_tags(session: Session, tenant_id: str, customer_id: str, names, *, now: datetime) -> list[str]:
    """The lead's tag names on the customer (customer_tags), creating a tenant tag the first
    time a name is seen; tags the customer already has are left alone. Returns names added."""
    added = []
    for name in names:
        tag = session.scalar(select(TagRow).where(TagRow.tenant_id == tenant_id, TagRow.name == name))
        if tag is None:
            tag = TagRow(tenant_id=tenant_id, name=name, colour="", created_at=now)
            session.add(tag)
            session.flush()
        if session.get(CustomerTagRow, (tenant_id, customer_id, tag.id)) is None:
            session.add(CustomerTagRow(tenant_id=tenant_id, customer_id=customer_id, tag_id=tag.id, created_at=now))
            added.append(name)
    session.flush()
    return added


def carry_over(session: Session, lead: LeadRow, customer: CustomerRow, *, now: datetime) -> tuple[int, list[str]]:
    """The lead's follow-ups and tags move onto the customer; its latest follow-up status and
    next time become the customer's. Returns (follow-ups moved, tags added)."""
    moved = session.execute(
        update(FollowupRow)
        .where(FollowupRow.tenant_id == lead.tenant_id, FollowupRow.lead_id == lead.id)
        .values(customer_id=customer.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    latest = session.scalar(
        select(FollowupRow)
        .where(FollowupRow.tenant_id == lead.tenant_id, FollowupRow.lead_id == lead.id)
        .order_by(FollowupRow.created_at.desc(), FollowupRow.id.desc())
        .limit(1)
    )
    if lead.last_followup_at and (
        customer.last_followup_at is None or customer.last_followup_at < lead.last_followup_at
    ):
        customer.last_followup_at = lead.last_followup_at
    if latest is not None:
        state = session.get(FollowupStateRow, (lead.tenant_id, customer.id))
        if state is None:
            state = FollowupStateRow(tenant_id=lead.tenant_id, customer_id=customer.id, eliminated=False, reason="")
            session.add(state)
        if not state.updated_at or state.updated_at <= latest.created_at or not state.status:
            state.status = latest.status
            state.next_followup_at = latest.next_followup_at
            state.updated_at = now
    tags = apply_tags(session, lead.tenant_id, customer.id, lead.tags or [], now=now)
    return moved, tags


@dataclass(frozen=True)
class ConvertResult:
    lead: LeadView
    customer_id: str | None
    duplicate: DuplicateView | None


def convert_lead(
    uow: UnitOfWork, actor: Actor, lead_id: str, fields: dict[str, str], *, now: datetime
) -> ConvertResult:
    """置为客户: the lead becomes a customer of its salesperson through the registration use
    case, its follow-ups and tags carried over. When a customer already has the phone, a
    duplicate is opened instead (C9): mergeable, or a collision both salespeople are told of."""
    rules.selling_staff(actor)
    with uow:
        session = uow.session
        lead = still_open(visible_lead(session, actor, lead_id, lock=True))
        if lead.staff_id is None:
            raise Conflict(ErrorCode.LEAD_NOT_ASSIGNED)
        if lead.staff_id != actor.staff_id and not rules.is_manager(actor):
            raise PermissionDenied(ErrorCode.LEAD_FOLLOW_DENIED)
        if not lead.phone:
            raise InvalidInput(ErrorCode.LEAD_INPUT_INVALID, fields={"phone": "validation.required"})
        existing = session.scalar(
            select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.phone == lead.phone)
        )
        if existing is not None:
            duplicate = _open_duplicate(uow, actor, lead, existing, now=now)
            result = ConvertResult(lead_view(lead), None, duplicate)
            uow.commit()
            return result
        cmd = RegisterCustomer(name=lead.name, phone=lead.phone, fields=fields, owner_staff_id=lead.staff_id)
        customer_view = add_customer(uow, actor, cmd, now=now)
        customer = session.get(CustomerRow, customer_view.id)
        customer.owned_since = now
        moved, tags = carry_over(session, lead, customer, now=now)
        lead.status = rules.CONVERTED
        lead.customer_id = customer.id
        session.flush()
        uow.publish(events.lead_converted(lead, customer.id, moved, tags), actor.tenant_id)
        result = ConvertResult(lead_view(lead), customer.id, None)
        uow.commit()
    return result


def _open_duplicate(uow: UnitOfWork, actor: Actor, lead: LeadRow, customer: CustomerRow, *, now: datetime):
    session = uow.session
    found = session.scalar(
        select(DuplicateRow).where(
            DuplicateRow.tenant_id == actor.tenant_id,
            DuplicateRow.lead_id == lead.id,
            DuplicateRow.customer_id == customer.id,
            DuplicateRow.status == rules.OPEN,
        )
    )
    if found is not None:
        # Converting again changes nothing and alerts nobody twice.
        return duplicate_view(found)
    kind = rules.duplicate_kind(customer.owner_staff_id, lead.staff_id)
    row = DuplicateRow(
        tenant_id=actor.tenant_id,
        phone=lead.phone,
        customer_id=customer.id,
        lead_id=lead.id,
        customer_owner_staff_id=customer.owner_staff_id,
        lead_staff_id=lead.staff_id,
        kind=kind,
        status=rules.OPEN,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if kind == rules.COLLISION:
        uow.publish(events.duplicate_collision(row, customer, lead), actor.tenant_id)
    return duplicate_view(row)
