"""Event handlers of the coupons service, idempotent through `uow.claim_event`: a redelivered
event changes nothing (H3)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from coupons import events
from coupons.models import RechargeGiftOutcomeRow
from coupons.orders_peer import GiftStock
from coupons.service import batches, recharge_gifts
from coupons.service.points import earn_for_order
from crmkit.db import Database, UnitOfWork, utcnow
from crmkit.errors import Conflict, DomainError, NotFound, Unavailable
from crmkit.events import Event

log = logging.getLogger(__name__)

POINTS_CONSUMER = "coupons.points_on_order_approved"
GIFT_PRODUCTS_CONSUMER = "coupons.gift_products_on_recharge"


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


def _refusal_reasons(err: DomainError, product_ids: list[str]) -> dict[str, str]:
    """Which product orders refused and why; the rest of the instalment is refused with it
    (orders hands out all or none)."""
    named = str(err.params.get("product_id") or err.params.get("id") or "")
    if isinstance(err, Conflict) and err.code == "INSUFFICIENT_STOCK":
        reason = recharge_gifts.INSUFFICIENT_STOCK
    elif isinstance(err, NotFound) and err.code == "PRODUCT_NOT_FOUND":
        reason = recharge_gifts.PRODUCT_NOT_FOUND
    else:
        return dict.fromkeys(product_ids, recharge_gifts.ORDERS_REFUSED)
    return {pid: reason if pid == named else recharge_gifts.OTHER_GIFT_REFUSED for pid in product_ids}


def on_recharge_gift_products(uow: UnitOfWork, event: Event, gift_stock: GiftStock) -> bool:
    """E7: a released instalment's gift products leave the recharge store's shelf through the
    orders service (HandOutGiftStock, once per recharge and instalment however often asked), and
    the outcome is recorded on the recharge for staff. Orders unreachable: raise, so the event is
    requeued and retried. Orders refusing (a product gone, stock short): recorded as refused, with
    the reason, and acknowledged; staff hand over something else and see why. True when this call
    recorded an outcome."""
    data = event.data
    try:
        recharge_id, instalment, store_id = str(data["recharge_id"]), int(data["instalment"]), str(data["store_id"])
        lines = [(str(p["product_id"]), int(p["quantity"])) for p in data["products"]]
    except (KeyError, TypeError, ValueError) as exc:
        log.error("ignoring %s %s: missing or bad field: %s", event.type, event.event_id, exc)
        return False
    if not (recharge_id and store_id and lines and event.tenant_id):
        log.error("ignoring %s %s: recharge, store, products and tenant are required", event.type, event.event_id)
        return False
    with uow:
        pending = uow.session.scalar(
            select(func.count())
            .select_from(RechargeGiftOutcomeRow)
            .where(
                RechargeGiftOutcomeRow.tenant_id == event.tenant_id,
                RechargeGiftOutcomeRow.recharge_id == recharge_id,
                RechargeGiftOutcomeRow.instalment == instalment,
                RechargeGiftOutcomeRow.kind == recharge_gifts.GIFT_PRODUCT,
                RechargeGiftOutcomeRow.status == recharge_gifts.PENDING,
            )
        )
    if not pending:
        return False  # already recorded (a redelivery)
    key = recharge_gifts.gift_products_idempotency_key(recharge_id, instalment)
    # Outside any transaction: a slow orders call must not hold a database connection or lock.
    try:
        gift_stock.hand_out(event.tenant_id, key, store_id, lines)
        status, reasons = recharge_gifts.HANDED_OUT, {}
    except Unavailable:
        raise
    except DomainError as err:
        log.warning("orders refused gift products of recharge %s/%s: %s", recharge_id, instalment, err.code)
        status, reasons = recharge_gifts.REFUSED, _refusal_reasons(err, [p for p, _ in lines])
    with uow:
        if not uow.claim_event(event.event_id, GIFT_PRODUCTS_CONSUMER):
            return False
        changed = recharge_gifts.record_product_gifts(
            uow, event.tenant_id, recharge_id, instalment, status, reasons, now=utcnow()
        )
        if status == recharge_gifts.REFUSED and changed:
            refused = events.recharge_gift_products_refused(recharge_id, instalment, store_id, reasons)
            uow.publish(refused, event.tenant_id)
        uow.commit()
    return changed > 0


def on_coupon_batch_requested(db: Database, event: Event, *, now: datetime) -> bool:
    """E3: write a requested batch's codes (ADR 0009). Idempotent by the batch's own state: a
    redelivery after a crash goes on from the codes already written. True when this call
    finished the batch."""
    batch_id = event.data.get("batch_id")
    if not batch_id or not event.tenant_id:
        log.error("ignoring %s %s: batch and tenant are required", event.type, event.event_id)
        return False
    try:
        return batches.fill_batch(db, event.tenant_id, str(batch_id), now=now)
    except NotFound:
        log.error("ignoring %s %s: no such batch", event.type, event.event_id)
        return False
