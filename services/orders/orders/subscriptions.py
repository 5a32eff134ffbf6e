"""Which events the orders service consumes and the handler each one runs; used by the nameko
worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmkit.db import Database
from crmkit.events import Event
from crmkit.redis_client import Keys, make_redis
from crmkit.settings import Settings

from .handlers import on_order_approved, on_return_approved


def subscriptions(db: Database, redis, keys: Keys) -> dict[tuple[str, str], Callable[[Event], None]]:
    def order_approved(event: Event) -> None:
        on_order_approved(db.uow(), event, redis=redis, keys=keys, db=db)

    def return_approved(event: Event) -> None:
        on_return_approved(db.uow(), event, redis=redis, keys=keys, db=db)

    return {("orders", "order_approved"): order_approved, ("orders", "return_approved"): return_approved}


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py). The
    ranking lives in the shared Redis (in-process stand-in in embedded mode)."""
    return subscriptions(db, make_redis(settings.redis_url), Keys(settings.redis_prefix, "orders"))
