"""Paying a storefront order (B6): WeChat Pay (JSAPI) or the customer's stored value.

WeChat: StartPayment asks WeChat Pay for a prepay and answers the parameters the customer's
wx.requestPayment takes; the order is paid only when WeChat Pay's signed notification says so
(HandlePaymentNotification), or when the closing loop asks WeChat Pay about an order whose
notification never came (storefront_closing). Each notification is acted on once: by WeChat's
own event id (storefront_payment_events, unique) and by the order's state (a payment for an order
already paid changes nothing). A payment that arrives for an order closed meanwhile is recorded
and refunded in full at once: the order stays closed and the money goes back.

Stored value: the coupons service debits the balance (idempotent on the order) and the order is
paid in the same request. If that request's commit fails after the debit, the customer's retry
finds the same debit and pays; if no retry comes, the closing loop gives the debit back when it
closes the order (give_back_unrecorded_debit).

Paid, a reservation or in-store order gets its one-time verification code (B7); a top-up is
credited through the coupons service's recharge rules (E7) and is done; if coupons cannot be
reached it stays paid and the closing loop credits it later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from crmkit.auth import Actor
from crmkit.changelog import Author
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import Conflict, DomainError, InvalidInput, PermissionDenied, Unavailable
from crmkit.onetime_codes import new_code
from orders import events
from orders.domain import storefront
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontOrderRow, StorefrontRefundRow
from orders.payments.port import (
    KIND_REFUND,
    KIND_TRANSACTION,
    TRADE_SUCCESS,
    NotificationRejected,
    PaymentRejected,
    PaymentUnavailable,
)
from orders.providers import Payments
from orders.service import storefront_callbacks as callbacks
from orders.service import storefront_changes, storefront_refunds
from orders.service.coupons import StoredValue
from orders.service.storefront_core import event_order, find_order, party_of, take_step, take_steps
from orders.service.storefront_views import storefront_view

log = logging.getLogger(__name__)

WECHAT = callbacks.WECHAT
STORED_VALUE = callbacks.STORED_VALUE
METHODS = (WECHAT, STORED_VALUE)
# Kinds whose customer shows a one-time code (B7) to be served.
WITH_CODE = (storefront.RESERVATION, storefront.IN_STORE)
# The coupons service's code for a balance that is short (coupons.errors.ErrorCode).
COUPONS_INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"

# What a notification did (storefront_payment_events.outcome).
OUTCOME_PAID = "paid"
OUTCOME_REFUNDED = "refunded"
OUTCOME_IGNORED = "ignored"


def description(row: StorefrontOrderRow) -> str:
    """What the payer's WeChat bill shows: the order's number, as their order list shows it."""
    return row.number


def check_method(method: str, openid: str) -> None:
    fields = {}
    if not method:
        fields["method"] = "validation.required"
    elif method not in METHODS:
        fields["method"] = "validation.invalid_choice"
    elif method == WECHAT and not openid:
        fields["openid"] = "validation.required"
    elif len(openid) > 128:
        fields["openid"] = "validation.too_long"
    if fields:
        raise InvalidInput(ErrorCode.PAYMENT_INPUT_INVALID, fields=fields)


def start_payment(
    uow: UnitOfWork,
    actor: Actor,
    order_id: str,
    method: str,
    openid: str,
    *,
    payments: Payments | None,
    stored_value: StoredValue,
    now: datetime,
):
    """The order's customer pays: (the order's view, wx.requestPayment's parameters or {})."""
    method, openid = method.strip(), openid.strip()
    check_method(method, openid)
    with uow:
        row = find_order(uow, actor, order_id, for_update=True)
        if party_of(actor) != storefront.CUSTOMER:
            raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "pay"})
        if row.state != storefront.AWAITING_PAYMENT or (row.closes_at is not None and row.closes_at <= now):
            # Past its time it is as good as closed: the closing loop closes it next round.
            raise Conflict(ErrorCode.STOREFRONT_STATE_INVALID, params={"status": row.state})
        if method == STORED_VALUE and row.kind == storefront.TOP_UP:
            raise InvalidInput(ErrorCode.PAYMENT_INPUT_INVALID, fields={"method": "validation.stored_value_top_up"})
        pay_params: dict[str, str] = {}
        if row.total_fen == 0:
            # Coupons covered it all: nothing to collect, paid as it stands.
            mark_paid(uow, row, method, 0, "", now, by=actor, stored_value=stored_value)
        elif method == WECHAT:
            pay_params = _prepay(payments, row, openid)
        else:
            _debit(stored_value, row)
            mark_paid(uow, row, STORED_VALUE, row.total_fen, "", now, by=actor, stored_value=stored_value)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view, pay_params


def _prepay(payments: Payments | None, row: StorefrontOrderRow, openid: str) -> dict:
    if payments is None:
        raise Conflict(ErrorCode.PAYMENT_NOT_CONFIGURED)
    try:
        # The same out_trade_no asked again answers the same prepay: new parameters for it.
        params = payments.port.prepay(
            callbacks.out_no(row.id), description(row), row.total_fen, openid, payments.notify_url
        )
    except PaymentUnavailable as exc:
        log.warning("WeChat Pay prepay for order %s: %s", row.id, exc)
        raise Unavailable(ErrorCode.PAYMENT_UNAVAILABLE) from exc
    except PaymentRejected as exc:
        log.warning("WeChat Pay refused the prepay for order %s: %s", row.id, exc)
        raise Conflict(
            ErrorCode.PAYMENT_REJECTED, params={"provider_code": exc.code, "message": exc.message or exc.code}
        ) from exc
    return params.as_dict()


def debit_key(order_id: str) -> str:
    # Keyed on the order: a retry after a lost answer finds the first debit, never a second.
    return f"storefront:{order_id}"


def _debit(stored_value: StoredValue, row: StorefrontOrderRow) -> None:
    try:
        stored_value.debit(row.tenant_id, row.customer_id, row.total_fen, reference=row.number, key=debit_key(row.id))
    except Conflict as exc:
        if exc.code == COUPONS_INSUFFICIENT_BALANCE:
            raise Conflict(ErrorCode.STORED_VALUE_INSUFFICIENT, params=exc.params) from exc
        raise
    except Unavailable as exc:
        raise Unavailable(ErrorCode.COUPONS_UNAVAILABLE) from exc


def give_back_unrecorded_debit(stored_value: StoredValue, row: StorefrontOrderRow) -> bool:
    """For an unpaid order about to close, with its row locked: a stored-value debit made for it
    whose order was never marked paid (the commit after the debit failed, and the customer did
    not try again) goes back to the balance. Whether there was one. Only the closing loop calls
    this: past closes_at no payment can start, and the row lock orders it after any payment in
    flight, so the debit it undoes can never be one a payment is still recording."""
    if row.kind == storefront.TOP_UP or row.total_fen == 0:
        return False  # never paid from stored value
    return stored_value.reverse(
        row.tenant_id, row.customer_id, original_key=debit_key(row.id), key=f"storefront-void:{row.id}"
    )


def mark_paid(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    method: str,
    paid_fen: int,
    transaction_id: str,
    now: datetime,
    *,
    by: Author | Actor,
    stored_value: StoredValue | None = None,
) -> None:
    """The locked order is paid: the money, the code to be served by (reservation, in-store), the
    `pay` step (storefront_order_paid, once); a top-up is then credited when coupons answer, the
    same change in the log as its payment. `by`: the customer paying from their balance, or
    what reported WeChat's payment (its notification, the loop's query)."""
    before = storefront_changes.order_snapshot(row)
    row.paid_fen = paid_fen
    row.paid_at = now
    row.payment_method = method
    row.transaction_id = transaction_id
    if row.kind in WITH_CODE and not row.verification_code:
        row.verification_code = new_code()
    steps = ("pay",)
    if row.kind == storefront.TOP_UP and stored_value is not None:
        # The state machine first: no balance is credited for an order it would not take as paid.
        storefront.next_state(row.kind, "pay", row.state, storefront.SYSTEM)
        if _recharged(row, stored_value):
            steps = ("pay", "credit")
    take_steps(uow, row, steps, storefront.SYSTEM, by=by, now=now, before=before)


def credit_top_up(
    uow: UnitOfWork, row: StorefrontOrderRow, stored_value: StoredValue, *, by: Author, now: datetime
) -> bool:
    """A paid top-up credited by the tenant's recharge rules (E7), idempotent on the order, then
    done; False (still paid, credited by a later round) when coupons refuse or cannot answer."""
    if not _recharged(row, stored_value):
        return False
    take_step(uow, row, "credit", storefront.SYSTEM, by=by, now=now)
    return True


def _recharged(row: StorefrontOrderRow, stored_value: StoredValue) -> bool:
    try:
        stored_value.recharge(
            row.tenant_id, row.customer_id, row.paid_fen, note=row.number, key=f"storefront-top-up:{row.id}"
        )
    except DomainError as exc:
        log.warning("top-up %s paid but not credited yet (%s): the closing loop tries again", row.id, exc)
        return False
    return True


# --- WeChat Pay's notifications -----------------------------------------------------------------


def handle_notification(
    uow: UnitOfWork,
    actor: Actor,
    headers: Mapping[str, str],
    body: bytes,
    *,
    payments: Payments | None,
    stored_value: StoredValue,
    now: datetime,
) -> callbacks.CallbackAnswer:
    """WeChat Pay's notification as the gateway received it: verified and opened by the port (a
    forged or mangled one is INVALID_ARGUMENT and nothing is written), then a payment or a
    refund (storefront_refunds.settle)."""
    callbacks.require_system(actor, "payment_notification")
    if payments is None:
        raise Unavailable(ErrorCode.PAYMENT_NOT_CONFIGURED)
    try:
        event = payments.port.parse_notification(headers, body)
    except NotificationRejected as exc:
        log.warning("WeChat Pay notification refused: %s", exc)
        raise InvalidInput(ErrorCode.PAYMENT_NOTIFICATION_REJECTED, params={"reason": exc.reason}) from exc
    if event.kind == KIND_REFUND:
        return storefront_refunds.settle(uow, event, now=now)
    with uow:
        row = callbacks.order_by_id(uow, callbacks.id_of(event.out_trade_no))
        if row is None:
            # Verified, so WeChat took money for an out_trade_no we never sent: for a person to see.
            log.error("WeChat Pay notification %s for unknown out_trade_no %s", event.event_id, event.out_trade_no)
            return callbacks.CallbackAnswer(True, "unknown order")
        if callbacks.seen(uow, event.event_id):
            return callbacks.CallbackAnswer(True, "already handled")
        if event.trade_state != TRADE_SUCCESS:
            outcome = OUTCOME_IGNORED
        elif event.total_fen != row.total_fen:
            # Nothing is written: WeChat keeps sending it, and the log says why.
            log.error(
                "WeChat Pay notification %s: order %s total %s fen, notification %s fen: refused",
                event.event_id,
                row.id,
                row.total_fen,
                event.total_fen,
            )
            raise Conflict(ErrorCode.PAYMENT_AMOUNT_MISMATCH)
        elif row.state == storefront.AWAITING_PAYMENT:
            mark_paid(
                uow,
                row,
                WECHAT,
                event.total_fen,
                event.transaction_id,
                now,
                by=storefront_changes.PAYMENT_NOTIFICATION,
                stored_value=stored_value,
            )
            outcome = OUTCOME_PAID
        elif row.state == storefront.CLOSED and row.paid_at is None:
            refund_closed(uow, row, payments, event.total_fen, event.transaction_id, now=now)
            outcome = OUTCOME_REFUNDED
        else:
            outcome = OUTCOME_IGNORED  # paid before (another notification, or the closing loop's query)
        callbacks.record(uow, row, event.event_id, KIND_TRANSACTION, event.event_type, outcome)
        uow.commit()
        return callbacks.CallbackAnswer(True, outcome)


def refund_closed(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    payments: Payments,
    paid_fen: int,
    transaction_id: str,
    *,
    now: datetime,
) -> None:
    """A payment for an order closed meanwhile (the customer paid as the timer closed it): the
    order records it and stays closed, and the whole amount goes back at once, as a refund the
    system approved; WeChat's refund notification settles it like any other. No answer from
    WeChat undoes it all (Unavailable): WeChat sends the notification again and it is tried again."""
    before = storefront_changes.order_snapshot(row)
    row.paid_fen, row.paid_at = paid_fen, now
    row.payment_method, row.transaction_id = WECHAT, transaction_id
    row.refunded_fen = paid_fen
    row.updated_at = now
    refund = StorefrontRefundRow(
        id=new_id(),
        tenant_id=row.tenant_id,
        order_id=row.id,
        state=storefront_refunds.APPROVED,
        requested_fen=paid_fen,
        approved_fen=paid_fen,
        decided_at=now,
        created_at=now,
    )
    uow.session.add(refund)
    try:
        # The reason is WeChat's to show the payer with the refund (its own words, not ours).
        storefront_refunds.send_to_wechat(payments, row, refund, reason="订单已关闭", now=now)
    except PaymentUnavailable as exc:
        log.warning("refunding closed order %s: %s; WeChat sends the notification again", row.id, exc)
        raise Unavailable(ErrorCode.PAYMENT_UNAVAILABLE) from exc
    except PaymentRejected as exc:
        # Kept as failed, so a person sees money that came in and could not be sent back.
        log.error("WeChat Pay refused to refund closed order %s (%s): the merchant must", row.id, exc)
        refund.state = storefront_refunds.FAILED
    uow.publish(events.storefront_refund_decided(event_order(uow, row), refund), row.tenant_id)
    storefront_changes.log_order_change(
        uow.session,
        storefront_changes.PAYMENT_NOTIFICATION,
        row,
        storefront_changes.LATE_PAYMENT_REFUNDED,
        before=before,
        after=storefront_changes.order_snapshot(row, refund),
        now=now,
    )
