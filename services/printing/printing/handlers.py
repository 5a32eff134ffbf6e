"""Event handlers of the printing service: plain functions, idempotent on event_id (H3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import SERVICE, Actor
from crmkit.db import Database, utcnow
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.events import Event

from .domain.order_events import MalformedOrder, PaidOrder, parse_paid_order
from .metrics import AUTO_STEPS
from .models import ProcessedEvent
from .orders_peer import Storefront
from .service.printers import settings_of
from .service.tickets import print_ticket

log = logging.getLogger(__name__)

CONSUMER = "printing.on_storefront_order_paid"

# Outcomes of each step (the metric's `outcome` label, the handler's answer).
QUEUED, REPLAYED, INVALID = "queued", "replayed", "invalid"
ACCEPTED, ALREADY, REFUSED = "accepted", "already", "refused"
OFF = "off"
SKIPPED = ""  # not this order's step (a kind the store does not run unattended)


@dataclass(frozen=True)
class Unattended:
    """What the handler did: `handled` is False for a redelivered or malformed event."""

    handled: bool
    printed: str = SKIPPED
    accepted: str = SKIPPED


def _handled(db: Database, event_id: str) -> bool:
    with db.reader() as uow:
        found = select(ProcessedEvent.event_id).where(
            ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == CONSUMER
        )
        return uow.session.scalar(found) is not None


def on_storefront_order_paid(
    db: Database, event: Event, *, storefront: Storefront, now: Callable[[], datetime] = utcnow
) -> Unattended:
    """G3: a takeaway or in-store order was paid; with nobody at a screen the store's settings
    decide: `auto_print` queues its ticket (receipt and preparation slips, G5), `auto_accept`
    accepts (takeaway) or confirms (in-store) it in the orders service as the system party.

    The ticket first: the kitchen starts as soon as it can. Not one transaction, on purpose: the
    call to orders must not hold one open. Each step is idempotent by itself (an order's ticket is
    queued once, its jobs answered again; a second accept finds the order past `paid`), and the
    event is claimed last, so a failure in between (orders or the database down) raises, the event
    comes back, and only what was not done yet is done."""
    try:
        order = parse_paid_order(event.data)
    except MalformedOrder as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return Unattended(False)
    if not order.unattended or _handled(db, event.event_id):
        return Unattended(False)
    with db.reader() as uow:
        settings = settings_of(uow, event.tenant_id, order.store_id)
    printed = _print(db, event, order, now()) if settings.auto_print else OFF
    accepted = _accept(storefront, event.tenant_id, order) if settings.auto_accept else OFF
    with db.uow() as uow:
        if uow.claim_event(event.event_id, CONSUMER):
            uow.commit()
    AUTO_STEPS.labels("print", printed).inc()
    AUTO_STEPS.labels("accept", accepted).inc()
    return Unattended(True, printed, accepted)


def _print(db: Database, event: Event, order: PaidOrder, now: datetime) -> str:
    # printing prints for the order's tenant as a service of it, like PrintTicket called by one.
    actor = Actor(kind=SERVICE, subject_id="printing", tenant_id=event.tenant_id)
    try:
        done = print_ticket(db, actor, order.ticket, now=now)
    except InvalidInput as exc:
        # What the orders service sent cannot be printed as it is; printing it again would fail
        # again. The order is still accepted below, and the merchant sees it on the workbench.
        log.error("order %s (%s): ticket not printed: %s", order.order_id, event.event_id, exc.fields)
        return INVALID
    return REPLAYED if done.replayed else QUEUED


def _accept(storefront: Storefront, tenant_id: str, order: PaidOrder) -> str:
    try:
        storefront.take_action(tenant_id, order.order_id, order.accept_action)
    except Conflict as exc:
        # The merchant accepted it first (or it is no longer paid): nothing left to do.
        log.info("order %s: not auto-%sed, it is past paid (%s)", order.order_id, order.accept_action, exc.code)
        return ALREADY
    except (NotFound, PermissionDenied, InvalidInput) as exc:
        # The same answer would come back on every retry; the merchant accepts it by hand.
        log.error("order %s: orders refused the auto-%s: %s", order.order_id, order.accept_action, exc)
        return REFUSED
    # Unavailable (orders down, a deadline) propagates: the event is redelivered and tried again.
    return ACCEPTED
