"""Event handlers of the messaging service: plain functions, idempotent on event_id (H3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2
from crm.identity.v1 import identity_pb2
from crmkit.alerts import AlertFeed
from crmkit.db import Database, UnitOfWork, utcnow
from crmkit.errors import NotFound
from crmkit.events import Event

from .domain.article_notifications import article_opened_notification, parse_article_opened
from .domain.coupon_notices import idempotency_key, parse_coupon_event, sms_params
from .domain.notifications import (
    MalformedEvent,
    NotificationDraft,
    customer_registered_notifications,
    duplicate_collision_notifications,
    parse_customer_registered,
    parse_duplicate_collision,
)
from .domain.ownership_notifications import NEEDS_STORE_MANAGERS, ownership_notifications, parse_ownership_event
from .domain.printer_notifications import parse_printer_offline, printer_offline_notifications
from .domain.storefront_notifications import (
    order_paid_notifications,
    parse_order_paid,
    parse_refund_requested,
    refund_requested_notifications,
)
from .metrics import HOLDER_NOTIFICATIONS
from .models import ProcessedEvent
from .service.alerts import announce
from .service.notifications import add_notifications
from .service.sms_batches import Queued, queue_sms
from .sms.port import is_mainland_mobile

log = logging.getLogger(__name__)

OWNER = "owner"
STORE_MANAGER = "store_manager"
LIST_PAGE_SIZE = 100


def staff_ids(identity, tenant_id: str, role: str, store_id: str = "") -> list[str]:
    """Active staff of one role (of one store, when named), from identity (all pages), as a
    service of the tenant."""
    ids: list[str] = []
    page = 1
    while True:
        resp = identity.call(
            "ListStaff",
            identity_pb2.ListStaffRequest(
                role=role,
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


def store_manager_ids(identity, tenant_id: str, store_id: str) -> list[str]:
    """Active store managers of one store."""
    return staff_ids(identity, tenant_id, STORE_MANAGER, store_id)


def _notify(
    uow: UnitOfWork,
    event: Event,
    consumer: str,
    drafts: list[NotificationDraft],
    *,
    alerts: AlertFeed,
    now: Callable[[], datetime],
) -> int:
    """Claim the event and store its notifications in one transaction, then announce them to the
    recipients' open apps (service/alerts.py). Returns how many were stored: 0 for a redelivery,
    which announces nothing either."""
    with uow:
        if not uow.claim_event(event.event_id, consumer):
            return 0
        announced = add_notifications(uow, event.tenant_id, event.event_id, drafts, now=now())
        uow.commit()
    announce(alerts, announced)
    return len(drafts)


def on_customer_registered(
    uow: UnitOfWork, event: Event, *, identity, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
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
    return _notify(uow, event, "messaging.on_customer_registered", drafts, alerts=alerts, now=now)


def on_ownership_event(
    uow: UnitOfWork, event: Event, *, identity, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
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
    return _notify(uow, event, f"messaging.on_{event.type}", drafts, alerts=alerts, now=now)


def on_duplicate_collision(
    uow: UnitOfWork, event: Event, *, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
    """Tell both salespeople of a collision (C9). Returns how many notifications were written
    (0 for a redelivery or a malformed event)."""
    try:
        collision = parse_duplicate_collision(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    drafts = duplicate_collision_notifications(collision)
    return _notify(uow, event, "messaging.on_duplicate_collision", drafts, alerts=alerts, now=now)


def on_article_opened(uow: UnitOfWork, event: Event, *, alerts: AlertFeed, now: Callable[[], datetime] = utcnow) -> int:
    """D2 F4: the salesperson whose share a reader opened is told at once, in the inbox and in
    their open apps. Returns how many notifications were written (0 for a redelivery or a
    malformed event)."""
    try:
        opened = parse_article_opened(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    drafts = [article_opened_notification(opened)]
    return _notify(uow, event, "messaging.on_article_opened", drafts, alerts=alerts, now=now)


def on_printer_offline(
    uow: UnitOfWork, event: Event, *, identity, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
    """G4 F4: a receipt printer failed its store's number of times in a row; the store's managers
    are told (tickets wait in its queue). Returns how many notifications were written (0 for a
    redelivery or a malformed event)."""
    try:
        offline = parse_printer_offline(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    managers = store_manager_ids(identity, event.tenant_id, offline.store_id)
    drafts = printer_offline_notifications(offline, managers)
    return _notify(uow, event, "messaging.on_printer_offline", drafts, alerts=alerts, now=now)


def on_storefront_order_paid(
    uow: UnitOfWork, event: Event, *, identity, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
    """F4: a storefront order was paid; the tenant's owners and the store's managers hear it at
    once (the /m/ app speaks it). Returns how many notifications were written (0 for a
    redelivery or a malformed event)."""
    try:
        order = parse_order_paid(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    # Asked before the transaction opens; a peer failure raises and the event comes back.
    owners = staff_ids(identity, event.tenant_id, OWNER)
    drafts = order_paid_notifications(order, owners, store_manager_ids(identity, event.tenant_id, order.store_id))
    return _notify(uow, event, "messaging.on_storefront_order_paid", drafts, alerts=alerts, now=now)


def on_storefront_refund_requested(
    uow: UnitOfWork, event: Event, *, identity, alerts: AlertFeed, now: Callable[[], datetime] = utcnow
) -> int:
    """F4 B8: a customer asked for a refund of a storefront order; the tenant's owners and the
    store's managers hear it at once, to approve or reject it. Returns how many notifications
    were written (0 for a redelivery or a malformed event)."""
    try:
        refund = parse_refund_requested(event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        return 0
    owners = staff_ids(identity, event.tenant_id, OWNER)
    managers = store_manager_ids(identity, event.tenant_id, refund.order.store_id)
    drafts = refund_requested_notifications(refund, owners, managers)
    return _notify(uow, event, "messaging.on_storefront_refund_requested", drafts, alerts=alerts, now=now)


# Outcomes of a coupon holder notification (the metric's `outcome` label, the handler's answer):
# the handler queues the text (or says why not); the batch sender counts sent and rejected.
QUEUED = "queued"
SENT = "sent"
NO_PHONE = "no_phone"
REJECTED = "rejected"
MALFORMED = "malformed"
DUPLICATE = "duplicate"


def holder_phone(customers, tenant_id: str, customer_id: str) -> str:
    """The customer's phone from the customers service, asked as a service of the tenant; ""
    when the customer has none or no longer exists. Any other failure raises (redelivery)."""
    try:
        customer = customers.call(
            "GetCustomer", customers_pb2.GetCustomerRequest(id=customer_id), as_service=True, tenant_id=tenant_id
        )
    except NotFound:
        return ""
    return customer.phone.strip()


def _handled(db: Database, event_id: str, consumer: str) -> bool:
    with db.uow() as uow:
        return (
            uow.session.scalar(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer
                )
            )
            is not None
        )


def on_coupon_event(
    db: Database,
    event: Event,
    *,
    customers,
    now: Callable[[], datetime] = utcnow,
) -> str:
    """E2 E5: queue the text to the holder of a coupon when it is issued (`coupon_issued`) and
    when its reminder is due (`coupon_expiring`); the batch sender beside the messaging server
    sends the queue in batches (service/sms_batches.py, ADR 0021). Returns the outcome.

    One transaction: the event's processed mark and the queued text, whose row is unique on
    `<kind>:<coupon id>`, so a redelivered event queues nothing twice. A customers outage raises
    before it (the event is redelivered); a holder without a mainland mobile is acknowledged."""
    consumer = f"messaging.on_{event.type}"
    try:
        notice = parse_coupon_event(event.type, event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        HOLDER_NOTIFICATIONS.labels(event.type, MALFORMED).inc()
        return MALFORMED
    # Sends by staff and segments carry the customer's phone; gifts issued without one
    # (recharge gifts, member gifts by a service) carry only the customer id.
    phone = notice.phone
    if not phone and notice.customer_id:
        # A redelivery must not ask customers again; with a phone at hand, the transaction
        # below tells a redelivery apart by itself.
        if _handled(db, event.event_id, consumer):
            HOLDER_NOTIFICATIONS.labels(notice.kind, DUPLICATE).inc()
            return DUPLICATE
        phone = holder_phone(customers, event.tenant_id, notice.customer_id)
    outcome = QUEUED
    if not phone or not is_mainland_mobile(phone):
        log.info(
            "coupon %s (%s): holder %s has no mainland mobile number; not texted",
            notice.coupon_id,
            notice.kind,
            notice.customer_id or "-",
        )
        outcome = NO_PHONE
    with db.uow() as uow:
        if not uow.claim_event(event.event_id, consumer):
            # A concurrent delivery of the same event finished first.
            HOLDER_NOTIFICATIONS.labels(notice.kind, DUPLICATE).inc()
            return DUPLICATE
        if outcome == QUEUED:
            text = Queued(event.tenant_id, phone, notice.kind, sms_params(notice), idempotency_key(notice))
            if not queue_sms(uow.session, text, now=now()):
                outcome = DUPLICATE
        uow.commit()
    HOLDER_NOTIFICATIONS.labels(notice.kind, outcome).inc()
    return outcome
