"""Taking an order on site (B2): submit with price tracking, read, list, copy the last one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id, row_values
from crmkit.errors import DomainError, InvalidInput, NotFound
from crmkit.onetime_codes import new_code
from crmkit.paging import Page
from orders.domain.documents import idempotency_key, resolve_store, salesperson_for_order
from orders.domain.lines import LineRequest
from orders.domain.money import total
from orders.domain.numbering import ORDER_PREFIX, day_range
from orders.domain.receivables import APPROVED as COLLECTION_APPROVED
from orders.domain.scope import scope_for
from orders.domain.states import REJECTED, SUBMITTED
from orders.errors import Codes, MessageKeys
from orders.models import UQ_ORDER_IDEMPOTENCY, DebtReductionRow, OrderLineRow, OrderRow, ReturnRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow
from orders.service.access import require_staff
from orders.service.changes import ORDER, log_change, placed_order_snapshot
from orders.service.coupons import (
    CouponLine,
    CouponRedeemer,
    CouponsNotConfigured,
    CouponUse,
    clean_codes,
    order_id_for,
    refusal_naming,
)
from orders.service.credit import check_new_order
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.numbers import allocate_number
from orders.service.pricing import check_and_price
from orders.service.scoping import document_allowed, order_visible
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
log = logging.getLogger(__name__)
COUPON_RELEASE_FAILURES = Counter(
    "crm_orders_coupon_release_failures_total",
    "Coupons of an order that was not placed which could not be given back (see the log for the order id)",
)
QUERY_MAX = 50


@dataclass(frozen=True)
class SubmitOrder:
    customer_id: str
    lines: tuple[LineRequest, ...]
    store_id: str = ""
    note: str = ""
    idempotency_key: str = ""
    # Typed codes or scanned QR payloads of coupons to use (E4).
    coupon_codes: tuple[str, ...] = ()


def order_not_found(order_id: str) -> NotFound:
    return NotFound(Codes.ORDER_NOT_FOUND, MessageKeys.ORDER_NOT_FOUND, params={"id": order_id})


def order_event(view: OrderView) -> dict:
    """total_fen is what is owed; with coupons, discount_fen is what they took off the goods."""
    event = document_event("order_id", view)
    if view.discount_fen:
        event["discount_fen"] = view.discount_fen
        event["coupon_codes"] = [c.code for c in view.coupons]
    return event


def lines_of(session: Session, tenant_id: str, order_ids: Sequence[str]) -> dict[str, list[OrderLineRow]]:
    return group_lines(session, OrderLineRow, OrderLineRow.order_id, tenant_id, order_ids)


def view_of(session: Session, row: OrderRow) -> OrderView:
    return order_view(row, lines_of(session, row.tenant_id, [row.id])[row.id])


def _by_key(session: Session, actor: Actor, key: str) -> OrderView | None:
    row = session.scalar(select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.idempotency_key == key))
    if row is None:
        return None
    # The same key from someone who may not see that order must not reveal it.
    if not document_allowed(actor, row):
        raise order_not_found(row.id)
    return view_of(session, row)


def submit_order(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    cmd: SubmitOrder,
    *,
    coupons: CouponRedeemer | None = None,
    now: datetime,
) -> OrderView:
    """Order, lines and `order_submitted` in one transaction. A repeat of an idempotency key
    returns the first order, also when the repeats race (the unique key decides).

    Coupons (E4) are redeemed in the coupons service inside that transaction, after pricing and
    before the credit check (credit counts what is owed after the discount). If the order is not
    placed after all (a refused coupon, credit blocked, any error), the coupons redeemed on it
    are given back, unless a racing repeat of the same key placed it."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    key = idempotency_key(cmd.idempotency_key)
    codes = clean_codes(cmd.coupon_codes)
    order_id = order_id_for(actor.tenant_id, key) if codes else new_id()
    redeeming = False
    try:
        with uow:
            session = uow.session
            if key and (first := _by_key(session, actor, key)):
                return first
            # The customers service decides whether this caller may order for this customer.
            customer = customers.get(cmd.customer_id)
            store_id = resolve_store(actor, customer.store_id, cmd.store_id)
            priced, products = check_and_price(session, actor, customer, cmd.lines, cmd.note)
            goods_total = total(line.amount_fen for line in priced)
            used: list[CouponUse] = []
            if codes:
                redeeming = True
                lines = [
                    CouponLine(
                        line.product_id, products[line.product_id].category_id or "", line.quantity, line.amount_fen
                    )
                    for line in priced
                ]
                used = _redeem_all(
                    coupons or CouponsNotConfigured(), actor.tenant_id, order_id, customer.id, store_id, codes, lines
                )
            # Two coupons on the same goods never take off more than the goods cost.
            discount = min(goods_total, sum(u.discount_fen for u in used))
            order_total = goods_total - discount
            warnings = check_new_order(session, actor.tenant_id, customer.id, order_total, now)
            row = OrderRow(
                id=order_id,
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
                discount_fen=discount,
                verification_code=new_code(),
                coupons=[
                    {
                        "code": u.code,
                        "coupon_id": u.coupon_id,
                        "discount_fen": u.discount_fen,
                        "pickup_product_ids": list(u.pickup_product_ids),
                    }
                    for u in used
                ]
                or None,
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
            after = placed_order_snapshot(row, lines)
            log_change(session, actor, ORDER, row, "submitted", before=None, after=after, now=now)
            view = order_view(row, lines)
            uow.publish(ORDER_SUBMITTED, actor.tenant_id, order_event(view))
            uow.commit()
            return view
    except IntegrityError as exc:
        text = str(exc.orig)
        # With coupons a racing repeat of the key also carries the same order id (primary key).
        if key and (
            UQ_ORDER_IDEMPOTENCY in text
            or "orders.tenant_id, orders.idempotency_key" in text
            or (codes and ("orders_pkey" in text or "orders.id" in text))
        ):
            with uow:
                first = _by_key(uow.session, actor, key)
            if first is not None:
                return first
        if redeeming:
            _give_back(uow, coupons, actor.tenant_id, order_id)
        raise
    except BaseException:
        if redeeming:
            _give_back(uow, coupons, actor.tenant_id, order_id)
        raise


def _redeem_all(
    coupons: CouponRedeemer,
    tenant_id: str,
    order_id: str,
    customer_id: str,
    store_id: str,
    codes: Sequence[str],
    lines: Sequence[CouponLine],
) -> list[CouponUse]:
    used = []
    for i, code in enumerate(codes):
        try:
            used.append(coupons.redeem(tenant_id, order_id, customer_id, store_id, code, lines))
        except DomainError as exc:
            raise refusal_naming(i, code, exc) from None
    return used


def _give_back(uow: UnitOfWork, coupons: CouponRedeemer | None, tenant_id: str, order_id: str) -> None:
    """The order was not placed: its coupons go back. Never masks the error being raised; if the
    coupons service cannot be reached now, the coupons stay used on an order that does not
    exist, logged for the operator (a retry of the submit with its key finds them again)."""
    try:
        with uow:
            placed = uow.session.scalar(
                select(OrderRow.id).where(OrderRow.tenant_id == tenant_id, OrderRow.id == order_id)
            )
        if placed is None:
            (coupons or CouponsNotConfigured()).release(tenant_id, order_id)
    except Exception:
        COUPON_RELEASE_FAILURES.inc()
        log.exception("coupons of order %s (tenant %s) could not be given back", order_id, tenant_id)


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    """Another tenant's order and one outside the caller's scope (a colleague's, another
    store's) look exactly like a missing one."""
    with uow:
        row = uow.session.scalar(select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.id == order_id))
        if row is None or not document_allowed(actor, row):
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
