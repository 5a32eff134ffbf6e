"""Points (E9): the tenant's rule "N points per yuan" and points earned on orders.

Earning is called by staff (or the orders service with its service token) through the gRPC
EarnPoints, idempotent on the order id: the ledger's idempotency key is `order:<id>`, so a
repeated call returns the first entry and never earns twice.
"""

from __future__ import annotations

from datetime import datetime

from coupons.domain import stored_value as rules
from coupons.errors import StoredValueCodes as Codes
from coupons.models import LedgerEntryRow, PointsRuleRow
from coupons.service.stored_value import Posting, post, require_customer, require_money_role, require_staff
from coupons.stored_value_peers import CustomerLookup
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
        raise PermissionDenied(Codes.DENIED, "error.permission_denied")
    if not 0 <= points_per_yuan <= MAX_POINTS_PER_YUAN:
        raise rules.invalid(points_per_yuan="validation.invalid")
    with uow:
        row = uow.session.get(PointsRuleRow, actor.tenant_id)
        if row is None:
            uow.session.add(PointsRuleRow(tenant_id=actor.tenant_id, points_per_yuan=points_per_yuan))
        else:
            row.points_per_yuan = points_per_yuan
        uow.publish("points_rule_changed", actor.tenant_id, {"points_per_yuan": points_per_yuan})
        uow.commit()
    return points_per_yuan


def earn(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerLookup,
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
        row = uow.session.get(PointsRuleRow, actor.tenant_id)
        points = rules.points_for(order_amount_fen, row.points_per_yuan if row else 0)
        if points == 0:
            raise Conflict(Codes.NO_POINTS, "error.no_points_rule")
        entry = post(
            uow,
            actor.tenant_id,
            Posting(customer_id, rules.POINTS, points, rules.ORDER_POINTS, "", order_id, f"order:{order_id}"),
            by=by,
            now=now,
        )
        uow.commit()
        return entry
