"""The back office moves an order on (B2): approve or reject, pick, ship (stock out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.onetime_codes import is_well_formed
from orders.domain.catalogue import check_reject_reason
from orders.domain.documents import ORDER_QR
from orders.domain.lines import quantities_by_product
from orders.domain.states import HANDLERS, next_order_status
from orders.domain.stock import SHIPMENT, take_out
from orders.errors import Codes, MessageKeys
from orders.models import OrderRow
from orders.service.changes import ORDER, log_change, order_snapshot
from orders.service.ordering import lines_of, order_event, order_not_found
from orders.service.performance_facts import record_order_approval
from orders.service.scoping import document_allowed
from orders.service.settings import load_settings
from orders.service.stock import lock_levels, move_all
from orders.service.views import OrderView, order_view

ORDER_APPROVED = "order_approved"
ORDER_REJECTED = "order_rejected"
ORDER_PICKED = "order_picked"
ORDER_SHIPPED = "order_shipped"
# How each step reads in the order's change log (A1).
LOGGED_AS = {"approve": "approved", "reject": "rejected", "pick": "picked", "ship": "shipped", "verify": "verified"}


def _locked_order(session: Session, actor: Actor, order_id: str) -> OrderRow:
    # Lock the order: two clerks pressing "ship" at once must not take the stock out twice.
    row = session.scalar(
        select(OrderRow).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.id == order_id).with_for_update()
    )
    if row is None or not document_allowed(actor, row):
        raise order_not_found(order_id)
    return row


def _move(
    uow: UnitOfWork,
    actor: Actor,
    order_id: str,
    action: str,
    event: str,
    apply: Callable[[Session, OrderRow, list], dict | None],
    *,
    now: datetime,
    check_first: Callable[[OrderRow], None] | None = None,
) -> OrderView:
    with uow:
        session = uow.session
        row = _locked_order(session, actor, order_id)
        if check_first is not None:
            check_first(row)
        before = order_snapshot(row)
        row.status = next_order_status(action, row.status, actor)
        lines = lines_of(session, actor.tenant_id, [row.id])[row.id]
        extra = apply(session, row, lines) or {}
        log_change(session, actor, ORDER, row, LOGGED_AS[action], before=before, after=order_snapshot(row), now=now)
        view = order_view(row, lines)
        data = {**order_event(view), **extra}
        if row.reject_reason:
            data["reason"] = row.reject_reason
        uow.publish(event, actor.tenant_id, data)
        uow.commit()
        return view


def approve_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(session, row, lines):
        row.approved_at = now
        # From approval on the customer owes the total (collections and returns reduce it).
        row.debt_fen = row.total_fen
        # Sales and commission count at approval, in this transaction (ADR 0003, decision 4).
        return record_order_approval(session, row, lines, now)

    return _move(uow, actor, order_id, "approve", ORDER_APPROVED, apply, now=now)


def reject_order(uow: UnitOfWork, actor: Actor, order_id: str, reason: str, *, now: datetime) -> OrderView:
    reason = check_reject_reason(reason, Codes.ORDER_INPUT_INVALID)

    def apply(_session, row, _lines):
        row.reject_reason = reason

    return _move(uow, actor, order_id, "reject", ORDER_REJECTED, apply, now=now)


def pick_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(_session, row, _lines):
        row.picked_at = now

    return _move(uow, actor, order_id, "pick", ORDER_PICKED, apply, now=now)


def _stock_out(session: Session, actor: Actor, row: OrderRow, lines: list, now: datetime) -> None:
    """Stock out of the order's store, all lines or none: one short product refuses the whole
    shipment (Conflict INSUFFICIENT_STOCK naming it) unless the tenant allows negative stock."""
    wanted = quantities_by_product([(line.product_id, line.quantity) for line in lines])
    allow_negative = load_settings(session, actor.tenant_id).allow_negative_stock
    levels = lock_levels(session, actor.tenant_id, row.store_id, list(wanted), now)
    after = {
        pid: take_out(pid, levels[pid].quantity, quantity, allow_negative=allow_negative)
        for pid, quantity in sorted(wanted.items())
    }
    move_all(session, after, levels, reason=SHIPMENT, actor_id=actor.subject_id, document_id=row.id, now=now)
    row.shipped_at = now


def ship_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(session, row, lines):
        _stock_out(session, actor, row, lines, now)

    return _move(uow, actor, order_id, "ship", ORDER_SHIPPED, apply, now=now)


def verify_order(uow: UnitOfWork, actor: Actor, typed_or_scanned: str, *, now: datetime) -> OrderView:
    """B7: the store verifies the code the customer shows and hands the goods over (stock out),
    exactly once: the order row is locked and a verified order refuses a second verification.
    An unknown code, another tenant's, or an order the caller may not see are all "not found"."""
    code = ORDER_QR.normalize(typed_or_scanned)
    if not code:
        raise InvalidInput(Codes.ORDER_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"code": "validation.required"})
    if not is_well_formed(code):
        raise InvalidInput(
            Codes.ORDER_INPUT_INVALID,
            MessageKeys.INVALID_INPUT,
            fields={"code": "validation.verification_code_invalid"},
        )
    with uow:
        order_id = uow.session.scalar(
            select(OrderRow.id).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.verification_code == code)
        )
    if order_id is None:
        raise NotFound(Codes.ORDER_NOT_FOUND, MessageKeys.ORDER_NOT_FOUND, params={"code": code})

    def not_verified(row):
        # Before the state check (a verified order is "already verified", not "in the wrong
        # state"), but only to those who may verify: others learn nothing of where it stands.
        if row.verified_at is not None and actor.has_role(*HANDLERS):
            raise Conflict(
                Codes.ORDER_ALREADY_VERIFIED,
                MessageKeys.ORDER_ALREADY_VERIFIED,
                params={"verified_at": row.verified_at.isoformat()},
            )

    def apply(session, row, lines):
        _stock_out(session, actor, row, lines, now)
        row.verified_at = now
        row.verified_by = actor.staff_id
        return {"verified": True}

    return _move(uow, actor, order_id, "verify", ORDER_SHIPPED, apply, now=now, check_first=not_verified)
