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
from crmkit.auth import SERVICE, Actor
from crmkit.db import Database, UnitOfWork, utcnow
from crmkit.errors import Conflict, InvalidInput, NotFound
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
from .errors import ErrorCode
from .metrics import HOLDER_NOTIFICATIONS
from .models import ProcessedEvent
from .service.alerts import announce
from .service.notifications import add_notifications
from .service.sms import SendSms, send_sms
from .sms.port import SmsSender, is_mainland_mobile

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


# Outcomes of a coupon holder notification (the metric's `outcome` label, the handler's answer).
SENT = "sent"
REPLAYED = "replayed"
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
    sms_sender: SmsSender,
    customers,
    now: Callable[[], datetime] = utcnow,
) -> str:
    """E2 E5: text the holder of a coupon when it is issued (`coupon_issued`) and when its
    reminder is due (`coupon_expiring`). Returns the outcome (see the constants above).

    Not one transaction, on purpose, like SendSms itself: the provider call must not hold a
    transaction open. The text is idempotent on `<kind>:<coupon id>` (the sms_messages row), so
    a redelivery that arrives before the event is claimed replays the first answer and texts
    nobody twice; the event is claimed after the send, so a failure before it (customers or the
    provider unavailable) raises and the event is redelivered. A refusal is recorded by
    send_sms and acknowledged here: sending the same text again would be refused again."""
    consumer = f"messaging.on_{event.type}"
    try:
        notice = parse_coupon_event(event.type, event.data)
    except MalformedEvent as exc:
        log.error("ignoring %s %s: %s", event.type, event.event_id, exc)
        HOLDER_NOTIFICATIONS.labels(event.type, MALFORMED).inc()
        return MALFORMED
    if _handled(db, event.event_id, consumer):
        HOLDER_NOTIFICATIONS.labels(notice.kind, DUPLICATE).inc()
        return DUPLICATE
    # Sends by staff and segments carry the customer's phone; gifts issued without one
    # (recharge gifts, member gifts by a service) carry only the customer id.
    phone = notice.phone
    if not phone and notice.customer_id:
        phone = holder_phone(customers, event.tenant_id, notice.customer_id)
    if not phone or not is_mainland_mobile(phone):
        log.info(
            "coupon %s (%s): holder %s has no mainland mobile number; not texted",
            notice.coupon_id,
            notice.kind,
            notice.customer_id or "-",
        )
        outcome = NO_PHONE
    else:
        outcome = _text(db, event.tenant_id, notice, phone, sms_sender, now)
    with db.uow() as uow:
        if uow.claim_event(event.event_id, consumer):
            uow.commit()
        elif outcome != SENT:
            # A concurrent delivery of the same event finished first. (If this one made the
            # provider call, it still reports the text it sent; the other one replayed it.)
            outcome = DUPLICATE
    HOLDER_NOTIFICATIONS.labels(notice.kind, outcome).inc()
    return outcome


def _text(db: Database, tenant_id: str, notice, phone: str, sms_sender: SmsSender, now) -> str:
    # The coupons service asked for this text through its event; messaging sends it as a service
    # of the coupon's tenant, exactly as a SendSms call from another service would.
    actor = Actor(kind=SERVICE, subject_id="messaging", tenant_id=tenant_id)
    cmd = SendSms(phone=phone, template=notice.kind, params=sms_params(notice), idempotency_key=idempotency_key(notice))
    try:
        result = send_sms(db, actor, cmd, sender=sms_sender, now=now)
    except Conflict as exc:
        if exc.code == ErrorCode.SMS_SEND_IN_PROGRESS:
            # Another delivery of this event is talking to the provider: try again later, when
            # its outcome is stored and replays.
            raise
        # SMS_REJECTED (provider refused; the refusal is stored) or IDEMPOTENCY_KEY_REUSED (this
        # coupon was already texted to another number): neither changes on a retry.
        log.warning("coupon %s (%s): text refused: %s %s", notice.coupon_id, notice.kind, exc.code, exc.params)
        return REJECTED
    except InvalidInput as exc:
        log.error("coupon %s (%s): text invalid: %s", notice.coupon_id, notice.kind, exc.fields)
        return REJECTED
    # Unavailable (the provider is down) propagates: the event is redelivered and sent then.
    return REPLAYED if result.replayed else SENT
