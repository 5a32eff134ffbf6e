"""Which events the coupons service consumes and the handler each one runs; used by the nameko
worker and by the embedded launcher's local broker alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmkit.db import Database, utcnow
from crmkit.events import Event
from crmkit.settings import Settings

from .handlers import on_coupon_batch_requested, on_order_approved, on_recharge_gift_products
from .orders_peer import GiftStock, OrdersNotConfigured, gift_stock_from_settings


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


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py). E7
    recharge gift products go through the orders server: without ORDERS_ADDR those events could
    only be requeued, so the worker refuses to start."""
    settings.peer("orders")
    return subscriptions(db, gift_stock_from_settings(settings))
