"""Which events the coupons service consumes and the handler each one runs; used by the nameko
worker and by the embedded launcher's local broker alike."""

from __future__ import annotations

from collections.abc import Callable

from crmkit.db import Database, utcnow
from crmkit.events import Event

from .handlers import on_coupon_batch_requested, on_order_approved, on_recharge_gift_products
from .orders_peer import GiftStock, OrdersNotConfigured


def subscriptions(db: Database, gift_stock: GiftStock | None = None) -> dict[tuple[str, str], Callable[[Event], None]]:
    """`gift_stock`: the orders service's HandOutGiftStock (coupons.orders_peer); without it,
    gift-product events fail as Unavailable and wait for a worker that has it."""
    stock = gift_stock or OrdersNotConfigured()

    def order_approved(event: Event) -> None:
        on_order_approved(db.uow(), event)

    def recharge_gift_products(event: Event) -> None:
        on_recharge_gift_products(db.uow(), event, stock)

    def coupon_batch_requested(event: Event) -> None:
        on_coupon_batch_requested(db, event, now=utcnow())

    return {
        ("orders", "order_approved"): order_approved,
        ("coupons", "recharge_gift_products"): recharge_gift_products,
        ("coupons", "coupon_batch_requested"): coupon_batch_requested,
    }
