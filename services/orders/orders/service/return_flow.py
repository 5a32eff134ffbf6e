"""The back office settles a return (B3): approve or reject, receive (stock in), refund."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from orders import events
from orders.domain.catalogue import check_reject_reason
from orders.domain.refunds import METHODS, Debt, settle_refund
from orders.domain.states import DEBT_STATUSES
from orders.domain.stock import RETURN_RECEIVED
from orders.errors import ErrorCode
from orders.models import DebtReductionRow, OrderRow
from orders.service.changes import ORDER, log_change
from orders.service.documents import RETURNS
from orders.service.performance_facts import record_return_approval
from orders.service.stock import move_lines
from orders.service.views import ReturnView


def approve_return(uow: UnitOfWork, actor: Actor, return_id: str, *, now: datetime) -> ReturnView:
    def apply(session, row, lines):
        # Returns net out of performance at approval, in this transaction (ADR 0003, decision 4).
        return {"approval": record_return_approval(session, row, lines, now)}

    return RETURNS.move(uow, actor, return_id, "approve", events.return_approved, apply, now=now)


def reject_return(uow: UnitOfWork, actor: Actor, return_id: str, reason: str, *, now: datetime) -> ReturnView:
    reason = check_reject_reason(reason, ErrorCode.ORDER_INPUT_INVALID)

    def apply(_session, row, _lines):
        row.reject_reason = reason

    return RETURNS.move(uow, actor, return_id, "reject", events.return_rejected, apply, now=now)


def receive_return(uow: UnitOfWork, actor: Actor, return_id: str, *, now: datetime) -> ReturnView:
    """The goods are back: stock in to the return's store, one movement per product."""

    def apply(session, row, lines):
        def back_in(_product_id: str, level: int, quantity: int) -> int:
            return level + quantity

        move_lines(session, actor, row.store_id, lines, back_in, reason=RETURN_RECEIVED, document_id=row.id, now=now)
        row.received_at = now

    return RETURNS.move(uow, actor, return_id, "receive", events.return_received, apply, now=now)


def refund_return(uow: UnitOfWork, actor: Actor, return_id: str, method: str, *, now: datetime) -> ReturnView:
    """REDUCE_DEBT takes the refund off the customer's open orders, oldest first; what they do
    not owe is paid back. PAID_BACK pays it all back."""
    if method not in METHODS:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"method": "validation.required"})

    def apply(session, row, _lines):
        debtors = []
        if method != "paid_back":
            # Lock the orders whose debt changes: a collection or another refund may be at work.
            debtors = session.scalars(
                select(OrderRow)
                .where(
                    OrderRow.tenant_id == actor.tenant_id,
                    OrderRow.customer_id == row.customer_id,
                    OrderRow.status.in_(DEBT_STATUSES),
                    OrderRow.debt_fen > 0,
                )
                .order_by(OrderRow.submitted_at, OrderRow.number)
                .with_for_update()
            ).all()
        settlement = settle_refund(row.total_fen, method, [Debt(o.id, o.debt_fen) for o in debtors])
        by_id = {o.id: o for o in debtors}
        for order_id, amount in settlement.reductions:
            order = by_id[order_id]
            debt_before = {"debt_fen": order.debt_fen}
            order.debt_fen -= amount
            # The order's own log says what took its debt down (A1).
            log_change(
                session,
                actor,
                ORDER,
                order,
                "return_refunded",
                before=debt_before,
                after={"debt_fen": order.debt_fen},
                now=now,
            )
            session.add(
                DebtReductionRow(
                    tenant_id=actor.tenant_id, return_id=row.id, order_id=order_id, amount_fen=amount, created_at=now
                )
            )
        row.refund_method = method
        row.debt_reduced_fen = settlement.debt_reduced_fen
        row.paid_back_fen = settlement.paid_back_fen
        row.refunded_at = now
        return {"reductions": settlement.reductions, "refunded_at": now}

    return RETURNS.move(uow, actor, return_id, "refund", events.return_refunded, apply, now=now)
