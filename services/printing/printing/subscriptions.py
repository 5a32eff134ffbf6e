"""Which events the printing service consumes and the handler each one runs; used by the nameko
worker (`python -m printing.worker`) and by the embedded launcher's local broker alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crmkit.db import Database
from crmkit.events import Event
from crmkit.settings import Settings

from .handlers import on_storefront_order_paid
from .orders_peer import GrpcStorefront, Storefront


def subscriptions(db: Database, storefront: Storefront) -> dict[tuple[str, str], Callable[[Event], None]]:
    """`storefront`: the orders service's StorefrontService (printing.orders_peer), which the
    unattended accept goes through."""

    def storefront_order_paid(event: Event) -> None:
        on_storefront_order_paid(db, event, storefront=storefront)

    return {
        # G3: a paid takeaway or in-store order printed and accepted with nobody at a screen.
        ("orders", "storefront_order_paid"): storefront_order_paid,
    }


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py). The
    accept goes to the orders server with this service's token: without ORDERS_ADDR or
    SERVICE_TOKEN those events could only be requeued, so the worker refuses to start."""
    settings.require("service_token")
    return subscriptions(db, GrpcStorefront(settings.peer("orders"), settings.service_token))
