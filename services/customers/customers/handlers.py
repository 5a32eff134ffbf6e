"""Event handlers of the customers worker: the orders service's approvals and refunds feed the
buying-behaviour read model of segments (C4). Plain functions, idempotent (H3): each claims the
event in the same transaction as its writes, so a redelivery changes nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from crmkit.db import UnitOfWork
from crmkit.events import Event
from customers.domain.segments import Purchase, PurchasedLine
from customers.service.purchases import record_purchase

log = logging.getLogger(__name__)


class MalformedEvent(ValueError):
    pass


def _when(data: dict, name: str, event: Event) -> datetime:
    """The business time in the payload (the orders service's injected clock); the envelope's
    occurred_at when an older publisher did not send it."""
    raw = data.get(name)
    at = datetime.fromisoformat(raw) if raw else event.occurred_at
    if at.tzinfo is None:
        raise MalformedEvent(f"{name} must be an aware time")
    return at


def _order(event: Event) -> Purchase:
    data = event.data
    try:
        lines = tuple(
            PurchasedLine(
                product_id=str(line["product_id"]),
                brand=str(line.get("brand") or ""),
                quantity=int(line["quantity"]),
                amount_fen=int(line["amount_fen"]),
            )
            for line in data.get("lines") or ()
        )
        purchase = Purchase(
            customer_id=str(data["customer_id"]),
            at=_when(data, "approved_at", event),
            order_count=1,
            amount_fen=int(data["total_fen"]),
            lines=lines,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(f"missing or bad field: {exc}") from None
    if not purchase.customer_id:
        raise MalformedEvent("customer_id is required")
    return purchase


def _refund(event: Event) -> Purchase:
    data = event.data
    try:
        purchase = Purchase(
            customer_id=str(data["customer_id"]),
            at=_when(data, "refunded_at", event),
            order_count=0,
            # The money given back (debt reduced or paid back) comes off the day of the refund.
            amount_fen=-int(data["total_fen"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(f"missing or bad field: {exc}") from None
    if not purchase.customer_id:
        raise MalformedEvent("customer_id is required")
    return purchase


def _apply(uow: UnitOfWork, event: Event, consumer: str, parse) -> bool:
    try:
        purchase = parse(event)
    except MalformedEvent as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return False
    with uow:
        if not uow.claim_event(event.event_id, consumer):
            return False
        record_purchase(uow.session, event.tenant_id, purchase)
        uow.commit()
    return True


def on_order_approved(uow: UnitOfWork, event: Event) -> bool:
    """An approved order is a purchase (the customer owes it from then on). True when this call
    recorded it, False for a redelivery or a malformed event."""
    return _apply(uow, event, "customers.on_order_approved", _order)


def on_return_refunded(uow: UnitOfWork, event: Event) -> bool:
    """A refunded return takes its total off the customer's amount on the refund's day."""
    return _apply(uow, event, "customers.on_return_refunded", _refund)
