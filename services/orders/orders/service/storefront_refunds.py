"""Refunds of storefront orders (B8): the customer asks, the merchant decides, the money goes back
the way it came.

- RequestRefund (the order's customer): orders.domain.storefront decides (kinds the manual does not
  refund, one request at a time, at most what is left); a `requested` refund and
  `storefront_refund_requested` (messaging alerts the store).
- DecideRefund (staff of the order's store): rejected with a reason, or approved for an amount (0:
  what was asked, at most what is left). Approved WeChat money goes to WeChat Pay's refund
  (out_refund_no = the refund's id, so asking again never refunds twice) and waits `approved`
  for WeChat's refund notification (`settle`): REFUND.SUCCESS makes it `refunded`;
  ABNORMAL/CLOSED `failed` (the payer's account could not take it: the merchant settles it by
  hand; the order is left as it is). Stored value is credited back by the coupons service and is
  `refunded` at once. Either way the order's refunded_fen grows when approved, and an order
  refunded in full closes. `storefront_refund_decided` tells what became of it (also when a
  WeChat refund settles or fails).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from orders import events
from orders.domain import storefront
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontOrderRow, StorefrontRefundRow
from orders.payments.port import (
    KIND_REFUND,
    REFUND_ABNORMAL,
    REFUND_CLOSED,
    REFUND_SUCCESS,
    PaymentEvent,
    PaymentRejected,
    PaymentUnavailable,
)
from orders.providers import Payments
from orders.service import storefront_callbacks as callbacks
from orders.service.coupons import StoredValue
from orders.service.storefront_changes import (
    PAYMENT_NOTIFICATION,
    REFUND_APPROVED,
    REFUND_FAILED,
    REFUND_REJECTED,
    REFUND_REQUESTED,
    REFUND_SETTLED,
    log_order_change,
    order_snapshot,
)
from orders.service.storefront_core import event_order, find_order, party_of
from orders.service.storefront_views import storefront_view

log = logging.getLogger(__name__)

REQUESTED = "requested"
APPROVED = "approved"  # sent to WeChat Pay, waiting for its refund notification
REFUNDED = "refunded"
REJECTED = "rejected"
FAILED = "failed"
REASON_MAX = 200


def _reason(value: str) -> str:
    reason = value.strip()
    if not reason:
        raise InvalidInput(ErrorCode.REFUND_INPUT_INVALID, fields={"reason": "validation.required"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(ErrorCode.REFUND_INPUT_INVALID, fields={"reason": "validation.too_long"})
    return reason


def pending(uow: UnitOfWork, row: StorefrontOrderRow) -> StorefrontRefundRow | None:
    return uow.session.scalar(
        select(StorefrontRefundRow).where(
            StorefrontRefundRow.tenant_id == row.tenant_id,
            StorefrontRefundRow.order_id == row.id,
            StorefrontRefundRow.state == REQUESTED,
        )
    )


def money(row: StorefrontOrderRow, waiting: StorefrontRefundRow | None) -> storefront.Refunds:
    return storefront.Refunds(row.paid_fen, row.refunded_fen, waiting.requested_fen if waiting else 0)


def request_refund(uow: UnitOfWork, actor: Actor, order_id: str, amount_fen: int, reason: str, *, now: datetime):
    """The order's customer asks for `amount_fen` back; the order's view."""
    reason = _reason(reason)
    with uow:
        row = find_order(uow, actor, order_id, for_update=True)
        if party_of(actor) != storefront.CUSTOMER:
            raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "request_refund"})
        storefront.check_refund_request(row.kind, row.state, money(row, pending(uow, row)), amount_fen)
        before = order_snapshot(row)
        refund = StorefrontRefundRow(
            tenant_id=row.tenant_id,
            order_id=row.id,
            state=REQUESTED,
            requested_fen=amount_fen,
            reason=reason,
            created_at=now,
        )
        uow.session.add(refund)
        row.updated_at = now
        uow.publish(events.storefront_refund_requested(event_order(uow, row), refund), row.tenant_id)
        # The refund has its id once event_order flushed it.
        after = order_snapshot(row, refund)
        log_order_change(uow.session, actor, row, REFUND_REQUESTED, before=before, after=after, now=now)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def decide_refund(
    uow: UnitOfWork,
    actor: Actor,
    order_id: str,
    refund_id: str,
    *,
    approve: bool,
    amount_fen: int,
    reason: str,
    payments: Payments | None,
    stored_value: StoredValue,
    now: datetime,
):
    """The merchant approves (`amount_fen`, 0: as asked) or rejects (`reason`); the order's view."""
    reject_reason = "" if approve else _reason(reason)
    with uow:
        row = find_order(uow, actor, order_id, for_update=True)
        if party_of(actor) != storefront.MERCHANT:
            raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "decide_refund"})
        refund = uow.session.scalar(
            select(StorefrontRefundRow)
            .where(
                StorefrontRefundRow.tenant_id == row.tenant_id,
                StorefrontRefundRow.order_id == row.id,
                StorefrontRefundRow.id == refund_id,
            )
            .with_for_update()
        )
        if refund is None:
            raise NotFound(ErrorCode.REFUND_NOT_FOUND)
        if refund.state != REQUESTED:
            raise Conflict(ErrorCode.REFUND_NOT_PENDING)
        before = order_snapshot(row, refund)
        refund.decided_by, refund.decided_at = actor.staff_id or "", now
        if approve:
            _approve(row, refund, amount_fen or refund.requested_fen, payments, stored_value, now=now)
        else:
            refund.state, refund.reject_reason = REJECTED, reject_reason
        row.updated_at = now
        uow.publish(events.storefront_refund_decided(event_order(uow, row), refund), row.tenant_id)
        after = order_snapshot(row, refund)
        action = REFUND_APPROVED if approve else REFUND_REJECTED
        log_order_change(uow.session, actor, row, action, before=before, after=after, now=now)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def _approve(
    row: StorefrontOrderRow,
    refund: StorefrontRefundRow,
    amount_fen: int,
    payments: Payments | None,
    stored_value: StoredValue,
    *,
    now: datetime,
) -> None:
    after, in_full = storefront.approved_refund(money(row, refund), amount_fen)
    refund.approved_fen = amount_fen
    row.refunded_fen = after.refunded_fen
    if row.payment_method == callbacks.STORED_VALUE:
        try:
            # Keyed on the refund: approving it again after a lost answer credits once.
            stored_value.credit(
                row.tenant_id, row.customer_id, amount_fen, reference=row.number, key=f"storefront-refund:{refund.id}"
            )
        except Unavailable as exc:
            raise Unavailable(ErrorCode.COUPONS_UNAVAILABLE) from exc
        refund.state, refund.refunded_at = REFUNDED, now
    else:
        if payments is None:
            raise Conflict(ErrorCode.PAYMENT_NOT_CONFIGURED)
        try:
            send_to_wechat(payments, row, refund, reason=refund.reason, now=now)
        except PaymentUnavailable as exc:
            # Nothing is kept: approving again asks WeChat again with the same out_refund_no, which
            # answers the refund it may have made instead of making a second.
            log.warning("WeChat Pay refund %s: %s", refund.id, exc)
            raise Unavailable(ErrorCode.PAYMENT_UNAVAILABLE) from exc
        except PaymentRejected as exc:
            log.warning("WeChat Pay refused refund %s: %s", refund.id, exc)
            raise Conflict(
                ErrorCode.PAYMENT_REJECTED, params={"provider_code": exc.code, "message": exc.message or exc.code}
            ) from exc
    if in_full:
        # Refunded in full: nothing is left to serve (orders.domain.storefront.approved_refund).
        row.state = storefront.CLOSED


def send_to_wechat(
    payments: Payments,
    row: StorefrontOrderRow,
    refund: StorefrontRefundRow,
    *,
    reason: str,
    now: datetime,
) -> None:
    """Ask WeChat Pay to refund `refund.approved_fen` of the order's payment; port errors go up."""
    result = payments.port.refund(
        callbacks.out_no(row.id),
        callbacks.out_no(refund.id),
        refund.approved_fen,
        row.paid_fen,
        reason,
        payments.notify_url,
    )
    refund.provider_refund_id = result.refund_id
    if result.status == REFUND_SUCCESS:  # settled at once (rare): the notification then changes nothing
        refund.state, refund.refunded_at = REFUNDED, now
    else:
        refund.state = APPROVED


def settle(uow: UnitOfWork, event: PaymentEvent, *, now: datetime) -> callbacks.CallbackAnswer:
    """WeChat Pay's refund notification (verified by the port): the refund it names is settled
    once; one we do not know yet is answered not accepted, so WeChat sends it again (the
    approval that asked for it may not be committed yet)."""
    with uow:
        row = callbacks.order_by_id(uow, callbacks.id_of(event.out_trade_no))
        refund_id = callbacks.id_of(event.out_refund_no or "")
        refund = None
        if row is not None and refund_id:
            refund = uow.session.scalar(
                select(StorefrontRefundRow)
                .where(StorefrontRefundRow.order_id == row.id, StorefrontRefundRow.id == refund_id)
                .with_for_update()
            )
        if row is None or refund is None:
            log.warning("WeChat Pay refund notification %s for unknown refund %s", event.event_id, event.out_refund_no)
            return callbacks.CallbackAnswer(False, "unknown refund")
        if callbacks.seen(uow, event.event_id):
            return callbacks.CallbackAnswer(True, "already handled")
        if event.refund_fen != refund.approved_fen:
            log.error(
                "WeChat Pay refund notification %s: refund %s approved %s fen, notification %s fen: refused",
                event.event_id,
                refund.id,
                refund.approved_fen,
                event.refund_fen,
            )
            raise Conflict(ErrorCode.PAYMENT_AMOUNT_MISMATCH)
        outcome = "ignored"
        before = order_snapshot(row, refund)
        if refund.state == APPROVED and event.refund_status == REFUND_SUCCESS:
            refund.state, refund.refunded_at, outcome = REFUNDED, now, REFUNDED
        elif refund.state == APPROVED and event.refund_status in (REFUND_ABNORMAL, REFUND_CLOSED):
            log.error(
                "WeChat Pay refund %s of order %s %s: the merchant must settle it", refund.id, row.id, event.event_type
            )
            refund.state, outcome = FAILED, FAILED
        if outcome != "ignored":
            row.updated_at = now
            uow.publish(events.storefront_refund_decided(event_order(uow, row), refund), row.tenant_id)
            action = REFUND_SETTLED if outcome == REFUNDED else REFUND_FAILED
            after = order_snapshot(row, refund)
            log_order_change(uow.session, PAYMENT_NOTIFICATION, row, action, before=before, after=after, now=now)
        callbacks.record(uow, row, event.event_id, KIND_REFUND, event.event_type, outcome)
        uow.commit()
        return callbacks.CallbackAnswer(True, outcome)
