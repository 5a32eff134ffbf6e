"""Event handlers of the messaging service: plain functions, idempotent on event_id (H3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from crm.common.v1 import common_pb2
from crm.identity.v1 import identity_pb2
from crmkit.db import UnitOfWork, utcnow
from crmkit.events import Event

from .domain.notifications import (
    MalformedEvent,
    customer_registered_notifications,
    duplicate_collision_notifications,
    parse_customer_registered,
    parse_duplicate_collision,
)
from .domain.ownership_notifications import NEEDS_STORE_MANAGERS, ownership_notifications, parse_ownership_event
from .service.notifications import add_notifications

log = logging.getLogger(__name__)

STORE_MANAGER = "store_manager"
LIST_PAGE_SIZE = 100


def store_manager_ids(identity, tenant_id: str, store_id: str) -> list[str]:
    """Active store managers of one store, from identity (all pages), as a service of the tenant."""
    ids: list[str] = []
    page = 1
    while True:
        resp = identity.call(
            "ListStaff",
            identity_pb2.ListStaffRequest(
                role=STORE_MANAGER,
                store_id=store_id,
                page=common_pb2.PageRequest(page=page, page_size=LIST_PAGE_SIZE),
            ),
            as_service=True,
            tenant_id=tenant_id,
        )
        ids.extend(staff.id for staff in resp.staff if staff.active)
        if not resp.staff or page * LIST_PAGE_SIZE >= resp.page.total:
            return ids
        page += 1


def on_customer_registered(uow: UnitOfWork, event: Event, *, identity, now: Callable[[], datetime] = utcnow) -> int:
    """Tell the customer's salesperson and the store's managers (F4). Returns how many
    notifications were written (0 for a redelivery)."""
    try:
        customer = parse_customer_registered(event.data)
    except MalformedEvent as exc:
        # Requeueing cannot fix a malformed event; acknowledge it and leave a trace.
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    # Ask identity before opening the transaction: no transaction waits on the network. A peer
    # failure raises, and the event is redelivered later.
    managers = store_manager_ids(identity, event.tenant_id, customer.store_id) if customer.store_id else []
    drafts = customer_registered_notifications(customer, managers)
    with uow:
        if not uow.claim_event(event.event_id, "messaging.on_customer_registered"):
            return 0
        add_notifications(uow, event.tenant_id, event.event_id, drafts, now=now())
        uow.commit()
    return len(drafts)


def on_ownership_event(uow: UnitOfWork, event: Event, *, identity, now: Callable[[], datetime] = utcnow) -> int:
    """C2/C3: ownership changes and registration applications become notifications to the
    people concerned (domain/ownership_notifications.py). Idempotent per event like the rest."""
    try:
        notice = parse_ownership_event(event.type, event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    if notice is None:
        return 0
    managers = []
    if notice.type in NEEDS_STORE_MANAGERS and notice.store_id:
        managers = store_manager_ids(identity, event.tenant_id, notice.store_id)
    drafts = ownership_notifications(notice, managers)
    with uow:
        if not uow.claim_event(event.event_id, f"messaging.on_{event.type}"):
            return 0
        add_notifications(uow, event.tenant_id, event.event_id, drafts, now=now())
        uow.commit()
    return len(drafts)


def on_duplicate_collision(uow: UnitOfWork, event: Event, *, now: Callable[[], datetime] = utcnow) -> int:
    """Tell both salespeople of a collision (C9). Returns how many notifications were written
    (0 for a redelivery or a malformed event)."""
    try:
        collision = parse_duplicate_collision(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    drafts = duplicate_collision_notifications(collision)
    with uow:
        if not uow.claim_event(event.event_id, "messaging.on_duplicate_collision"):
            return 0
        add_notifications(uow, event.tenant_id, event.event_id, drafts, now=now())
        uow.commit()
    return len(drafts)
