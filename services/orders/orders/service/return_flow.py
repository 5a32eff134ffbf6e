"""The back office settles a return (B3): approve or reject, receive (stock in), refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from orders.domain.catalogue import check_reject_reason
from orders.domain.lines import quantities_by_product
from orders.domain.refunds import METHODS, Debt, settle_refund
from orders.domain.states import DEBT_STATUSES, next_return_status
from orders.domain.stock import RETURN_RECEIVED
from orders.errors import Codes, MessageKeys
from orders.models import DebtReductionRow, OrderRow, ReturnRow
from orders.service.changes import ORDER, RETURN, log_change, return_snapshot
from orders.service.performance_facts import record_return_approval
from orders.service.returns import return_event, return_lines_of, return_not_found
from orders.service.scoping import document_allowed
from orders.service.stock import lock_levels, move_all
from orders.service.views import ReturnView, return_view

RETURN_APPROVED = "return_approved"
RETURN_REJECTED = "return_rejected"
RETURN_RECEIVED_EVENT = "return_received"
RETURN_REFUNDED = "return_refunded"
# How each step reads in the return's change log (A1).
LOGGED_AS = {"approve": "approved", "reject": "rejected", "receive": "received", "refund": "refunded"}


def _locked_return(session: Session, actor: Actor, return_id: str) -> ReturnRow:
    row = session.scalar(
        select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, ReturnRow.id == return_id).with_for_update()
    )
    if row is None or not document_allowed(actor, row):
        raise return_not_found(return_id)
    return row


def _move(
    uow: UnitOfWork,
    actor: Actor,
    return_id: str,
    action: str,
    event: str,
    apply: Callable[[Session, ReturnRow, list], dict | None],
    *,
    now: datetime,
) -> ReturnView:
    with uow:
        session = uow.session
        row = _locked_return(session, actor, return_id)
        before = return_snapshot(row)
        row.status = next_return_status(action, row.status, actor)
        lines = return_lines_of(session, actor.tenant_id, [row.id])[row.id]
        extra = apply(session, row, lines) or {}
        log_change(session, actor, RETURN, row, LOGGED_AS[action], before=before, after=return_snapshot(row), now=now)
        view = return_view(row, lines)
        uow.publish(event, actor.tenant_id, {**return_event(view), **extra})
        uow.commit()
        return view


def approve_return(uow: UnitOfWork, actor: Actor, return_id: str, *, now: datetime) -> ReturnView:
    def apply(session, row, lines):
        # Returns net out of performance at approval, in this transaction (ADR 0003, decision 4).
        return record_return_approval(session, row, lines, now)

    return _move(uow, actor, return_id, "approve", RETURN_APPROVED, apply, now=now)


def reject_return(uow: UnitOfWork, actor: Actor, return_id: str, reason: str, *, now: datetime) -> ReturnView:
    reason = check_reject_reason(reason, Codes.ORDER_INPUT_INVALID)

    def apply(_session, row, _lines):
        row.reject_reason = reason
        return {"reason": reason}

    return _move(uow, actor, return_id, "reject", RETURN_REJECTED, apply, now=now)


def receive_return(uow: UnitOfWork, actor: Actor, return_id: str, *, now: datetime) -> ReturnView:
    """The goods are back: stock in to the return's store, one movement per product."""

    def apply(session, row, lines):
        back = quantities_by_product([(line.product_id, line.quantity) for line in lines])
        levels = lock_levels(session, actor.tenant_id, row.store_id, list(back), now)
        after = {pid: levels[pid].quantity + quantity for pid, quantity in back.items()}
        move_all(
            session,
            after,
            levels,
            reason=RETURN_RECEIVED,
            actor_id=actor.subject_id,
            document_id=row.id,
            now=now,
        )
        row.received_at = now

    return _move(uow, actor, return_id, "receive", RETURN_RECEIVED_EVENT, apply, now=now)


def refund_return(uow: UnitOfWork, actor: Actor, return_id: str, method: str, *, now: datetime) -> ReturnView:
    """REDUCE_DEBT takes the refund off the customer's open orders, oldest first; what they do
    not owe is paid back. PAID_BACK pays it all back."""
    if method not in METHODS:
        raise InvalidInput(
            Codes.ORDER_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"method": "validation.required"}
        )

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
        return {
            "refund_method": method,
            "debt_reduced_fen": settlement.debt_reduced_fen,
            "paid_back_fen": settlement.paid_back_fen,
            # When the money went back: the customers read model (C4) nets it out on that day.
            "refunded_at": now.isoformat(),
            "reductions": [{"order_id": oid, "amount_fen": amount} for oid, amount in settlement.reductions],
        }

    return _move(uow, actor, return_id, "refund", RETURN_REFUNDED, apply, now=now)
