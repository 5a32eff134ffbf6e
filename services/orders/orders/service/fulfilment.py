"""The back office moves an order on (B2): approve or reject, pick, ship (stock out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.onetime_codes import is_well_formed
from orders import events
from orders.domain.catalogue import check_reject_reason
from orders.domain.documents import ORDER_QR
from orders.domain.states import HANDLERS
from orders.domain.stock import SHIPMENT, take_out
from orders.errors import ErrorCode
from orders.models import OrderRow
from orders.service.documents import ORDERS
from orders.service.performance_facts import record_order_approval
from orders.service.settings import load_settings
from orders.service.stock import move_lines
from orders.service.views import OrderView


def approve_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(session, row, lines):
        row.approved_at = now
        # From approval on the customer owes the total (collections and returns reduce it).
        row.debt_fen = row.total_fen
        # Sales and commission count at approval, in this transaction (ADR 0003, decision 4).
        return {"approval": record_order_approval(session, row, lines, now)}

    return ORDERS.move(uow, actor, order_id, "approve", events.order_approved, apply, now=now)


def reject_order(uow: UnitOfWork, actor: Actor, order_id: str, reason: str, *, now: datetime) -> OrderView:
    reason = check_reject_reason(reason, ErrorCode.ORDER_INPUT_INVALID)

    def apply(_session, row, _lines):
        row.reject_reason = reason

    return ORDERS.move(uow, actor, order_id, "reject", events.order_rejected, apply, now=now)


def pick_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(_session, row, _lines):
        row.picked_at = now

    return ORDERS.move(uow, actor, order_id, "pick", events.order_picked, apply, now=now)


def _stock_out(session: Session, actor: Actor, row: OrderRow, lines: list, now: datetime) -> None:
    """Stock out of the order's store, all lines or none: one short product refuses the whole
    shipment (Conflict INSUFFICIENT_STOCK naming it) unless the tenant allows negative stock."""
    allow_negative = load_settings(session, actor.tenant_id).allow_negative_stock

    def taken(product_id: str, level: int, quantity: int) -> int:
        return take_out(product_id, level, quantity, allow_negative=allow_negative)

    move_lines(session, actor, row.store_id, lines, taken, reason=SHIPMENT, document_id=row.id, now=now)
    row.shipped_at = now


def ship_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> OrderView:
    def apply(session, row, lines):
        _stock_out(session, actor, row, lines, now)

    return ORDERS.move(uow, actor, order_id, "ship", events.order_shipped, apply, now=now)


def verify_order(uow: UnitOfWork, actor: Actor, typed_or_scanned: str, *, now: datetime) -> OrderView:
    """B7: the store verifies the code the customer shows and hands the goods over (stock out),
    exactly once: the order row is locked and a verified order refuses a second verification.
    An unknown code, another tenant's, or an order the caller may not see are all "not found"."""
    code = ORDER_QR.normalize(typed_or_scanned)
    if not code:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"code": "validation.required"})
    if not is_well_formed(code):
        raise InvalidInput(
            ErrorCode.ORDER_INPUT_INVALID,
            fields={"code": "validation.verification_code_invalid"},
        )
    with uow:
        order_id = uow.session.scalar(
            select(OrderRow.id).where(OrderRow.tenant_id == actor.tenant_id, OrderRow.verification_code == code)
        )
    if order_id is None:
        raise NotFound(ErrorCode.ORDER_NOT_FOUND, params={"code": code})

    def not_verified(row):
        # Before the state check (a verified order is "already verified", not "in the wrong
        # state"), but only to those who may verify: others learn nothing of where it stands.
        if row.verified_at is not None and actor.has_role(*HANDLERS):
            raise Conflict(
                ErrorCode.ORDER_ALREADY_VERIFIED,
                params={"verified_at": row.verified_at.isoformat()},
            )

    def apply(session, row, lines):
        _stock_out(session, actor, row, lines, now)
        row.verified_at = now
        row.verified_by = actor.staff_id
        return {"verified": True}

    return ORDERS.move(uow, actor, order_id, "verify", events.order_shipped, apply, now=now, check_first=not_verified)
