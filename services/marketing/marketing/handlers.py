"""Event handlers of the marketing worker: the customers service's events say which readers
became customers (C10). Plain functions, idempotent (H3): each claims the event in the same
transaction as its writes, so a redelivery changes nothing."""

from __future__ import annotations

import logging

from crmkit.db import UnitOfWork
from crmkit.events import Event

from .service.conversions import BecameCustomer, mark_customer

log = logging.getLogger(__name__)


class MalformedEvent(ValueError):
    pass


def _text(data: dict, name: str, max_length: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    # Longer than its column, it could never match a visitor (and a bad type is no person).
    if not isinstance(value, str) or len(value) > max_length:
        raise MalformedEvent(f"{name} must be text of at most {max_length} characters")
    return value.strip()


def _became_customer(event: Event) -> BecameCustomer:
    data = event.data
    fact = BecameCustomer(
        customer_id=_text(data, "customer_id", 36),
        phone=_text(data, "phone", 20),
        union_id=_text(data, "union_id", 64),
        at=event.occurred_at,
    )
    if not fact.customer_id:
        raise MalformedEvent("customer_id is required")
    return fact


def _apply(uow: UnitOfWork, event: Event, consumer: str) -> int:
    try:
        fact = _became_customer(event)
    except MalformedEvent as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    return mark_customer(uow, event.tenant_id, event.event_id, consumer, fact) or 0


def on_lead_converted(uow: UnitOfWork, event: Event) -> int:
    """A lead became a customer (置为客户, C7): the readers with its phone or unionID are that
    customer now. How many visitors this call marked (0 for a redelivery)."""
    return _apply(uow, event, "marketing.on_lead_converted")


def on_customer_registered(uow: UnitOfWork, event: Event) -> int:
    """A customer registered directly (on the spot, by QR, imported): the readers who gave that
    phone are that customer now."""
    return _apply(uow, event, "marketing.on_customer_registered")
