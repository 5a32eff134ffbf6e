"""Recharges (E7): staff record a payment; the best matching rule (recharge_rules.py) adds its
bonus and gifts (recharge_gifts.py), at once or in monthly instalments
(`python -m coupons.jobs release-instalments`).

The paid amount and every bonus part are separate ledger entries ("recharge" and
"recharge_bonus", both referencing the recharge), so a statement shows what was paid and what
was given. Gift coupons are issued to the customer in the release's own transaction (the same
limits as a staff send, see coupons_issue.issue_to_holder). Gift products are handed over at the
counter of the store the recharge was taken in, and their stock is deducted by the orders service
(HandOutGiftStock, never SetStock: an absolute level would race with sales): a released instalment
publishes `recharge_gift_products`, and the coupons worker calls orders for it (handlers.py).

Every gift's fate is a row of `sv_recharge_gift_outcomes`, shown on the recharge for staff: coupons
issued or skipped (and why), products pending, handed out or refused (and why).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from coupons import events
from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import (
    LedgerEntryRow,
    RechargeGiftOutcomeRow,
    RechargeInstalmentRow,
    RechargeRow,
    RechargeRuleRow,
)
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import ClaimStock
from coupons.service.recharge_gifts import hand_over_gift_products, issue_gift_coupons
from coupons.service.recharge_rules import rule_of
from coupons.service.stored_value import (
    Posting,
    _account,
    post,
    require_customer,
    require_money_role,
    require_staff,
)
from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import NotFound


@dataclass(frozen=True)
class RechargeCommand:
    customer_id: str
    paid_fen: int
    member_type: str = ""
    note: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class RechargeView:
    recharge: RechargeRow
    instalments: list[RechargeInstalmentRow]
    entries: list[LedgerEntryRow]
    gift_outcomes: list[RechargeGiftOutcomeRow]


def _view(uow: UnitOfWork, row: RechargeRow) -> RechargeView:
    instalments = uow.session.scalars(
        select(RechargeInstalmentRow)
        .where(RechargeInstalmentRow.recharge_id == row.id)
        .order_by(RechargeInstalmentRow.seq)
    ).all()
    entries = uow.session.scalars(
        select(LedgerEntryRow)
        .where(LedgerEntryRow.tenant_id == row.tenant_id, LedgerEntryRow.reference == row.id)
        .order_by(LedgerEntryRow.balance_after)
    ).all()
    outcomes = uow.session.scalars(
        select(RechargeGiftOutcomeRow)
        .where(RechargeGiftOutcomeRow.tenant_id == row.tenant_id, RechargeGiftOutcomeRow.recharge_id == row.id)
        .order_by(RechargeGiftOutcomeRow.instalment, RechargeGiftOutcomeRow.kind, RechargeGiftOutcomeRow.item_id)
    ).all()
    return RechargeView(row, list(instalments), list(entries), list(outcomes))


def release(uow: UnitOfWork, stock: ClaimStock, part: RechargeInstalmentRow, *, now: datetime) -> bool:
    """Inside the caller's transaction. The conditional UPDATE is the once-only guard: of two
    jobs racing for one instalment, one sees rowcount 1 and writes the gifts."""
    claimed = uow.session.execute(
        update(RechargeInstalmentRow)
        .where(RechargeInstalmentRow.id == part.id, RechargeInstalmentRow.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    part.released_at = now
    if part.bonus_fen:
        post(
            uow,
            part.tenant_id,
            Posting(
                part.customer_id,
                rules.BALANCE,
                part.bonus_fen,
                rules.RECHARGE_BONUS,
                f"{part.seq}",
                part.recharge_id,
                f"recharge:{part.recharge_id}:bonus:{part.seq}",
            ),
            by="",
            now=now,
        )
    issue_gift_coupons(uow, stock, part, now=now)
    hand_over_gift_products(uow, part, now=now)
    return True


def get_recharge(uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, recharge_id: str) -> RechargeView:
    """A recharge with its instalments, ledger entries and gift outcomes, for staff who may see
    its customer; another tenant's recharge, or one of a customer the caller may not see, is
    not found."""
    if not actor.is_service:
        require_staff(actor)
    with uow:
        row = uow.session.get(RechargeRow, recharge_id) if recharge_id else None
        customer_id = row.customer_id if row is not None and row.tenant_id == actor.tenant_id else None
    if customer_id is None:
        raise NotFound(ErrorCode.RECHARGE_NOT_FOUND, params={"id": recharge_id})
    require_customer(customers, actor, customer_id)
    with uow:
        view = _view(uow, uow.session.get(RechargeRow, recharge_id))
        uow.session.expunge_all()  # the read-only transaction's rollback must not expire them
        return view


def record_recharge(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    stock: ClaimStock,
    cmd: RechargeCommand,
    *,
    now: datetime,
) -> RechargeView:
    by = require_money_role(actor)
    rules.check_amount(cmd.paid_fen, "paid")
    member_type = cmd.member_type or rules.IN_STORE
    if member_type not in rules.MEMBER_TYPES:
        raise rules.invalid(member_type="validation.invalid_choice")
    note = rules.check_note(cmd.note)
    if len(cmd.idempotency_key) > 120:
        raise rules.invalid(idempotency_key="validation.too_long")
    require_customer(customers, actor, cmd.customer_id)
    with uow:
        session = uow.session
        # The account lock also queues a customer's recharges, so "first recharge" is decided
        # by exactly one of two racing payments.
        account = _account(session, actor.tenant_id, cmd.customer_id, now)
        if cmd.idempotency_key:
            earlier = session.scalar(
                select(RechargeRow).where(
                    RechargeRow.tenant_id == actor.tenant_id, RechargeRow.idempotency_key == cmd.idempotency_key
                )
            )
            if earlier is not None:
                view = _view(uow, earlier)
                uow.session.expunge_all()  # returned as loaded; nothing was written
                return view
        active = session.scalars(
            select(RechargeRuleRow).where(RechargeRuleRow.tenant_id == actor.tenant_id, RechargeRuleRow.active)
        ).all()
        rule = rules.best_rule(
            [rule_of(r) for r in active], member_type, cmd.paid_fen, first_recharge=account.recharges == 0
        )
        row = RechargeRow(
            tenant_id=actor.tenant_id,
            customer_id=cmd.customer_id,
            member_type=member_type,
            paid_fen=cmd.paid_fen,
            rule_id=rule.id if rule else None,
            bonus_fen=rule.bonus_fen if rule else 0,
            note=note,
            created_by=by,
            idempotency_key=cmd.idempotency_key or None,
            # Gift products leave the shelf of the store the payment was taken in.
            store_id=actor.current_store_id or (actor.store_ids[0] if actor.store_ids else ""),
            created_at=now,
        )
        session.add(row)
        session.flush()
        account.recharges += 1
        post(
            uow,
            actor.tenant_id,
            Posting(cmd.customer_id, rules.BALANCE, cmd.paid_fen, rules.RECHARGE, note, row.id, f"recharge:{row.id}"),
            by=by,
            now=now,
        )
        parts = []
        for part in rules.plan(rule, now) if rule else []:
            inst = RechargeInstalmentRow(
                tenant_id=actor.tenant_id,
                recharge_id=row.id,
                customer_id=cmd.customer_id,
                seq=part.seq,
                due_at=part.due_at,
                bonus_fen=part.bonus_fen,
                coupon_template_ids=json.dumps(list(part.coupon_template_ids)),
                gift_products=json.dumps([list(p) for p in part.gift_products]),
                created_at=now,
            )
            session.add(inst)
            parts.append(inst)
        session.flush()
        if parts:
            release(uow, stock, parts[0], now=now)
        uow.publish(events.recharge_recorded(row, member_type), actor.tenant_id)
        view = _view(uow, row)
        uow.commit()
        return view


def release_due(db: Database, stock: ClaimStock, *, now: datetime, limit: int = 1000) -> int:
    """The scheduled job: every instalment due by `now` and not yet released, each in its own
    transaction (one customer's failure does not hold back the others)."""
    with db.uow() as uow:
        ids = uow.session.scalars(
            select(RechargeInstalmentRow.id)
            .where(RechargeInstalmentRow.released_at.is_(None), RechargeInstalmentRow.due_at <= now)
            .order_by(RechargeInstalmentRow.due_at)
            .limit(limit)
        ).all()
    released = 0
    for instalment_id in ids:
        with db.uow() as uow:
            part = uow.session.get(RechargeInstalmentRow, instalment_id)
            if part is not None and part.released_at is None and release(uow, stock, part, now=now):
                uow.commit()
                released += 1
    return released
