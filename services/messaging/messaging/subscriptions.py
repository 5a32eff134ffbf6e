"""Which events the messaging service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable

from crmkit.db import Database
from crmkit.events import Event

from .handlers import on_customer_registered, on_duplicate_collision


def subscriptions(db: Database, identity_client) -> dict[tuple[str, str], Callable[[Event], None]]:
    def customer_registered(event: Event) -> None:
        on_customer_registered(db.uow(), event, identity=identity_client)

    def duplicate_collision(event: Event) -> None:
        on_duplicate_collision(db.uow(), event)

    return {
        ("customers", "customer_registered"): customer_registered,
        ("customers", "duplicate_collision"): duplicate_collision,
    }
