"""Who owes what (B4): credit terms, the debtors list and a customer's orders with debt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from crmkit.paging import Page
from orders import events
from orders.domain import credit
from orders.domain.receivables import (
    PENDING,
    check_term_days,
    check_term_filter,
    due_at,
    require_term_setter,
    term_state,
)
from orders.domain.scope import scope_for
from orders.domain.states import DEBT_STATUSES
from orders.errors import ErrorCode
from orders.models import OrderRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow, CreditTermRow
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.scoping import visible

QUERY_MAX = 50


@dataclass(frozen=True)
class DebtorView:
    customer_id: str
    customer_name: str
    customer_phone: str
    salesperson_id: str
    debt_fen: int
    open_orders: int
    earliest_due_at: datetime | None
    term_state: str
    credit_term_days: int


@dataclass(frozen=True)
class DebtOrderView:
    order_id: str
    number: str
    total_fen: int
    debt_fen: int
    pending_fen: int
    approved_at: datetime | None
    due_at: datetime | None
    term_state: str


@dataclass(frozen=True)
class ListPage:
    items: list
    total: int


def terms_of(session: Session, tenant_id: str, customer_ids: Sequence[str]) -> dict[str, int]:
    if not customer_ids:
        return {}
    rows = session.execute(
        select(CreditTermRow.customer_id, CreditTermRow.days).where(
            CreditTermRow.tenant_id == tenant_id, CreditTermRow.customer_id.in_(customer_ids)
        )
    )
    return dict(rows.tuples().all())


def pending_by_order(session: Session, tenant_id: str, order_ids: Sequence[str]) -> dict[str, int]:
    """What collections still waiting for finance claim on each order."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(CollectionAllocationRow.order_id, func.sum(CollectionAllocationRow.amount_fen))
        .join(CollectionRow, CollectionRow.id == CollectionAllocationRow.collection_id)
        .where(
            CollectionAllocationRow.tenant_id == tenant_id,
            CollectionAllocationRow.order_id.in_(order_ids),
            CollectionRow.status == PENDING,
        )
        .group_by(CollectionAllocationRow.order_id)
    )
    return {order_id: int(amount) for order_id, amount in rows.tuples()}


def _debt_orders(actor: Actor):
    stmt = select(OrderRow).where(
        OrderRow.tenant_id == actor.tenant_id, OrderRow.status.in_(DEBT_STATUSES), OrderRow.debt_fen > 0
    )
    # A salesperson's debtors are the customers of the orders they sold; a store's, those of
    # the store's orders (A1 A4 scope).
    return stmt.where(visible(scope_for(actor), OrderRow.store_id, OrderRow.salesperson_id))


@dataclass(frozen=True)
class CreditTermView:
    customer_id: str
    days: int
    limit_fen: int | None  # None: no credit limit (B2)


def set_credit_term(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    customer_id: str,
    days: int,
    *,
    limit_fen: int | None = None,
    now: datetime,
) -> CreditTermView:
    """Term and credit limit together, as finance edits them, for a customer the caller may see
    in the customers service (a store's finance: their stores' customers); else NOT_FOUND."""
    staff_id = require_term_setter(actor)
    require_customer_id(customer_id)
    days = check_term_days(days)
    limit_fen = credit.check_limit(limit_fen)
    customers.get(customer_id)
    with uow:
        session = uow.session
        row = session.scalar(
            select(CreditTermRow)
            .where(CreditTermRow.tenant_id == actor.tenant_id, CreditTermRow.customer_id == customer_id)
            .with_for_update()
        )
        if row is None:
            row = CreditTermRow(tenant_id=actor.tenant_id, customer_id=customer_id, created_at=now)
            session.add(row)
        row.days, row.limit_fen, row.updated_by, row.updated_at = days, limit_fen, staff_id, now
        uow.publish(events.credit_term_set(customer_id, days, limit_fen), actor.tenant_id)
        uow.commit()
        return CreditTermView(customer_id, days, limit_fen)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_debtors(
    uow: UnitOfWork, actor: Actor, page: Page, *, query: str = "", state: str = "", now: datetime
) -> ListPage:
    """Most owed first. The term state is judged per customer from its oldest debt; the state
    filter and the paging run in Python on the grouped rows (one per debtor) because the
    date arithmetic differs between PostgreSQL and SQLite, the embedded default."""
    state = check_term_filter(state)
    query = query.strip()
    if len(query) > QUERY_MAX:
        raise InvalidInput(ErrorCode.LIST_INPUT_INVALID, fields={"query": "validation.too_long"})
    debts = _debt_orders(actor).subquery()
    stmt = select(
        debts.c.customer_id,
        func.max(debts.c.customer_name),
        func.max(debts.c.customer_phone),
        func.max(debts.c.salesperson_id),
        func.sum(debts.c.debt_fen),
        func.count(),
        func.min(debts.c.approved_at),
    ).group_by(debts.c.customer_id)
    if query:
        pattern = _escape_like(query)
        by_number = select(OrderRow.customer_id).where(
            OrderRow.tenant_id == actor.tenant_id, OrderRow.number.like(f"{pattern.upper()}%", escape="\\")
        )
        stmt = stmt.where(
            or_(
                debts.c.customer_name.ilike(f"%{pattern}%", escape="\\"),
                debts.c.customer_phone.like(f"{pattern}%", escape="\\"),
                debts.c.customer_id.in_(by_number),
            )
        )
    with uow:
        groups = uow.session.execute(stmt).tuples().all()
        terms = terms_of(uow.session, actor.tenant_id, [g[0] for g in groups])
    debtors = []
    for customer_id, name, phone, salesperson_id, debt, count, oldest in groups:
        days = terms.get(customer_id, 0)
        due = due_at(oldest, days)
        debtors.append(
            DebtorView(customer_id, name, phone, salesperson_id, int(debt), count, due, term_state(due, now), days)
        )
    if state:
        debtors = [d for d in debtors if d.term_state == state]
    debtors.sort(key=lambda d: (-d.debt_fen, d.customer_id))
    return ListPage(debtors[page.offset : page.offset + page.page_size], len(debtors))


def list_debt_orders(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str, page: Page, *, now: datetime
) -> ListPage:
    """The customer's orders with debt, oldest first, with what pending collections claim: the
    page a salesperson files a collection from (B5, from an order's customer). Another tenant's
    customer is NotFound, not an empty page (R4)."""
    require_customer_id(customer_id)
    customers.require_in_tenant(actor.tenant_id, customer_id)
    stmt = _debt_orders(actor).where(OrderRow.customer_id == customer_id)
    with uow:
        session = uow.session
        count = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.scalars(
            stmt.order_by(OrderRow.approved_at, OrderRow.number).offset(page.offset).limit(page.page_size)
        ).all()
        pending = pending_by_order(session, actor.tenant_id, [r.id for r in rows])
        days = terms_of(session, actor.tenant_id, [customer_id]).get(customer_id, 0)
        items = []
        for r in rows:
            due = due_at(r.approved_at, days)
            state = term_state(due, now)
            items.append(
                DebtOrderView(r.id, r.number, r.total_fen, r.debt_fen, pending.get(r.id, 0), r.approved_at, due, state)
            )
        return ListPage(items, count)
