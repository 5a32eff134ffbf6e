"""Points (E9): the tenant's rule "N points per yuan" and points earned on orders.

Points are earned automatically when the orders service publishes `order_approved` (the coupons
worker, handlers.on_order_approved), and staff may also call the gRPC EarnPoints (e.g. for an
order taken outside the system). Both use the ledger idempotency key `order:<id>`, so an order
earns once however many times it arrives.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from coupons import events
from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import LedgerEntryRow, PointsRuleRow
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.stored_value import Posting, post, require_customer, require_money_role, require_staff
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, PermissionDenied

MAX_POINTS_PER_YUAN = 1000


def get_rule(uow: UnitOfWork, actor: Actor) -> int:
    if not actor.is_service:
        require_staff(actor)
    with uow:
        row = uow.session.get(PointsRuleRow, actor.tenant_id)
        return row.points_per_yuan if row else 0


def set_rule(uow: UnitOfWork, actor: Actor, points_per_yuan: int) -> int:
    if actor.staff_id is None or not actor.has_role("owner"):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    if not 0 <= points_per_yuan <= MAX_POINTS_PER_YUAN:
        raise rules.invalid(points_per_yuan="validation.invalid")
    with uow:
        row = uow.session.get(PointsRuleRow, actor.tenant_id)
        if row is None:
            uow.session.add(PointsRuleRow(tenant_id=actor.tenant_id, points_per_yuan=points_per_yuan))
        else:
            row.points_per_yuan = points_per_yuan
        uow.publish(events.points_rule_changed(points_per_yuan), actor.tenant_id)
        uow.commit()
    return points_per_yuan


def earn(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    customer_id: str,
    order_id: str,
    order_amount_fen: int,
    *,
    now: datetime,
) -> LedgerEntryRow:
    by = require_money_role(actor)
    if not order_id:
        raise rules.invalid(order_id="validation.required")
    if len(order_id) > 100:
        raise rules.invalid(order_id="validation.too_long")
    rules.check_amount(order_amount_fen, "order_amount")
    require_customer(customers, actor, customer_id)
    with uow:
        entry = earn_for_order(uow, actor.tenant_id, customer_id, order_id, order_amount_fen, by=by, now=now)
        if entry is None:
            raise Conflict(ErrorCode.POINTS_RULE_MISSING)
        uow.commit()
        return entry


def earn_for_order(
    uow: UnitOfWork, tenant_id: str, customer_id: str, order_id: str, order_amount_fen: int, *, by: str, now: datetime
) -> LedgerEntryRow | None:
    """Inside the caller's transaction; shared by EarnPoints and the order_approved handler, with
    one idempotency key per order, so whichever comes second finds the first entry (even if the
    rule changed in between). None when the rule gives no points."""
    earlier = uow.session.scalar(
        select(LedgerEntryRow).where(
            LedgerEntryRow.tenant_id == tenant_id,
            LedgerEntryRow.kind == rules.POINTS,
            LedgerEntryRow.idempotency_key == f"order:{order_id}",
        )
    )
    if earlier is not None:
        return earlier
    row = uow.session.get(PointsRuleRow, tenant_id)
    points = rules.points_for(order_amount_fen, row.points_per_yuan if row else 0)
    if points == 0:
        return None
    return post(
        uow,
        tenant_id,
        Posting(customer_id, rules.POINTS, points, rules.ORDER_POINTS, "", order_id, f"order:{order_id}"),
        by=by,
        now=now,
    )
