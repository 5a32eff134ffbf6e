"""Taking an order on site (B2): submit with price tracking, read, list, copy the last one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id, row_values
from crmkit.errors import InvalidInput, NotFound
from crmkit.paging import Page
from orders.domain.documents import idempotency_key, resolve_store, salesperson_for_order
from orders.domain.lines import LineRequest
from orders.domain.money import total
from orders.domain.numbering import ORDER_PREFIX, day_range
from orders.domain.receivables import APPROVED as COLLECTION_APPROVED
from orders.domain.states import REJECTED, SUBMITTED
from orders.domain.visibility import may_see, sees_all_documents
from orders.errors import Codes, MessageKeys
from orders.models import UQ_ORDER_IDEMPOTENCY, DebtReductionRow, OrderLineRow, OrderRow, ReturnRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow
from orders.service.access import require_staff
from orders.service.credit import check_new_order
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.numbers import allocate_number
from orders.service.pricing import check_and_price
from orders.service.views import (
    CREDIT_COLLECTION,
    CREDIT_RETURN,
    DocumentPage,
    OrderCreditView,
    OrderView,
    document_event,
    group_lines,
    order_view,
)

ORDER_SUBMITTED = "order_submitted"
QUERY_MAX = 50


@dataclass(frozen=True)
class SubmitOrder:
    customer_id: str
    lines: tuple[LineRequest, ...]
    store_id: str = ""
    note: str = ""
    idempotency_key: str = ""


def order_not_found(order_id: str) -> NotFound:
    return NotFound(Codes.ORDER_NOT_FOUND, MessageKeys.ORDER_NOT_FOUND, params={"id": order_id})


def order_event(view: OrderView) -> dict:
    return document_event("order_id", view)


def lines_of(session: Session, tenant_id: str, order_ids: Sequence[str]) -> dict[str, list[OrderLineRow]]:
    return group_lines(session, OrderLineRow, OrderLineRow.order_id, tenant_id, order_ids)


def view_of(session: Session, row: OrderRow) -> OrderView:
    return order_view(row, lines_of(session, row.tenant_id, [row.id])[row.id])


def _by_key(session: Session, actor: Actor, key: str) -> OrderView | None:
    row = session.scalar(select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.idempotency_key == key))
    if row is None:
        return None
    # The same key from someone who may not see that order must not reveal it.
    if not may_see(actor, row.salesperson_id, row.submitted_by):
        raise order_not_found(row.id)
    return view_of(session, row)


def submit_order(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, cmd: SubmitOrder, *, now: datetime
) -> OrderView:
    """Order, lines and `order_submitted` in one transaction. A repeat of an idempotency key
    returns the first order, also when the repeats race (the unique key decides)."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    key = idempotency_key(cmd.idempotency_key)
    try:
        with uow:
            session = uow.session
            if key and (first := _by_key(session, actor, key)):
                return first
            # The customers service decides whether this caller may order for this customer.
            customer = customers.get(cmd.customer_id)
            store_id = resolve_store(actor, customer.store_id, cmd.store_id)
            priced, products = check_and_price(session, actor, customer, cmd.lines, cmd.note)
            order_total = total(line.amount_fen for line in priced)
            warnings = check_new_order(session, actor.tenant_id, customer.id, order_total, now)
            row = OrderRow(
                tenant_id=actor.tenant_id,
                # Drawn once the order is checked, priced and within credit: refusals cost none.
                number=allocate_number(session, actor.tenant_id, ORDER_PREFIX, now),
                customer_id=customer.id,
                customer_name=customer.name,
                customer_phone=customer.phone,
                salesperson_id=salesperson_for_order(customer.owner_staff_id, staff_id),
                submitted_by=staff_id,
                store_id=store_id,
                status=SUBMITTED,
                total_fen=order_total,
                debt_fen=0,
                credit_warnings=",".join(warnings),
                note=cmd.note.strip(),
                reject_reason="",
                idempotency_key=key,
                submitted_at=now,
                created_at=now,
            )
            session.add(row)
            # Insert the order first: a racing repeat of its key fails here, before the lines.
            session.flush()
            lines = [
                OrderLineRow(
                    id=new_id(),
                    tenant_id=actor.tenant_id,
                    order_id=row.id,
                    position=i,
                    customer_id=customer.id,
                    product_id=line.product_id,
                    product_name=products[line.product_id].name,
                    barcode=products[line.product_id].barcode or "",
                    unit=products[line.product_id].unit,
                    brand=products[line.product_id].brand,
                    category_id=products[line.product_id].category_id or "",
                    quantity=line.quantity,
                    unit_price_fen=line.price.unit_price_fen,
                    price_source=line.price.source,
                    amount_fen=line.amount_fen,
                    created_at=now,
                )
                for i, line in enumerate(priced)
            ]
            # One multi-row INSERT; the ORM's unit of work would cost more than the insert itself.
            session.execute(insert(OrderLineRow), [row_values(line) for line in lines])
            view = order_view(row, lines)
            uow.publish(ORDER_SUBMITTED, actor.tenant_id, order_event(view))
            uow.commit()
            return view
    except IntegrityError as exc:
        text = str(exc.orig)
        if key and (UQ_ORDER_IDEMPOTENCY in text or "orders.tenant_id, orders.idempotency_key" in text):
            with uow:
                first = _by_key(uow.session, actor, key)
            if first is not None:
                return first
        raise


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    """Another tenant's order and a colleague's order look exactly like a missing one."""
    with uow:
        row = uow.session.scalar(select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.id == order_id))
        if row is None or not may_see(actor, row.salesperson_id, row.submitted_by):
            raise order_not_found(order_id)
        return replace(view_of(uow.session, row), credits=credits_of(uow.session, row.tenant_id, row.id))


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
            raise NotFound(Codes.ORDER_NOT_FOUND, MessageKeys.ORDER_NOT_FOUND, params={"customer_id": customer_id})
        return view_of(uow.session, row)


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
    stmt = select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id)
    if not sees_all_documents(actor):
        stmt = stmt.where(or_(OrderRow.salesperson_id == actor.staff_id, OrderRow.submitted_by == actor.staff_id))
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
        raise InvalidInput(Codes.LIST_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"query": "validation.too_long"})
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
        lines = lines_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return DocumentPage([order_view(r, lines[r.id]) for r in rows], count)
