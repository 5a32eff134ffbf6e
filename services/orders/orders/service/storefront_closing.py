"""The storefront's background loop (B6), beside the gRPC server (ServiceRuntime.background; the
embedded launcher runs it too), every `interval` seconds:

- Unpaid orders past their closes_at close, their stock and coupons going back, and a
  stored-value debit whose order was never marked paid too. WeChat Pay is asked first: an order
  it says is paid (its notification was lost) is marked paid, never closed; one it has a prepay
  for is closed there too, so the customer cannot pay it afterwards. No answer from WeChat Pay:
  the order waits for the next round.
- Paid top-ups the coupons service could not credit when paid are credited.

Each order is handled in its own short transaction, taken with FOR UPDATE SKIP LOCKED, so two
replicas (or a notification arriving now) never handle one order at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crmkit.db import Database, utcnow
from crmkit.errors import DomainError
from orders.domain import storefront
from orders.models_storefront import StorefrontOrderRow
from orders.payments.port import (
    TRADE_REFUND,
    TRADE_SUCCESS,
    TRADE_USERPAYING,
    PaymentRejected,
    PaymentUnavailable,
)
from orders.providers import Payments
from orders.service import storefront_callbacks as callbacks
from orders.service.coupons import CouponRedeemer, StoredValue
from orders.service.storefront_changes import STOREFRONT_LOOP
from orders.service.storefront_core import take_step
from orders.service.storefront_orders import give_back
from orders.service.storefront_payment import credit_top_up, give_back_unrecorded_debit, mark_paid

log = logging.getLogger(__name__)

BATCH = 100
# WeChat Pay's answer to a query or close of an out_trade_no it never saw (no prepay was made).
ORDER_NOT_EXIST = "ORDER_NOT_EXIST"
ORDER_PAID = "ORDERPAID"

CLOSED = "closed"
PAID = "paid"
WAITING = "waiting"


class StorefrontLoop:
    def __init__(
        self,
        db: Database,
        *,
        payments: Payments | None,
        coupons: CouponRedeemer,
        stored_value: StoredValue,
        clock: Callable[[], datetime] = utcnow,
        interval: float = 15.0,
    ):
        self.db = db
        self.payments = payments
        self.coupons = coupons
        self.stored_value = stored_value
        self.clock = clock
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the loop (ServiceRuntime.background: start() -> self, stop()) ---

    def start(self) -> StorefrontLoop:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="storefront-loop", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("storefront loop round failed; the next round tries again")

    # --- one round ---

    def run_once(self) -> dict[str, int]:
        """One round; how many orders closed, were found paid, were left waiting, were credited."""
        counts = {CLOSED: 0, PAID: 0, WAITING: 0, "credited": 0}
        for order_id in self._due(storefront.AWAITING_PAYMENT):
            outcome = self.close_unpaid(order_id)
            if outcome:
                counts[outcome] += 1
        for order_id in self._due(storefront.PAID, kind=storefront.TOP_UP):
            counts["credited"] += self.credit(order_id)
        return counts

    def _due(self, state: str, *, kind: str | None = None) -> list[str]:
        query = select(StorefrontOrderRow.id).where(StorefrontOrderRow.state == state)
        if kind is None:
            query = query.where(StorefrontOrderRow.closes_at <= self.clock())
        else:
            query = query.where(StorefrontOrderRow.kind == kind)
        with self.db.reader() as uow:
            return list(uow.session.scalars(query.order_by(StorefrontOrderRow.closes_at).limit(BATCH)))

    def _locked(self, uow, order_id: str, state: str) -> StorefrontOrderRow | None:
        return uow.session.scalar(
            select(StorefrontOrderRow)
            .where(StorefrontOrderRow.id == order_id, StorefrontOrderRow.state == state)
            .with_for_update(skip_locked=True)
        )

    def close_unpaid(self, order_id: str) -> str | None:
        now = self.clock()
        with self.db.uow() as uow:
            row = self._locked(uow, order_id, storefront.AWAITING_PAYMENT)
            if row is None or row.closes_at is None or row.closes_at > now:
                return None  # paid, closed or being handled meanwhile
            if self.payments is not None:
                outcome = self._ask_wechat(uow, row, now)
                if outcome != CLOSED:
                    if outcome == PAID:
                        uow.commit()
                    return outcome
            take_step(uow, row, "cancel", storefront.SYSTEM, by=STOREFRONT_LOOP, now=now)
            try:
                if give_back_unrecorded_debit(self.stored_value, row):
                    log.warning("unpaid order %s had a stored-value debit never recorded: given back", row.id)
                give_back(uow, row, coupons=self.coupons, now=now)
            except DomainError as exc:
                # Its coupons or stored value cannot go back now (coupons unreachable): the order
                # stays open until they can, rather than closing with them still taken.
                log.warning("closing unpaid order %s: %s; tried again next round", row.id, exc)
                return WAITING
            uow.commit()
            return CLOSED

    def _ask_wechat(self, uow, row: StorefrontOrderRow, now: datetime) -> str:
        """PAID (marked paid from WeChat's answer), WAITING (ask again next round) or CLOSED (no
        payment, and no way left to pay at WeChat: close it here)."""
        out_trade_no = callbacks.out_no(row.id)
        try:
            status = self.payments.port.query(out_trade_no)
        except PaymentRejected as exc:
            if exc.code == ORDER_NOT_EXIST:
                return CLOSED  # never asked to pay by WeChat
            log.warning("WeChat Pay query of %s refused (%s): asked again next round", row.id, exc)
            return WAITING
        except PaymentUnavailable as exc:
            log.info("WeChat Pay query of %s: %s; asked again next round", row.id, exc)
            return WAITING
        if status.trade_state in (TRADE_SUCCESS, TRADE_REFUND):
            if status.total_fen != row.total_fen:
                log.error(
                    "WeChat Pay says order %s is paid %s fen, its total is %s", row.id, status.total_fen, row.total_fen
                )
                return WAITING
            log.info("order %s was paid but its notification is missing: marked paid from the query", row.id)
            mark_paid(
                uow,
                row,
                callbacks.WECHAT,
                status.total_fen,
                status.transaction_id or "",
                now,
                by=STOREFRONT_LOOP,
                stored_value=self.stored_value,
            )
            return PAID
        if status.trade_state == TRADE_USERPAYING:
            return WAITING  # the payer is entering their password
        try:
            self.payments.port.close(out_trade_no)
        except PaymentRejected as exc:
            if exc.code == ORDER_PAID:
                return WAITING  # paid this instant: the next query (or its notification) sees it
            log.warning("WeChat Pay close of %s refused (%s): closed here anyway", row.id, exc)
        except PaymentUnavailable as exc:
            log.info("WeChat Pay close of %s: %s; asked again next round", row.id, exc)
            return WAITING
        return CLOSED

    def credit(self, order_id: str) -> int:
        now = self.clock()
        with self.db.uow() as uow:
            row = self._locked(uow, order_id, storefront.PAID)
            if row is None or row.kind != storefront.TOP_UP:
                return 0
            if not credit_top_up(uow, row, self.stored_value, by=STOREFRONT_LOOP, now=now):
                return 0
            uow.commit()
            return 1
