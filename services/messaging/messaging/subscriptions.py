"""Which events the messaging service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crm.customers.v1 import customers_pb2_grpc
from crmkit.alerts import AlertFeed
from crmkit.db import Database
from crmkit.events import Event
from crmkit.grpc_client import ServiceClient
from crmkit.peers import identity as identity_peer
from crmkit.redis_client import make_redis
from crmkit.settings import Settings

from .domain.coupon_notices import COUPON_EVENTS
from .domain.ownership_notifications import OWNERSHIP_EVENTS
from .handlers import (
    on_article_opened,
    on_coupon_event,
    on_customer_registered,
    on_duplicate_collision,
    on_ownership_event,
    on_printer_offline,
    on_storefront_order_paid,
    on_storefront_refund_requested,
)


def subscriptions(
    db: Database, identity_client, *, customers_client, alerts: AlertFeed
) -> dict[tuple[str, str], Callable[[Event], None]]:
    """`identity_client` / `customers_client`: crmkit ServiceClients with the service token
    (store managers from identity; a coupon holder's phone from customers); `alerts`: the
    recipients' real-time alert streams in the shared Redis, which the gateway reads (F4, ADR
    0016). Coupon holders' texts are queued here and sent in batches by the server (ADR 0021)."""

    def customer_registered(event: Event) -> None:
        on_customer_registered(db.uow(), event, identity=identity_client, alerts=alerts)

    def duplicate_collision(event: Event) -> None:
        on_duplicate_collision(db.uow(), event, alerts=alerts)

    def ownership_event(event: Event) -> None:
        on_ownership_event(db.uow(), event, identity=identity_client, alerts=alerts)

    def article_opened(event: Event) -> None:
        on_article_opened(db.uow(), event, alerts=alerts)

    def printer_offline(event: Event) -> None:
        on_printer_offline(db.uow(), event, identity=identity_client, alerts=alerts)

    def storefront_order_paid(event: Event) -> None:
        on_storefront_order_paid(db.uow(), event, identity=identity_client, alerts=alerts)

    def storefront_refund_requested(event: Event) -> None:
        on_storefront_refund_requested(db.uow(), event, identity=identity_client, alerts=alerts)

    def coupon_event(event: Event) -> None:
        on_coupon_event(db, event, customers=customers_client)

    return {
        ("customers", "customer_registered"): customer_registered,
        ("customers", "duplicate_collision"): duplicate_collision,
        # C2 C3: one handler for the ownership events, each claimed under its own consumer name.
        **{("customers", event_type): ownership_event for event_type in OWNERSHIP_EVENTS},
        # E2 E5: the holder of an issued or soon expiring coupon gets a text (queued here).
        **{("coupons", event_type): coupon_event for event_type in COUPON_EVENTS},
        # D2: the salesperson hears at once that a reader opened their shared article.
        ("marketing", "article_opened"): article_opened,
        # G4: a receipt printer is offline; the store's managers hear it before tickets are missed.
        ("printing", "printer_offline"): printer_offline,
        # F4: a storefront order paid or a refund asked for; the owners and the store's managers
        # hear it at once (the /m/ app speaks it).
        ("orders", "storefront_order_paid"): storefront_order_paid,
        ("orders", "storefront_refund_requested"): storefront_refund_requested,
    }


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py).
    IDENTITY_ADDR, CUSTOMERS_ADDR and the service token are required: a missing one stops the
    worker now, not at the first event. The worker calls no SMS provider: it queues coupon
    holders' texts, which the messaging server sends in batches (ADR 0021).
    The alert streams live in the shared Redis (REDIS_URL, required of the worker by its
    declaration; the embedded launcher's in-process stand-in, which its gateway reads too)."""
    settings.require("service_token")
    identity = identity_peer.identity_client(settings.peer("identity"), settings.service_token)
    customers = ServiceClient(
        settings.peer("customers"),
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
        service_token=settings.service_token,
    )
    alerts = AlertFeed(make_redis(settings.redis_url), settings.redis_prefix)
    return subscriptions(db, identity, customers_client=customers, alerts=alerts)
