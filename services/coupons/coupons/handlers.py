"""Event handlers of the coupons service, idempotent through `uow.claim_event`: a redelivered
event changes nothing (H3)."""

from __future__ import annotations

import logging

from coupons.service.points import earn_for_order
from crmkit.db import UnitOfWork, utcnow
from crmkit.events import Event

log = logging.getLogger(__name__)

POINTS_CONSUMER = "coupons.points_on_order_approved"


def on_order_approved(uow: UnitOfWork, event: Event) -> bool:
    """E9: an approved order earns points by the tenant's rule on its total. True when this call
    wrote points, False for a redelivery, a malformed event or a rule that gives none."""
    data = event.data
    try:
        order_id, customer_id, total_fen = str(data["order_id"]), str(data["customer_id"]), int(data["total_fen"])
    except (KeyError, TypeError, ValueError) as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: missing or bad field: %s", event.type, event.event_id, exc)
        return False
    if not (order_id and customer_id and event.tenant_id):
        log.error("ignoring %s %s: order, customer and tenant are required", event.type, event.event_id)
        return False
    with uow:
        if not uow.claim_event(event.event_id, POINTS_CONSUMER):
            return False
        entry = earn_for_order(uow, event.tenant_id, customer_id, order_id, total_fen, by="", now=utcnow())
        uow.commit()
    return entry is not None
