"""Placing a storefront order (B6), and giving back what an order that is never paid took.

A customer places their own order (customer token: their id, their tenant); staff place one for a
customer at the counter, in a store they work in. Lines are priced from the catalogue (the
product's wholesale price is the shop's list price), coupons (E4) are redeemed, the goods are
taken from the store's stock and the order is logged as placed (A1) in one transaction; it then
waits for its payment until `closes_at`. Unpaid by then, or cancelled, it closes and `give_back`
returns its stock and coupons.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from orders.domain import storefront
from orders.domain.documents import idempotency_key
from orders.domain.lines import quantities_by_product
from orders.domain.money import line_amount, total
from orders.domain.numbering import STOREFRONT_PREFIX
from orders.domain.scope import OWNER, working_stores
from orders.domain.stock import STOREFRONT_RELEASE, STOREFRONT_SALE, take_out
from orders.domain.storefront_placing import LineInput, Placement, check_placement
from orders.errors import ErrorCode
from orders.models import ProductRow, StockMovementRow, StockRow
from orders.models_storefront import UQ_STOREFRONT_IDEMPOTENCY, StorefrontLineRow, StorefrontOrderRow
from orders.service.coupons import CouponLine, CouponRedeemer, CouponsNotConfigured, clean_codes
from orders.service.customers import CustomerDirectory, CustomerInfo
from orders.service.numbers import allocate_number
from orders.service.placing_coupons import OrderCoupons, OrderKind, discount_of, place_with_coupons, recorded
from orders.service.settings import load_settings
from orders.service.stock import lock_levels, move_all
from orders.service.storefront_changes import PLACED, log_order_change, placed_snapshot
from orders.service.storefront_core import lines_of, may_see
from orders.service.storefront_views import StorefrontView, storefront_view
from orders.service.stores import StoreDirectory

log = logging.getLogger(__name__)
COUPON_RELEASE_FAILURES = Counter(
    "crm_orders_storefront_coupon_release_failures_total",
    "Coupons of a storefront order that was not placed which could not be given back (see the log)",
)
_STOREFRONT_ORDERS = OrderKind(StorefrontOrderRow, COUPON_RELEASE_FAILURES, log, "storefront order")
# Storefront orders placed under one idempotency key share one id, so the coupons service sees a
# retried placement as the same order (its redemption is idempotent on the order id and code).
# Not the wholesale namespace: the same key on a wholesale and a storefront order is two orders.
ORDER_ID_NAMESPACE = uuid.UUID("ccabdc96-42c8-49e0-93e3-b9b0ac8f4417")
# Who gave the goods back when no person did (the closing of unpaid orders).
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class _Priced:
    line: LineInput
    product: ProductRow

    @property
    def amount_fen(self) -> int:
        return line_amount(self.product.wholesale_price_fen, self.line.quantity)


def place_order(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    cmd: Placement,
    *,
    stores: StoreDirectory,
    coupons: CouponRedeemer | None = None,
    unpaid_minutes: int,
    now: datetime,
) -> StorefrontView:
    """The order, its lines, its coupons and its stock movements in one transaction, waiting for
    payment. A repeat of an idempotency key answers the first order, also when the repeats race
    (the unique key decides). Coupons redeemed on an order that is not placed after all (a refused
    coupon, short stock, any error) are given back, unless a racing repeat placed it."""
    own = _placing_for(actor)
    p = check_placement(cmd, own_customer_id=own, now=now)
    if own is None:
        require_store(actor, p.store_id)
    # Any id can be sent (a shop's stale link, a typo): an order, its money and its alerts must
    # belong to a store of the merchant's, or nobody at a counter ever sees it.
    if not stores.exists(actor.tenant_id, p.store_id):
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"store_id": "validation.invalid_choice"})
    key = idempotency_key(p.idempotency_key)
    codes = clean_codes(p.coupon_codes)
    order_id = _order_id(actor.tenant_id, key) if codes else new_id()
    order_coupons = OrderCoupons(coupons, actor.tenant_id, order_id, codes)
    return place_with_coupons(
        uow,
        _STOREFRONT_ORDERS,
        order_coupons,
        key,
        place=lambda: _place(uow, actor, customers, p, own, key, order_coupons, unpaid_minutes, now),
        placed_by_a_repeat=lambda exc: _placed_by_a_repeat(uow, actor, key, exc, codes),
    )


def _place(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    p: Placement,
    own: str | None,
    key: str | None,
    order_coupons: OrderCoupons,
    unpaid_minutes: int,
    now: datetime,
) -> StorefrontView:
    """The order placed (or the first one of its key), with `order_coupons` redeemed on it:
    place_order's frame gives them back if this fails."""
    with uow:
        session = uow.session
        if key and (first := _by_key(uow, actor, key)):
            return first
        # As this service sees the customer: a customer's own token reads nothing there.
        customer = customers.get_in_tenant(actor.tenant_id, own or p.customer_id)
        priced = _priced(session, actor.tenant_id, p.lines)
        goods_total = total(line.amount_fen for line in priced) if priced else p.amount_fen or 0
        used = order_coupons.redeem(
            customer.id,
            p.store_id,
            (CouponLine(q.product.id, q.product.category_id or "", q.line.quantity, q.amount_fen) for q in priced),
        )
        discount = discount_of(goods_total, used)
        levels, after = _take_stock(session, actor.tenant_id, p.store_id, priced, now)
        # A racing repeat of the key waited on the same stock locks: it finds the first now,
        # before drawing a number.
        if key and priced and (first := _by_key(uow, actor, key)):
            return first
        number = allocate_number(session, actor.tenant_id, STOREFRONT_PREFIX, now)
        row = _order_row(actor, p, order_coupons.order_id, number, customer, key, now, unpaid_minutes)
        row.goods_total_fen, row.discount_fen, row.total_fen = goods_total, discount, goods_total - discount
        row.coupons = recorded(used)
        session.add(row)
        # The order first: a racing repeat of its key fails here, before its lines and stock.
        session.flush()
        lines = _line_rows(row, priced)
        session.add_all(lines)
        log_order_change(session, actor, row, PLACED, before=None, after=placed_snapshot(row, lines), now=now)
        move_all(session, after, levels, reason=STOREFRONT_SALE, actor_id=actor.subject_id, document_id=row.id, now=now)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def give_back(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    *,
    coupons: CouponRedeemer | None,
    now: datetime,
    by: str = SYSTEM_ACTOR,
) -> None:
    """An order that closes unpaid or is cancelled gives back what it took, once: its goods go
    back to the store's stock (movements of their own reason, found again by the order id, so a
    second call moves nothing) and its coupons to their holders (the coupons service releases what
    is redeemed on this order; a second call finds nothing left). The caller holds the order
    locked in `uow` and commits; if the coupons service cannot be reached, this raises and the
    caller's transaction, order and stock included, rolls back to be tried again."""
    session = uow.session
    if not _given_back(session, row):
        lines = lines_of(uow, row)
        if lines:
            wanted = quantities_by_product([(line.product_id, line.quantity) for line in lines])
            levels = lock_levels(session, row.tenant_id, row.store_id, list(wanted), now)
            back = {pid: levels[pid].quantity + quantity for pid, quantity in wanted.items()}
            move_all(session, back, levels, reason=STOREFRONT_RELEASE, actor_id=by, document_id=row.id, now=now)
    if row.coupons:
        (coupons or CouponsNotConfigured()).release(row.tenant_id, row.id)


def require_store(actor: Actor, store_id: str) -> None:
    """Staff act in the stores they work in (the one switched to, A4); the owner in any store of
    the tenant; services act for the tenant."""
    if actor.is_service or actor.has_role(OWNER) or store_id in working_stores(actor):
        return
    raise PermissionDenied(ErrorCode.STORE_ACCESS_DENIED, params={"store_id": store_id})


def _placing_for(actor: Actor) -> str | None:
    """The customer's own id when a customer places; None for staff (they name the customer).
    Services do not place orders."""
    if actor.customer_id is not None:
        return actor.customer_id
    if actor.staff_id is not None:
        return None
    raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "place"})


def _order_id(tenant_id: str, key: str | None) -> str:
    if not key:
        return new_id()
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{tenant_id}\n{key}"))


def _by_key(uow: UnitOfWork, actor: Actor, key: str) -> StorefrontView | None:
    """The order an earlier placement with this key made. The same key from someone who may not
    see that order (another customer) must not reveal it."""
    row = uow.session.scalar(
        select(StorefrontOrderRow).where(
            StorefrontOrderRow.tenant_id == actor.tenant_id, StorefrontOrderRow.idempotency_key == key
        )
    )
    if row is None:
        return None
    if not may_see(actor, row):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    return storefront_view(uow, actor, row)


def _placed_by_a_repeat(
    uow: UnitOfWork, actor: Actor, key: str, exc: BaseException, codes: Sequence[str]
) -> StorefrontView | None:
    """The order a racing repeat of the same key placed first, if that is why the insert failed.
    With coupons the repeat also carries the same order id (the primary key). Any other failure
    is this placing's own."""
    if not isinstance(exc, IntegrityError):
        return None
    text = str(exc.orig)
    table = StorefrontOrderRow.__tablename__
    repeated = UQ_STOREFRONT_IDEMPOTENCY in text or f"{table}.tenant_id, {table}.idempotency_key" in text
    if repeated or (codes and (f"{table}_pkey" in text or f"{table}.id" in text)):
        with uow:
            return _by_key(uow, actor, key)
    return None


def _priced(session: Session, tenant_id: str, lines: Sequence[LineInput]) -> list[_Priced]:
    """Each line with its product: listed, not archived, of the tenant; every unknown product
    named by its line."""
    if not lines:
        return []
    wanted = {line.product_id for line in lines}
    products = {
        p.id: p
        for p in session.scalars(
            select(ProductRow).where(ProductRow.tenant_id == tenant_id, ProductRow.id.in_(sorted(wanted)))
        )
    }
    fields = {
        f"lines.{i}.product_id": "validation.invalid_choice"
        for i, line in enumerate(lines)
        if (product := products.get(line.product_id)) is None or not product.listed or product.archived
    }
    if fields:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields=fields)
    return [_Priced(line, products[line.product_id]) for line in lines]


def _take_stock(
    session: Session, tenant_id: str, store_id: str, priced: Sequence[_Priced], now: datetime
) -> tuple[Mapping[str, StockRow], dict[str, int]]:
    """The levels of the order's products locked (in product order, as every stock change), and
    each level after taking the goods: all lines or none, a short product refuses the order
    (Conflict INSUFFICIENT_STOCK naming it) unless the tenant allows negative stock, the rule of
    a wholesale shipment."""
    if not priced:
        return {}, {}
    wanted = quantities_by_product([(p.product.id, p.line.quantity) for p in priced])
    allow_negative = load_settings(session, tenant_id).allow_negative_stock
    levels = lock_levels(session, tenant_id, store_id, list(wanted), now)
    after = {
        pid: take_out(pid, levels[pid].quantity, quantity, allow_negative=allow_negative)
        for pid, quantity in sorted(wanted.items())
    }
    return levels, after


def _given_back(session: Session, row: StorefrontOrderRow) -> bool:
    return (
        session.scalar(
            select(StockMovementRow.id)
            .where(
                StockMovementRow.tenant_id == row.tenant_id,
                StockMovementRow.document_id == row.id,
                StockMovementRow.reason == STOREFRONT_RELEASE,
            )
            .limit(1)
        )
        is not None
    )


def _order_row(
    actor: Actor,
    p: Placement,
    order_id: str,
    number: str,
    customer: CustomerInfo,
    key: str | None,
    now: datetime,
    unpaid_minutes: int,
) -> StorefrontOrderRow:
    """A new order waiting for payment; its money is set by the caller once the coupons spoke."""
    contact_name, contact_phone = p.contact_name, p.contact_phone
    if p.kind == storefront.ECOMMERCE:
        # The courier needs someone to hand the parcel to: the customer, unless another is named.
        contact_name, contact_phone = contact_name or customer.name, contact_phone or customer.phone
    return StorefrontOrderRow(
        id=order_id,
        tenant_id=actor.tenant_id,
        number=number,
        store_id=p.store_id,
        kind=p.kind,
        state=storefront.AWAITING_PAYMENT,
        customer_id=customer.id,
        customer_name=customer.name,
        customer_phone=customer.phone,
        placed_by=actor.staff_id or "",
        delivery_fee_fen=0,
        paid_fen=0,
        refunded_fen=0,
        note=p.note,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=p.address,
        latitude=p.latitude,
        longitude=p.longitude,
        reserved_for=p.reserved_for,
        idempotency_key=key,
        closes_at=now + timedelta(minutes=unpaid_minutes),
        created_at=now,
        updated_at=now,
    )


def _line_rows(row: StorefrontOrderRow, priced: Sequence[_Priced]) -> list[StorefrontLineRow]:
    return [
        StorefrontLineRow(
            tenant_id=row.tenant_id,
            order_id=row.id,
            position=i,
            product_id=p.product.id,
            category_id=p.product.category_id or "",
            name=p.product.name,
            quantity=p.line.quantity,
            unit_price_fen=p.product.wholesale_price_fen,
            amount_fen=p.amount_fen,
            spec=p.line.spec,
            created_at=row.created_at,
        )
        for i, p in enumerate(priced)
    ]
