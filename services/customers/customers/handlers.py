"""Event handlers of the customers worker: the orders service's approvals and refunds feed the
buying-behaviour read model of segments (C4), the coupons service's coupon events its
coupon-behaviour read model. Plain functions, idempotent (H3): each claims the event in the same
transaction as its writes, so a redelivery changes nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from crmkit.db import UnitOfWork
from crmkit.events import Event
from customers.domain.segments import Purchase, PurchasedLine
from customers.service import coupon_behaviour as coupons
from customers.service.leads import lead_from_visitor
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


def _apply(uow: UnitOfWork, event: Event, consumer: str, parse, record=record_purchase) -> bool:
    try:
        fact = parse(event)
    except (KeyError, TypeError, ValueError) as exc:  # MalformedEvent is a ValueError
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return False
    if fact is None:
        return False
    with uow:
        if not uow.claim_event(event.event_id, consumer):
            return False
        record(uow.session, event.tenant_id, fact)
        uow.commit()
    return True


def on_order_approved(uow: UnitOfWork, event: Event) -> bool:
    """An approved order is a purchase (the customer owes it from then on). True when this call
    recorded it, False for a redelivery or a malformed event."""
    return _apply(uow, event, "customers.on_order_approved", _order)


def on_return_refunded(uow: UnitOfWork, event: Event) -> bool:
    """A refunded return takes its total off the customer's amount on the refund's day."""
    return _apply(uow, event, "customers.on_return_refunded", _refund)


# --- coupon behaviour (the coupons service's events) -------------------------------------------


def _text(data: dict, name: str, *, required: bool = True, max_length: int = 36) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MalformedEvent(f"{name} is required")
        return ""
    # Longer than its column it would fail the insert on every redelivery.
    if not isinstance(value, str) or len(value) > max_length:
        raise MalformedEvent(f"{name} must be text of at most {max_length} characters")
    return value


def _aware(data: dict, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(_text(data, name))
    except ValueError:
        raise MalformedEvent(f"{name} is not a time") from None
    if at.tzinfo is None:
        raise MalformedEvent(f"{name} must be an aware time")
    return at


def _holder(data: dict) -> str:
    # Coupons claimed by phone alone (no customer yet) and printed coupons have no customer: a
    # segment is over customers, so they are not recorded (None: acknowledged, nothing done).
    return _text(data, "customer_id", required=False)


def _issued(event: Event) -> coupons.CouponIssued | None:
    data = event.data
    customer_id = _holder(data)
    if not customer_id:
        return None
    return coupons.CouponIssued(
        coupon_id=_text(data, "coupon_id"),
        customer_id=customer_id,
        template_id=_text(data, "template_id"),
        # The coupons service does not send the issue time: the event's time is that moment.
        issued_at=_when(data, "issued_at", event),
        valid_until=_aware(data, "valid_until"),
    )


def _redeemed(event: Event) -> coupons.CouponRedeemed | None:
    data = event.data
    customer_id = _holder(data)
    if not customer_id:
        return None
    return coupons.CouponRedeemed(
        coupon_id=_text(data, "coupon_id"),
        customer_id=customer_id,
        template_id=_text(data, "template_id"),
        order_id=_text(data, "order_id", required=False, max_length=64),
        redeemed_at=_when(data, "redeemed_at", event),
    )


def _released(event: Event) -> coupons.CouponReleased:
    data = event.data
    return coupons.CouponReleased(
        coupon_id=_text(data, "coupon_id"),
        order_id=_text(data, "order_id", max_length=64),
        released_at=_when(data, "released_at", event),
    )


def _expiring(event: Event) -> coupons.CouponExpiring | None:
    data = event.data
    customer_id = _holder(data)
    if not customer_id:
        return None
    return coupons.CouponExpiring(
        coupon_id=_text(data, "coupon_id"),
        customer_id=customer_id,
        template_id=_text(data, "template_id"),
        valid_until=_aware(data, "valid_until"),
    )


def on_coupon_issued(uow: UnitOfWork, event: Event) -> bool:
    """A coupon given to a customer. True when this call recorded it; False for a redelivery,
    a coupon without a customer or a malformed event."""
    return _apply(uow, event, "customers.on_coupon_issued", _issued, coupons.record_issued)


def on_coupon_redeemed(uow: UnitOfWork, event: Event) -> bool:
    return _apply(uow, event, "customers.on_coupon_redeemed", _redeemed, coupons.record_redeemed)


def on_coupon_redemption_released(uow: UnitOfWork, event: Event) -> bool:
    """A redemption given back (its order was never placed): the coupon is unused again."""
    return _apply(uow, event, "customers.on_coupon_redemption_released", _released, coupons.record_released)


def on_coupon_expiring(uow: UnitOfWork, event: Event) -> bool:
    return _apply(uow, event, "customers.on_coupon_expiring", _expiring, coupons.record_expiring)


# --- leads from readers (the marketing service's events) ---------------------------------------


def on_visitor_identified(uow: UnitOfWork, event: Event) -> bool:
    """A reader gave a phone on a shared article's page (C7): a lead, once per person."""
    try:
        return lead_from_visitor(uow, event.tenant_id, event.event_id, event.data, now=event.occurred_at)
    except ValueError as exc:
        # Requeueing cannot make a bad phone good; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return False
