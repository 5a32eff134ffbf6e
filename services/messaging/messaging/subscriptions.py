"""Which events the messaging service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from crm.customers.v1 import customers_pb2_grpc
from crm.identity.v1 import identity_pb2_grpc
from crmkit.db import Database
from crmkit.events import Event
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings

from .domain.coupon_notices import COUPON_EVENTS
from .domain.ownership_notifications import OWNERSHIP_EVENTS
from .handlers import on_coupon_event, on_customer_registered, on_duplicate_collision, on_ownership_event
from .sms.aliyun import sender_from_env
from .sms.port import SmsSender


def subscriptions(
    db: Database, identity_client, *, sms_sender: SmsSender, customers_client
) -> dict[tuple[str, str], Callable[[Event], None]]:
    """`identity_client` / `customers_client`: crmkit ServiceClients with the service token
    (store managers from identity; a coupon holder's phone from customers); `sms_sender`: the
    same SMS port the server's SendSms uses."""

    def customer_registered(event: Event) -> None:
        on_customer_registered(db.uow(), event, identity=identity_client)

    def duplicate_collision(event: Event) -> None:
        on_duplicate_collision(db.uow(), event)

    def ownership_event(event: Event) -> None:
        on_ownership_event(db.uow(), event, identity=identity_client)

    def coupon_event(event: Event) -> None:
        on_coupon_event(db, event, sms_sender=sms_sender, customers=customers_client)

    return {
        ("customers", "customer_registered"): customer_registered,
        ("customers", "duplicate_collision"): duplicate_collision,
        # C2 C3: one handler for the ownership events, each claimed under its own consumer name.
        **{("customers", event_type): ownership_event for event_type in OWNERSHIP_EVENTS},
        # E2 E5: the holder of an issued or soon expiring coupon gets a text.
        **{("coupons", event_type): coupon_event for event_type in COUPON_EVENTS},
    }


def wire(settings: Settings, environ: Mapping[str, str], db: Database):
    """The handlers with their ports: the worker's and the embedded bus's (declaration.py).
    IDENTITY_ADDR, CUSTOMERS_ADDR, the service token and the SMS settings (the same adapter as the
    server's SendSms) are required: a missing one stops the worker now, not at the first event."""
    settings.require("service_token")
    identity = ServiceClient(
        settings.peer("identity"),
        identity_pb2_grpc.IdentityServiceStub,
        "crm.identity.v1.IdentityService",
        service_token=settings.service_token,
    )
    customers = ServiceClient(
        settings.peer("customers"),
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
        service_token=settings.service_token,
    )
    return subscriptions(db, identity, sms_sender=sender_from_env(environ), customers_client=customers)
