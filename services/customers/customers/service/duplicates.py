"""Duplicates (C9): a lead carrying an existing customer's phone. Mergeable ones are merged
into the customer (history, tags and follow-ups kept); in a collision (撞单) one side
releases: the customer's owner releases the customer (the pair becomes mergeable), or the
lead's salesperson releases the lead (the duplicate is closed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from crmkit.auth import Actor
from crmkit.changelog import author
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, NotFound, PermissionDenied
from crmkit.paging import Page
from customers import events
from customers.domain import activity as rules
from customers.domain import pool
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, DuplicateRow, LeadRow
from customers.service.activity_views import DuplicateView, Listing, duplicate_view
from customers.service.changes import log_change
from customers.service.lead_conversion import carry_over
from customers.service.ownership import change_owner
from customers.service.scoping import visible

# Stored as the release reason in the owner history: the customer left its owner over a 撞单.
DUPLICATE_RELEASE_REASON = "duplicate"


def _not_found(duplicate_id: str) -> NotFound:
    return NotFound(ErrorCode.DUPLICATE_NOT_FOUND, params={"id": duplicate_id})


def _party(actor: Actor):
    """Salespeople see the duplicates they are a side of; managers those whose customer is
    within their scope (the owner: all)."""
    me = rules.selling_staff(actor)
    if rules.is_manager(actor):
        scope = scope_for(actor)
        if scope.sees_all:
            return None
        in_scope = select(CustomerRow.id).where(CustomerRow.tenant_id == actor.tenant_id, visible(scope))
        return DuplicateRow.customer_id.in_(in_scope)
    return or_(DuplicateRow.customer_owner_staff_id == me, DuplicateRow.lead_staff_id == me)


def list_duplicates(uow: UnitOfWork, actor: Actor, page: Page, *, open_only: bool) -> Listing:
    stmt = select(DuplicateRow).where(DuplicateRow.tenant_id == actor.tenant_id)
    if (party := _party(actor)) is not None:
        stmt = stmt.where(party)
    if open_only:
        stmt = stmt.where(DuplicateRow.status == rules.OPEN)
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(DuplicateRow.created_at.desc(), DuplicateRow.id).offset(page.offset).limit(page.page_size)
        ).all()
        return Listing([duplicate_view(r) for r in rows], total)


def _load(session, actor: Actor, duplicate_id: str):
    stmt = select(DuplicateRow).where(DuplicateRow.tenant_id == actor.tenant_id, DuplicateRow.id == duplicate_id)
    if (party := _party(actor)) is not None:
        stmt = stmt.where(party)
    row = session.scalar(stmt.with_for_update())
    if row is None:
        raise _not_found(duplicate_id)
    if row.status != rules.OPEN:
        raise Conflict(ErrorCode.DUPLICATE_RESOLVED)
    # Lock both sides in a fixed order (customer, then lead) so a concurrent release or claim
    # either happens before the merge decision or waits for it.
    customer = session.scalar(
        select(CustomerRow)
        .where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == row.customer_id)
        .with_for_update()
    )
    lead = session.scalar(
        select(LeadRow).where(LeadRow.tenant_id == actor.tenant_id, LeadRow.id == row.lead_id).with_for_update()
    )
    if customer is None or lead is None or lead.status != rules.OPEN:
        raise Conflict(ErrorCode.DUPLICATE_RESOLVED)
    # Owners may have changed since the duplicate was found: decide on today's owners.
    row.customer_owner_staff_id = customer.owner_staff_id
    row.lead_staff_id = lead.staff_id
    row.kind = rules.duplicate_kind(customer.owner_staff_id, lead.staff_id)
    return row, customer, lead


def merge_duplicate(uow: UnitOfWork, actor: Actor, duplicate_id: str, *, now: datetime) -> DuplicateView:
    """The lead merges into the surviving customer: its follow-ups and tags move over, its
    details are kept in the customer's change log, and an unowned customer becomes the lead
    salesperson's. A collision cannot be merged until one side releases."""
    me = rules.selling_staff(actor)
    with uow:
        session = uow.session
        dup, customer, lead = _load(session, actor, duplicate_id)
        if dup.kind == rules.COLLISION:
            raise Conflict(ErrorCode.DUPLICATE_IS_COLLISION)
        if customer.owner_staff_id is None and lead.staff_id is not None:
            customer.owner_staff_id = lead.staff_id
            customer.owned_since = now
        moved, tags = carry_over(session, lead, customer, now=now)
        lead.status = rules.MERGED
        lead.customer_id = customer.id
        dup.status = rules.MERGED
        dup.resolved_by_staff_id = me
        dup.resolved_at = now
        # The lead's details join the customer's log: what it brought and who holds it now.
        log_change(
            session,
            author(actor),
            customer,
            "merged",
            before=None,
            after={
                "lead_id": lead.id,
                "lead_name": lead.name,
                "union_id": lead.union_id or "",
                "company": lead.company or "",
                "note": lead.note or "",
                "followups_moved": moved,
                "tags_added": tags,
                "owner_staff_id": customer.owner_staff_id,
            },
            now=now,
        )
        session.flush()
        uow.publish(events.customers_merged(dup.id, customer, lead.id, me, moved, tags), actor.tenant_id)
        view = duplicate_view(dup, followups_moved=moved, tags_added=tags)
        uow.commit()
    return view


def release_duplicate(uow: UnitOfWork, actor: Actor, duplicate_id: str, *, now: datetime) -> DuplicateView:
    """One side lets go (seed: 允许业务员释放客户). The customer's owner releases the customer to
    the public pool, after which the lead's salesperson may merge; the lead's salesperson
    releases the lead to the lead pool, which closes the duplicate."""
    me = rules.selling_staff(actor)
    with uow:
        session = uow.session
        dup, customer, lead = _load(session, actor, duplicate_id)
        if customer.owner_staff_id == me and lead.staff_id != me:
            # The same release as any other (C3): owner history, pool clock, event, notices.
            change_owner(
                uow,
                customer,
                action=pool.RELEASED,
                event=events.customer_released,
                to_staff_id=None,
                by_staff_id=me,
                reason=DUPLICATE_RELEASE_REASON,
                now=now,
            )
            dup.customer_owner_staff_id = None
            dup.kind = rules.MERGEABLE
        elif lead.staff_id == me:
            uow.publish(events.lead_released(lead.id, me, me, DUPLICATE_RELEASE_REASON), actor.tenant_id)
            lead.staff_id = None
            lead.assigned_at = None
            dup.lead_staff_id = None
            dup.status = rules.RELEASED
            dup.resolved_by_staff_id = me
            dup.resolved_at = now
        else:
            # Releasing is the salesperson's own decision about their own customer or lead.
            raise PermissionDenied(ErrorCode.DUPLICATE_RESOLVE_DENIED)
        session.flush()
        view = duplicate_view(dup)
        uow.commit()
    return view
