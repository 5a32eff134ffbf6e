"""Which events the coupons service consumes and the handler each one runs; used by the nameko
worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable

from crmkit.db import Database
from crmkit.events import Event

from .handlers import on_order_approved


def subscriptions(db: Database) -> dict[tuple[str, str], Callable[[Event], None]]:
    def order_approved(event: Event) -> None:
        on_order_approved(db.uow(), event)

    return {("orders", "order_approved"): order_approved}
