"""Which events the marketing service consumes and the handler each one runs; used by the
nameko worker (`python -m marketing.worker`) and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmkit.db import Database
from crmkit.events import Event
from crmkit.settings import Settings

from . import handlers

# (source, type) -> handler(uow, event): readers who became customers (C10). They write to this
# service's database only.
HANDLERS = {
    ("customers", "lead_converted"): handlers.on_lead_converted,
    ("customers", "customer_registered"): handlers.on_customer_registered,
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
