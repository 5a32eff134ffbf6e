"""Which events the messaging service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable

from crmkit.db import Database
from crmkit.events import Event

from .domain.ownership_notifications import OWNERSHIP_EVENTS
from .handlers import on_customer_registered, on_duplicate_collision, on_ownership_event


def subscriptions(db: Database, identity_client) -> dict[tuple[str, str], Callable[[Event], None]]:
    def customer_registered(event: Event) -> None:
        on_customer_registered(db.uow(), event, identity=identity_client)

    def duplicate_collision(event: Event) -> None:
        on_duplicate_collision(db.uow(), event)

    def ownership_event(event: Event) -> None:
        on_ownership_event(db.uow(), event, identity=identity_client)

    return {
        ("customers", "customer_registered"): customer_registered,
        ("customers", "duplicate_collision"): duplicate_collision,
        # C2 C3: one handler for the ownership events, each claimed under its own consumer name.
        **{("customers", event_type): ownership_event for event_type in OWNERSHIP_EVENTS},
    }
