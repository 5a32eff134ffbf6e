"""The frame around an order's coupons (E4, ADR 0007) that both ways of placing an order share,
wholesale (`ordering.submit_order`) and storefront (`storefront_orders.place_order`), so the two
stay in step: the coupons are redeemed through the coupons peer on the order's id once its lines
are priced; if the order is not placed after all, a repeat of its idempotency key that placed it
first is the answer, and otherwise the coupons redeemed on it go back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import Counter
from sqlalchemy import select

from crmkit.db import UnitOfWork
from crmkit.errors import DomainError
from orders.service.coupons import CouponLine, CouponRedeemer, CouponsNotConfigured, CouponUse, refusal_naming

View = TypeVar("View")


@dataclass(frozen=True)
class OrderKind:
    """What the frame needs of one kind of order: the rows a give-back looks in first (a racing
    repeat may have placed the order after all), and the counter and log that record a give-back
    that failed, each kind under its own metric and logger."""

    table: Any  # the mapped order row (OrderRow, StorefrontOrderRow): its tenant_id and id
    release_failures: Counter
    log: logging.Logger
    name: str  # the order as the log names it


class OrderCoupons:
    """The coupons one placing uses, on the order id chosen for it; `redeeming` from the moment
    they are sent to the coupons service, after which an order not placed gives them back."""

    __slots__ = ("coupons", "tenant_id", "order_id", "codes", "redeeming")

    def __init__(self, coupons: CouponRedeemer | None, tenant_id: str, order_id: str, codes: Sequence[str]):
        self.coupons = coupons
        self.tenant_id = tenant_id
        self.order_id = order_id
        self.codes = codes
        self.redeeming = False

    def redeem(self, customer_id: str, store_id: str, lines: Iterable[CouponLine]) -> list[CouponUse]:
        """Each code redeemed on this order, in the order given; the first refusal names its field.
        `lines` is only read when there are codes (an order without coupons builds none)."""
        self.redeeming = bool(self.codes)
        if not self.codes:
            return []
        redeemer = self.coupons or CouponsNotConfigured()
        lines = list(lines)
        used = []
        for i, code in enumerate(self.codes):
            try:
                used.append(redeemer.redeem(self.tenant_id, self.order_id, customer_id, store_id, code, lines))
            except DomainError as exc:
                raise refusal_naming(i, code, exc) from None
        return used


def place_with_coupons(
    uow: UnitOfWork,
    kind: OrderKind,
    order_coupons: OrderCoupons,
    key: str | None,
    *,
    place: Callable[[], View],
    placed_by_a_repeat: Callable[[BaseException], View | None],
) -> View:
    """`place()`'s order. If it fails (a refused coupon, any error): the order a repeat of `key`
    placed first, when `placed_by_a_repeat` finds that this is why, with the coupons left on it
    (with coupons, the key decides the order id: they were redeemed on that order); otherwise the
    coupons redeemed go back and the error is raised. An error of `placed_by_a_repeat` itself is
    raised as it is, giving nothing back."""
    try:
        return place()
    except BaseException as exc:
        if key and (first := placed_by_a_repeat(exc)):
            return first
        if order_coupons.redeeming:
            _give_back(uow, kind, order_coupons)
        raise


def discount_of(goods_total_fen: int, used: Sequence[CouponUse]) -> int:
    # Two coupons on the same goods never take off more than the goods cost.
    return min(goods_total_fen, sum(u.discount_fen for u in used))


def recorded(used: Sequence[CouponUse]) -> list[dict] | None:
    """The coupons as the order row keeps them."""
    return [
        {
            "code": use.code,
            "coupon_id": use.coupon_id,
            "discount_fen": use.discount_fen,
            "pickup_product_ids": list(use.pickup_product_ids),
        }
        for use in used
    ] or None


def _give_back(uow: UnitOfWork, kind: OrderKind, order_coupons: OrderCoupons) -> None:
    """The order was not placed: its coupons go back. Never masks the error being raised; if the
    coupons service cannot be reached now, the coupons stay used on an order that does not exist,
    counted and logged for the operator (a retry with the same key finds them again, and the
    coupons service's own sweep gives them back later)."""
    tenant_id, order_id, table = order_coupons.tenant_id, order_coupons.order_id, kind.table
    try:
        with uow:
            placed = uow.session.scalar(select(table.id).where(table.tenant_id == tenant_id, table.id == order_id))
        if placed is None:
            (order_coupons.coupons or CouponsNotConfigured()).release(tenant_id, order_id)
    except Exception:
        kind.release_failures.inc()
        kind.log.exception("coupons of %s %s (tenant %s) could not be given back", kind.name, order_id, tenant_id)
