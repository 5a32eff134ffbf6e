"""Reading orders (B2, B4): one order with what paid its debt, a customer's last order to copy,
the list with filters and search. Scoped like every document: outside the caller's scope an
order looks missing."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound
from crmkit.paging import Page
from orders.domain.numbering import day_range
from orders.domain.receivables import APPROVED as COLLECTION_APPROVED
from orders.domain.scope import scope_for
from orders.domain.states import REJECTED
from orders.errors import ErrorCode
from orders.models import DebtReductionRow, OrderRow, ReturnRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow
from orders.service.access import require_staff
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.documents import ORDERS
from orders.service.scoping import document_allowed, order_visible
from orders.service.views import (
    CREDIT_COLLECTION,
    CREDIT_RETURN,
    DocumentPage,
    OrderCreditView,
    OrderView,
    order_view,
)

QUERY_MAX = 50


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    """Another tenant's order and one outside the caller's scope (a colleague's, another
    store's) look exactly like a missing one."""
    with uow:
        row = uow.session.scalar(select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.id == order_id))
        if row is None or not document_allowed(actor, row):
            raise ORDERS.not_found(order_id)
        return replace(ORDERS.view_of(uow.session, row), credits=credits_of(uow.session, row.tenant_id, row.id))


def credits_of(session: Session, tenant_id: str, order_id: str) -> tuple[OrderCreditView, ...]:
    """What paid this order's debt, oldest first: allocations of approved collections (at their
    review) and debt reductions of refunded returns (at the refund). One query each."""
    collections = session.execute(
        select(
            CollectionRow.id,
            CollectionRow.number,
            CollectionAllocationRow.amount_fen,
            func.coalesce(CollectionRow.reviewed_at, CollectionAllocationRow.created_at),
        )
        .join(CollectionRow, CollectionRow.id == CollectionAllocationRow.collection_id)
        .where(
            CollectionAllocationRow.tenant_id == tenant_id,
            CollectionAllocationRow.order_id == order_id,
            CollectionRow.tenant_id == tenant_id,
            CollectionRow.status == COLLECTION_APPROVED,
        )
    ).all()
    returns = session.execute(
        select(
            ReturnRow.id,
            ReturnRow.number,
            DebtReductionRow.amount_fen,
            func.coalesce(ReturnRow.refunded_at, DebtReductionRow.created_at),
        )
        .join(ReturnRow, ReturnRow.id == DebtReductionRow.return_id)
        .where(
            DebtReductionRow.tenant_id == tenant_id,
            DebtReductionRow.order_id == order_id,
            ReturnRow.tenant_id == tenant_id,
        )
    ).all()
    credits = [OrderCreditView(CREDIT_COLLECTION, *r) for r in collections] + [
        OrderCreditView(CREDIT_RETURN, *r) for r in returns
    ]
    return tuple(sorted(credits, key=lambda c: (c.at, c.number)))


def get_last_order(uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str) -> OrderView:
    """The customer's latest order that was not rejected, to copy its lines. Whoever may see
    the customer may copy it, even if a colleague took that order."""
    require_staff(actor)
    require_customer_id(customer_id)
    customer = customers.get(customer_id)
    with uow:
        row = uow.session.scalar(
            select(OrderRow)
            .where(
                OrderRow.tenant_id == actor.tenant_id, OrderRow.customer_id == customer.id, OrderRow.status != REJECTED
            )
            .order_by(OrderRow.submitted_at.desc(), OrderRow.number.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound(ErrorCode.ORDER_NOT_FOUND, params={"customer_id": customer_id})
        return ORDERS.view_of(uow.session, row)


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[str, ...] = ()
    customer_id: str = ""
    date_from: str = ""
    date_to: str = ""
    query: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(actor: Actor, f: OrderFilter) -> Select:
    stmt = select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, order_visible(scope_for(actor)))
    if f.statuses:
        stmt = stmt.where(OrderRow.status.in_(f.statuses))
    if f.customer_id:
        stmt = stmt.where(OrderRow.customer_id == f.customer_id)
    start, end = day_range(f.date_from, f.date_to)
    if start:
        stmt = stmt.where(OrderRow.submitted_at >= start)
    if end:
        stmt = stmt.where(OrderRow.submitted_at < end)
    query = f.query.strip()
    if len(query) > QUERY_MAX:
        raise InvalidInput(ErrorCode.LIST_INPUT_INVALID, fields={"query": "validation.too_long"})
    if query:
        pattern = _escape_like(query)
        stmt = stmt.where(
            or_(
                OrderRow.number.like(f"{pattern.upper()}%", escape="\\"),
                OrderRow.customer_name.ilike(f"%{pattern}%", escape="\\"),
                OrderRow.customer_phone.like(f"{pattern}%", escape="\\"),
            )
        )
    return stmt


def list_orders(uow: UnitOfWork, actor: Actor, page: Page, f: OrderFilter) -> DocumentPage:
    """Newest first. `query` is an order number prefix, part of the customer's name, or the
    start of their phone."""
    stmt = _filtered(actor, f)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(OrderRow.submitted_at.desc(), OrderRow.number.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        lines = ORDERS.lines_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return DocumentPage([order_view(r, lines[r.id]) for r in rows], count)
