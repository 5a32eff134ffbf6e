"""Taking a return on site (B3): the customer is always chosen by hand, lines are priced by the
same price tracking as orders; then read and list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.paging import Page
from orders import events
from orders.domain.documents import idempotency_key, resolve_store
from orders.domain.lines import LineRequest
from orders.domain.money import total
from orders.domain.numbering import RETURN_PREFIX
from orders.domain.scope import scope_for
from orders.domain.states import SUBMITTED
from orders.models import ReturnRow
from orders.service.access import require_staff
from orders.service.changes import RETURN, log_change, placed_return_snapshot
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.documents import RETURNS
from orders.service.numbers import allocate_number
from orders.service.pricing import check_and_price
from orders.service.scoping import document_allowed, return_visible
from orders.service.views import DocumentPage, ReturnView, return_view


@dataclass(frozen=True)
class SubmitReturn:
    customer_id: str
    lines: tuple[LineRequest, ...]
    store_id: str = ""
    note: str = ""
    idempotency_key: str = ""


def _by_key(uow: UnitOfWork, actor: Actor, key: str) -> ReturnView | None:
    with uow:
        return RETURNS.by_key(uow.session, actor, key)


def submit_return(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, cmd: SubmitReturn, *, now: datetime
) -> ReturnView:
    """Return, lines and `return_submitted` in one transaction; idempotent like SubmitOrder.
    The submitter is the salesperson: a return never fills in the customer's bound one (B3)."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    key = idempotency_key(cmd.idempotency_key)
    if key and (first := _by_key(uow, actor, key)):
        return first
    customer = customers.get(cmd.customer_id)
    store_id = resolve_store(actor, customer.store_id, cmd.store_id)
    try:
        with uow:
            session = uow.session
            priced, products = check_and_price(session, actor, customer, cmd.lines, cmd.note)
            row = ReturnRow(
                tenant_id=actor.tenant_id,
                number=allocate_number(session, actor.tenant_id, RETURN_PREFIX, now),
                customer_id=customer.id,
                customer_name=customer.name,
                salesperson_id=staff_id,
                submitted_by=staff_id,
                store_id=store_id,
                status=SUBMITTED,
                total_fen=total(line.amount_fen for line in priced),
                refund_method="",
                debt_reduced_fen=0,
                paid_back_fen=0,
                note=cmd.note.strip(),
                reject_reason="",
                idempotency_key=key,
                submitted_at=now,
                created_at=now,
            )
            session.add(row)
            session.flush()
            lines = RETURNS.add_lines(session, actor.tenant_id, priced, products, now=now, return_id=row.id)
            after = placed_return_snapshot(row, lines)
            log_change(session, actor, RETURN, row, "submitted", before=None, after=after, now=now)
            view = return_view(row, lines)
            uow.publish(events.return_submitted(view), actor.tenant_id)
            uow.commit()
            return view
    except IntegrityError as exc:
        if key and RETURNS.repeats_a_key(exc):
            first = _by_key(uow, actor, key)
            if first is not None:
                return first
        raise


def get_return(uow: UnitOfWork, actor: Actor, return_id: str) -> ReturnView:
    with uow:
        row = uow.session.scalar(
            select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, ReturnRow.id == return_id)
        )
        if row is None or not document_allowed(actor, row):
            raise RETURNS.not_found(return_id)
        return RETURNS.view_of(uow.session, row)


def list_returns(
    uow: UnitOfWork, actor: Actor, page: Page, *, statuses: tuple[str, ...] = (), customer_id: str = ""
) -> DocumentPage:
    stmt = select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, return_visible(scope_for(actor)))
    if statuses:
        stmt = stmt.where(ReturnRow.status.in_(statuses))
    if customer_id:
        stmt = stmt.where(ReturnRow.customer_id == customer_id)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(ReturnRow.submitted_at.desc(), ReturnRow.number.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        lines = RETURNS.lines_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return DocumentPage([return_view(r, lines[r.id]) for r in rows], count)
