"""Which events the customers service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmkit.db import Database
from crmkit.events import Event
from crmkit.settings import Settings

from . import handlers

# (source, type) -> handler(uow, event). The coupons events feed the coupon-behaviour read model
# of segments (C4); they write to this service's database only.
HANDLERS = {
    ("orders", "order_approved"): handlers.on_order_approved,
    ("orders", "return_refunded"): handlers.on_return_refunded,
    ("coupons", "coupon_issued"): handlers.on_coupon_issued,
    ("coupons", "coupon_redeemed"): handlers.on_coupon_redeemed,
    ("coupons", "coupon_redemption_released"): handlers.on_coupon_redemption_released,
    ("coupons", "coupon_expiring"): handlers.on_coupon_expiring,
    # A reader who gave a phone becomes a lead (C7).
    ("marketing", "visitor_identified"): handlers.on_visitor_identified,
}


def subscriptions(db: Database) -> dict[tuple[str, str], Callable[[Event], None]]:
    def bound(handler):
        def handle(event: Event) -> None:
            handler(db.uow(), event)

        return handle

    return {key: bound(handler) for key, handler in HANDLERS.items()}


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py)."""
    return subscriptions(db)
