"""Redemption (E4, B7): a coupon is used exactly once, on one order, with every rule checked.

Exactly once: the coupon row is locked (SELECT ... FOR UPDATE on PostgreSQL) and moved
active -> redeemed by a conditional UPDATE; a second redemption of the same (order, code)
answers the first one's result (the orders service may retry a call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update

from coupons import events
from coupons.domain.redemption import ACTIVE, REDEEMED, Decision, Line, Refusal, decide
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponRow, CouponTemplateRow
from coupons.service.coupons_lookup import Queued, find_coupon
from coupons.service.templates import template_of
from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import Conflict, InvalidInput, PermissionDenied, Unavailable

REDEEMERS = ("owner", "store_manager", "salesperson")
# An order is placed within seconds of its coupons being redeemed (one transaction, a gRPC
# deadline of seconds); long after that, an order that does not exist never will.
ORDER_CHECK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class RedeemCommand:
    code: str
    order_id: str
    store_id: str
    lines: tuple[Line, ...]
    # The order's customer; empty at the counter (a code's bearer redeems it).
    customer_id: str = ""


@dataclass(frozen=True)
class RedemptionView:
    coupon_id: str
    code: str
    order_id: str
    discount_fen: int
    redeemed_at: datetime
    pickup_product_ids: tuple[str, ...]


def _validate(cmd: RedeemCommand) -> None:
    fields = {}
    if not cmd.order_id.strip():
        fields["order_id"] = "validation.required"
    elif len(cmd.order_id) > 64:
        fields["order_id"] = "validation.too_long"
    if not cmd.lines:
        fields["lines"] = "validation.required"
    for i, line in enumerate(cmd.lines):
        if not line.product_id:
            fields[f"lines.{i}.product_id"] = "validation.required"
        if line.quantity <= 0:
            fields[f"lines.{i}.quantity"] = "validation.invalid"
        if line.amount_fen < 0:
            fields[f"lines.{i}.amount"] = "validation.invalid"
    if fields:
        raise InvalidInput(ErrorCode.COUPON_REDEMPTION_INVALID, fields=fields)


def _view(row: CouponRow, template: CouponTemplateRow) -> RedemptionView:
    return RedemptionView(
        row.id,
        row.code,
        row.order_id or "",
        row.discount_fen,
        row.redeemed_at,
        tuple(template.pickup_product_ids) if template.kind == "pickup" else (),
    )


def redeem(
    uow: UnitOfWork, actor: Actor, cmd: RedeemCommand, *, now: datetime, queued: Queued | None = None
) -> RedemptionView:
    """The orders service (service token) or counter staff redeem a coupon on an order. A code
    claimed a moment ago and not yet written answers COUPON_NOT_YET_RECORDED (`queued`)."""
    if not actor.is_service and not actor.has_role(*REDEEMERS):
        raise PermissionDenied(ErrorCode.COUPON_REDEEMERS_ONLY)
    _validate(cmd)
    store_id = cmd.store_id or actor.current_store_id or ""
    with uow:
        row = find_coupon(uow.session, actor.tenant_id, cmd.code, queued)
        # Serialise the redemptions of one coupon; the conditional UPDATE below is the guard.
        uow.session.refresh(row, with_for_update=True)
        template = uow.session.get(CouponTemplateRow, row.template_id)
        if row.status == REDEEMED and row.order_id == cmd.order_id:
            return _view(row, template)
        if cmd.customer_id and row.customer_id and row.customer_id != cmd.customer_id:
            # An electronic coupon is its holder's; a printed one (no holder) is the bearer's.
            raise Conflict(ErrorCode.COUPON_NOT_HOLDERS)
        used = uow.session.scalar(
            select(func.count())
            .select_from(CouponRow)
            .where(
                CouponRow.tenant_id == actor.tenant_id,
                CouponRow.template_id == row.template_id,
                CouponRow.order_id == cmd.order_id,
                CouponRow.status == REDEEMED,
            )
        )
        outcome = decide(
            template_of(template),
            status=row.status,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            store_id=store_id,
            lines=cmd.lines,
            used_on_order=used,
            now=now,
        )
        if isinstance(outcome, Refusal):
            params = dict(outcome.params)
            if "missing" in params:
                # The gateway's message shows yuan; the fen values stay for programs.
                params["missing_yuan"] = f"{int(params['missing']) / 100:.2f}"
                params["min_spend_yuan"] = f"{int(params['min_spend']) / 100:.2f}"
            raise Conflict(outcome.code, params=params)
        assert isinstance(outcome, Decision)
        changed = uow.session.execute(
            update(CouponRow)
            .where(CouponRow.id == row.id, CouponRow.status == ACTIVE)
            .values(
                status=REDEEMED,
                redeemed_at=now,
                order_id=cmd.order_id,
                store_id=store_id or None,
                discount_fen=outcome.discount_fen,
                redeemed_by=actor.subject_id,
                # The orders service redeems while its order is being placed: if that order never
                # commits (a crash in between), the sweep finds out and gives the coupon back.
                order_check_due_at=now + ORDER_CHECK_AFTER if actor.is_service else None,
            )
        ).rowcount
        if changed != 1:
            raise Conflict(ErrorCode.COUPON_ALREADY_REDEEMED)
        uow.publish(events.coupon_redeemed(row, cmd.order_id, store_id, outcome.discount_fen), actor.tenant_id)
        uow.session.expire(row)
        row = uow.session.get(CouponRow, row.id)
        view = _view(row, template)
        uow.commit()
    return view


def _give_back(uow: UnitOfWork, tenant_id: str, order_id: str) -> list[str]:
    """Every coupon redeemed on the order goes back to `active`, in the caller's transaction."""
    rows = uow.session.scalars(
        select(CouponRow)
        .where(CouponRow.tenant_id == tenant_id, CouponRow.order_id == order_id, CouponRow.status == REDEEMED)
        .with_for_update()
    ).all()
    for row in rows:
        uow.publish(events.coupon_redemption_released(row, order_id), tenant_id)
        row.status = ACTIVE
        row.redeemed_at = None
        row.order_id = None
        row.store_id = None
        row.discount_fen = 0
        row.redeemed_by = None
        row.order_check_due_at = None
    return [row.code for row in rows]


def release_order(uow: UnitOfWork, actor: Actor, order_id: str, *, now: datetime) -> list[str]:
    """Compensation for an order that was never placed: its coupons go back to their holders.
    Only the orders service may ask (it knows the order does not exist); a second call finds
    nothing left to release."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.COUPON_SERVICE_ONLY)
    if not order_id.strip():
        raise InvalidInput(ErrorCode.COUPON_REDEMPTION_INVALID, fields={"order_id": "validation.required"})
    with uow:
        codes = _give_back(uow, actor.tenant_id, order_id)
        uow.commit()
    return codes


class OrderLookup(Protocol):
    def exists(self, tenant_id: str, order_id: str) -> bool:
        """Whether the orders service has the order; Unavailable when it cannot tell now."""


@dataclass(frozen=True)
class SweepResult:
    confirmed: int
    released: int
    unanswered: int


def release_unplaced(db: Database, orders: OrderLookup, *, now: datetime, limit: int = 500) -> SweepResult:
    """The scheduled sweep (`python -m coupons.jobs release-unplaced`): for each order the orders
    service redeemed coupons on more than ORDER_CHECK_AFTER ago, ask orders whether it exists.
    Placed: the check is done. Never placed (orders crashed between redeeming and committing, and
    the submit was not retried): the coupons go back to their holders. No answer: asked again on
    the next run. Each order in its own transaction; a rerun changes nothing."""
    with db.uow() as uow:
        due = uow.session.execute(
            select(CouponRow.tenant_id, CouponRow.order_id)
            .where(CouponRow.order_check_due_at <= now, CouponRow.status == REDEEMED)
            .group_by(CouponRow.tenant_id, CouponRow.order_id)
            .order_by(func.min(CouponRow.order_check_due_at))
            .limit(limit)
        ).all()
    confirmed = released = unanswered = 0
    for tenant_id, order_id in due:
        try:
            placed = orders.exists(tenant_id, order_id)
        except Unavailable:
            unanswered += 1
            continue
        with db.uow() as uow:
            if placed:
                uow.session.execute(
                    update(CouponRow)
                    .where(CouponRow.tenant_id == tenant_id, CouponRow.order_id == order_id)
                    .values(order_check_due_at=None)
                )
                confirmed += 1
            else:
                released += bool(_give_back(uow, tenant_id, order_id))
            uow.commit()
    return SweepResult(confirmed, released, unanswered)
