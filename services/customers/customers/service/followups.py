"""Follow-ups (写跟进, C8) on customers and leads; the active (跟进库) and eliminated (淘汰库)
lists of customers, and moving a customer between them with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.changelog import author
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from crmkit.paging import Page
from customers import events
from customers.domain import activity as rules
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, FollowupRow, FollowupStateRow
from customers.service.activity_views import (
    FollowupCustomerView,
    FollowupView,
    Listing,
    followup_customer_view,
    followup_state,
    followup_view,
    visible_customer,
)
from customers.service.changes import log_change
from customers.service.leads import open_lead_for_followup, visible_lead
from customers.service.scoping import visible


def add_customer_followup(
    session: Session,
    actor: Actor,
    customer: CustomerRow,
    f: rules.FollowupInput,
    *,
    now: datetime,
    kind: str = rules.FOLLOWUP,
    visit_task_id: str | None = None,
) -> FollowupRow:
    """The follow-up row, the customer's last_followup_at (the pool rules of C3 read it) and
    its follow-up state, inside the caller's transaction."""
    row = FollowupRow(
        tenant_id=actor.tenant_id,
        customer_id=customer.id,
        staff_id=actor.staff_id or actor.subject_id,
        status=f.status,
        content=f.content,
        next_followup_at=f.next_followup_at,
        kind=kind,
        visit_task_id=visit_task_id,
        created_at=now,
    )
    session.add(row)
    customer.last_followup_at = now
    state = followup_state(session, actor.tenant_id, customer.id)
    if state is None:
        state = FollowupStateRow(tenant_id=actor.tenant_id, customer_id=customer.id, eliminated=False, reason="")
        session.add(state)
    state.status = f.status
    state.next_followup_at = f.next_followup_at
    state.updated_at = now
    session.flush()
    return row


def publish_followup(uow: UnitOfWork, actor: Actor, row: FollowupRow) -> None:
    uow.publish(events.followup_recorded(row), actor.tenant_id)


def _one_subject(customer_id: str, lead_id: str) -> tuple[str, str]:
    customer_id, lead_id = customer_id.strip(), lead_id.strip()
    if bool(customer_id) == bool(lead_id):
        raise InvalidInput(
            ErrorCode.FOLLOWUP_INPUT_INVALID,
            fields={"customer_id": "validation.one_of_required"},
        )
    return customer_id, lead_id


def record_followup(
    uow: UnitOfWork, actor: Actor, *, customer_id: str = "", lead_id: str = "", f: rules.FollowupInput, now: datetime
) -> FollowupView:
    """Only the customer's salesperson or a manager follows a customer; only the lead's
    assigned salesperson follows a lead. An eliminated customer must be restored first."""
    rules.selling_staff(actor)
    customer_id, lead_id = _one_subject(customer_id, lead_id)
    f = rules.check_followup(f, now=now)
    with uow:
        session = uow.session
        if customer_id:
            customer = visible_customer(session, actor, customer_id, lock=True)
            if not rules.may_follow_customer(actor, customer.owner_staff_id):
                raise PermissionDenied(ErrorCode.CUSTOMER_FOLLOW_DENIED)
            state = followup_state(session, actor.tenant_id, customer.id)
            if state is not None and state.eliminated:
                raise Conflict(ErrorCode.CUSTOMER_ELIMINATED)
            row = add_customer_followup(session, actor, customer, f, now=now)
        else:
            lead = open_lead_for_followup(session, actor, lead_id)
            row = FollowupRow(
                tenant_id=actor.tenant_id,
                lead_id=lead.id,
                staff_id=actor.staff_id,
                status=f.status,
                content=f.content,
                next_followup_at=f.next_followup_at,
                kind=rules.FOLLOWUP,
                created_at=now,
            )
            session.add(row)
            lead.last_followup_at = now
            session.flush()
        publish_followup(uow, actor, row)
        view = followup_view(row)
        uow.commit()
    return view


def list_followups(uow: UnitOfWork, actor: Actor, page: Page, *, customer_id: str = "", lead_id: str = "") -> Listing:
    """Newest first. A customer's list includes what was written on the lead it came from."""
    customer_id, lead_id = _one_subject(customer_id, lead_id)
    with uow:
        session = uow.session
        if customer_id:
            visible_customer(session, actor, customer_id)
            where = FollowupRow.customer_id == customer_id
        else:
            visible_lead(session, actor, lead_id)
            where = FollowupRow.lead_id == lead_id
        stmt = select(FollowupRow).where(FollowupRow.tenant_id == actor.tenant_id, where)
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.scalars(
            stmt.order_by(FollowupRow.created_at.desc(), FollowupRow.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return Listing([followup_view(r) for r in rows], total)


def list_followup_customers(uow: UnitOfWork, actor: Actor, page: Page, *, eliminated: bool) -> Listing:
    """The active list: every customer within the caller's scope not eliminated, the next follow-up due first
    (customers without one after, newest first). The eliminated list: the eliminated ones."""
    state = FollowupStateRow
    joined = and_(state.tenant_id == CustomerRow.tenant_id, state.customer_id == CustomerRow.id)
    stmt = (
        select(CustomerRow, state)
        .outerjoin(state, joined)
        .where(CustomerRow.tenant_id == actor.tenant_id, visible(scope_for(actor)))
    )
    if eliminated:
        stmt = stmt.where(state.eliminated.is_(True))
    else:
        stmt = stmt.where(or_(state.customer_id.is_(None), state.eliminated.is_(False)))
    with uow:
        session = uow.session
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.execute(
            stmt.order_by(
                state.next_followup_at.is_(None),
                state.next_followup_at,
                CustomerRow.created_at.desc(),
                CustomerRow.id,
            )
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return Listing([followup_customer_view(c, s) for c, s in rows], total)


def move_followup_customer(
    uow: UnitOfWork, actor: Actor, customer_id: str, *, eliminated: bool, reason: str, now: datetime
) -> FollowupCustomerView:
    """Eliminate (跟进库 -> 淘汰库) or restore (淘汰库 -> 跟进库), always with a reason, kept in
    the customer's change log."""
    rules.selling_staff(actor)
    reason = rules.check_reason(reason)
    with uow:
        session = uow.session
        customer = visible_customer(session, actor, customer_id, lock=True)
        if not rules.may_follow_customer(actor, customer.owner_staff_id):
            raise PermissionDenied(ErrorCode.CUSTOMER_FOLLOW_DENIED)
        state = followup_state(session, actor.tenant_id, customer.id)
        if state is None:
            state = FollowupStateRow(
                tenant_id=actor.tenant_id, customer_id=customer.id, eliminated=False, reason="", status=""
            )
            session.add(state)
        if eliminated and state.eliminated:
            raise Conflict(ErrorCode.CUSTOMER_ELIMINATED)
        if not eliminated and not state.eliminated:
            raise Conflict(ErrorCode.CUSTOMER_ACTIVE)
        before = {"eliminated": state.eliminated, "reason": state.reason}
        state.eliminated = eliminated
        state.reason = reason
        state.updated_at = now
        log_change(
            session,
            author(actor),
            customer,
            "eliminated" if eliminated else "restored",
            before=before,
            after={"eliminated": eliminated, "reason": reason},
            now=now,
        )
        session.flush()
        view = followup_customer_view(customer, state)
        uow.commit()
    return view
