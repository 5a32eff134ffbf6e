"""Event handlers of the orders worker: the service consumes its own approvals to keep the
monthly sales ranking in Redis (ADR 0003, decision 5). Plain functions, idempotent (H3)."""

from __future__ import annotations

import logging
from datetime import datetime

from crmkit.db import UnitOfWork
from crmkit.events import Event
from orders.domain.performance import ORDER, RETURN, month_of
from orders.service.ranking import Ranking

log = logging.getLogger(__name__)


class MalformedEvent(ValueError):
    pass


def _parse(event: Event, kind: str) -> tuple[str, str, str, int]:
    """(document, salesperson, month, signed amount) from an approval event."""
    data = event.data
    try:
        document_id = data["order_id" if kind == ORDER else "return_id"]
        staff_id = data["salesperson_id"]
        total = int(data["total_fen"])
        approved_at = datetime.fromisoformat(data["approved_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(f"missing or bad field: {exc}") from None
    if not document_id or not staff_id or approved_at.tzinfo is None:
        raise MalformedEvent("document, salesperson and an aware approved_at are required")
    amount = total if kind == ORDER else -total
    return f"{kind}:{document_id}", staff_id, month_of(approved_at), amount


def _count(uow: UnitOfWork, event: Event, kind: str, consumer: str, ranking: Ranking) -> bool:
    try:
        document, staff_id, month, amount = _parse(event, kind)
    except MalformedEvent as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return False
    with uow:
        if not uow.claim_event(event.event_id, consumer):
            return False
        # Redis first, then the claim commits: a crash between the two redelivers the event,
        # and the ranking's own document set makes the second add a no-op. A missing key is
        # rebuilt from the database, which already holds this approval, so it is not added twice.
        counted = ranking.add(event.tenant_id, month, document, staff_id, amount)
        uow.commit()
    return counted


def on_order_approved(uow: UnitOfWork, event: Event, *, redis, keys, db) -> bool:
    """Add an approved order's total to its salesperson's month. True when this call counted it
    (False: a redelivery, or already in the set because a rebuild read it from the database)."""
    return _count(uow, event, ORDER, "orders.on_order_approved", Ranking(db, redis, keys))


def on_return_approved(uow: UnitOfWork, event: Event, *, redis, keys, db) -> bool:
    """Take an approved return's total off its salesperson's month."""
    return _count(uow, event, RETURN, "orders.on_return_approved", Ranking(db, redis, keys))
