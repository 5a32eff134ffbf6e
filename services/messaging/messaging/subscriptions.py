"""Which events the messaging service consumes and the handler each one runs; used by the
nameko worker and by the embedded launcher's in-process bus alike."""

from __future__ import annotations

from collections.abc import Callable

from crmkit.db import Database
from crmkit.events import Event

from .domain.coupon_notices import COUPON_EVENTS
from .domain.ownership_notifications import OWNERSHIP_EVENTS
from .handlers import on_coupon_event, on_customer_registered, on_duplicate_collision, on_ownership_event
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
