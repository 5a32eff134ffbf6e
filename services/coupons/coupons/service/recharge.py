"""Recharge rules and recharges (E7): staff record a payment; the best matching rule adds its
bonus and gifts, at once or in monthly instalments (`python -m coupons.jobs release-instalments`).

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
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from coupons.domain import stored_value as rules
from coupons.errors import StoredValueCodes as Codes
from coupons.models import (
    LedgerEntryRow,
    RechargeGiftOutcomeRow,
    RechargeInstalmentRow,
    RechargeRow,
    RechargeRuleRow,
)
from coupons.models_coupons import CouponTemplateRow
from coupons.service import coupons_issue
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import ClaimStock
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
from crmkit.errors import NotFound, PermissionDenied

RULE_ROLES = ("owner", "store_manager")

# Gift outcomes (E7): kinds, statuses and the reasons a gift did not go through.
GIFT_COUPON = "coupon"
GIFT_PRODUCT = "product"
ISSUED = "issued"
SKIPPED = "skipped"
PENDING = "pending"
HANDED_OUT = "handed_out"
REFUSED = "refused"
NO_STORE = "no_store"  # the recharge was taken by staff without a store: no shelf to take from
INSUFFICIENT_STOCK = "insufficient_stock"
PRODUCT_NOT_FOUND = "product_not_found"
OTHER_GIFT_REFUSED = "other_gift_refused"  # all or none: another product of the instalment was refused
ORDERS_REFUSED = "orders_refused"  # any other refusal of the orders service


@dataclass(frozen=True)
class RuleInput:
    name: str
    member_type: str
    pay_fen: int
    bonus_fen: int
    coupon_template_ids: tuple[str, ...] = ()
    gift_products: tuple[tuple[str, int], ...] = ()
    instalments: int = 1
    first_recharge_only: bool = False


def _rule(row: RechargeRuleRow) -> rules.Rule:
    return rules.Rule(
        id=row.id,
        member_type=row.member_type,
        pay_fen=row.pay_fen,
        bonus_fen=row.bonus_fen,
        coupon_template_ids=tuple(json.loads(row.coupon_template_ids)),
        gift_products=tuple((p, q) for p, q in json.loads(row.gift_products)),
        instalments=row.instalments,
        first_recharge_only=row.first_recharge_only,
    )


def _require_rule_role(actor: Actor) -> None:
    if actor.staff_id is None or not actor.has_role(*RULE_ROLES):
        raise PermissionDenied(Codes.DENIED, "error.permission_denied")


def create_rule(uow: UnitOfWork, actor: Actor, cmd: RuleInput, *, now: datetime) -> RechargeRuleRow:
    _require_rule_role(actor)
    rule = rules.Rule(
        "",
        cmd.member_type,
        cmd.pay_fen,
        cmd.bonus_fen,
        tuple(cmd.coupon_template_ids),
        tuple(cmd.gift_products),
        cmd.instalments or 1,
        cmd.first_recharge_only,
    )
    rules.check_rule(rule, cmd.name)
    with uow:
        # Gift coupons are issued from these templates at every recharge: they must be the
        # tenant's own (a later deletion or expiry is recorded per recharge, see README).
        wanted = set(rule.coupon_template_ids)
        found = set(
            uow.session.scalars(
                select(CouponTemplateRow.id).where(
                    CouponTemplateRow.tenant_id == actor.tenant_id, CouponTemplateRow.id.in_(wanted)
                )
            )
        )
        if wanted - found:
            raise rules.invalid(coupon_template_ids="validation.invalid")
        row = RechargeRuleRow(
            tenant_id=actor.tenant_id,
            name=cmd.name.strip(),
            member_type=rule.member_type,
            pay_fen=rule.pay_fen,
            bonus_fen=rule.bonus_fen,
            coupon_template_ids=json.dumps(list(rule.coupon_template_ids)),
            gift_products=json.dumps([list(p) for p in rule.gift_products]),
            instalments=rule.instalments,
            first_recharge_only=rule.first_recharge_only,
            active=True,
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.publish("recharge_rule_created", actor.tenant_id, {"rule_id": row.id, "member_type": row.member_type})
        uow.commit()
        return row


def list_rules(uow: UnitOfWork, actor: Actor, member_type: str = "") -> list[RechargeRuleRow]:
    if actor.staff_id is None:
        raise PermissionDenied(Codes.DENIED, "error.permission_denied")
    if member_type and member_type not in rules.MEMBER_TYPES:
        raise rules.invalid(member_type="validation.invalid_choice")
    with uow:
        query = select(RechargeRuleRow).where(RechargeRuleRow.tenant_id == actor.tenant_id)
        if member_type:
            query = query.where(RechargeRuleRow.member_type == member_type)
        found = list(uow.session.scalars(query.order_by(RechargeRuleRow.pay_fen, RechargeRuleRow.id)))
        uow.session.expunge_all()  # the read-only transaction's rollback must not expire them
        return found


def set_rule_active(uow: UnitOfWork, actor: Actor, rule_id: str, active: bool) -> RechargeRuleRow:
    _require_rule_role(actor)
    with uow:
        row = uow.session.get(RechargeRuleRow, rule_id) if rule_id else None
        if row is None or row.tenant_id != actor.tenant_id:
            raise NotFound(Codes.RULE_NOT_FOUND, "error.recharge_rule_not_found", params={"id": rule_id})
        row.active = active
        uow.publish("recharge_rule_changed", actor.tenant_id, {"rule_id": row.id, "active": active})
        uow.commit()
        return row


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


def _outcome(
    uow: UnitOfWork,
    part: RechargeInstalmentRow,
    kind: str,
    item_id: str,
    quantity: int,
    status: str,
    reason: str,
    now: datetime,
) -> None:
    uow.session.add(
        RechargeGiftOutcomeRow(
            tenant_id=part.tenant_id,
            recharge_id=part.recharge_id,
            instalment=part.seq,
            kind=kind,
            item_id=item_id,
            quantity=quantity,
            status=status,
            reason=reason,
            updated_at=now,
            created_at=now,
        )
    )


def issue_gift_coupons(uow: UnitOfWork, stock: ClaimStock, part: RechargeInstalmentRow, *, now: datetime) -> None:
    """The instalment's gift coupons go straight into the customer's hands, in the release's
    transaction. The money is already paid, so a gift that cannot be issued (template gone or
    expired, sold out, the customer at the per-person limit) never refuses the recharge: it is
    skipped, its outcome row says why (staff see it on the recharge) and
    `recharge_gift_coupon_skipped` tells other services."""
    wanted = Counter(json.loads(part.coupon_template_ids))
    for template_id, count in wanted.items():
        outcome = coupons_issue.issue_to_holder(
            uow,
            stock,
            part.tenant_id,
            template_id,
            part.customer_id,
            "",
            count=count,
            channel=coupons_issue.RECHARGE_GIFT,
            now=now,
        )
        status = SKIPPED if outcome.refused else ISSUED
        _outcome(uow, part, GIFT_COUPON, template_id, count, status, outcome.refused, now)
        if outcome.refused:
            uow.publish(
                "recharge_gift_coupon_skipped",
                part.tenant_id,
                {
                    "recharge_id": part.recharge_id,
                    "customer_id": part.customer_id,
                    "instalment": part.seq,
                    "template_id": template_id,
                    "count": count,
                    "reason": outcome.refused,
                },
            )


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
    products: Counter[str] = Counter()
    for product_id, quantity in json.loads(part.gift_products):
        products[product_id] += quantity
    if products:
        store_id = uow.session.get(RechargeRow, part.recharge_id).store_id
        for product_id, quantity in sorted(products.items()):
            # Pending until the worker hears back from orders; refused at once without a store.
            status, reason = (PENDING, "") if store_id else (REFUSED, NO_STORE)
            _outcome(uow, part, GIFT_PRODUCT, product_id, quantity, status, reason, now)
        if store_id:
            uow.publish(
                "recharge_gift_products",
                part.tenant_id,
                {
                    "recharge_id": part.recharge_id,
                    "customer_id": part.customer_id,
                    "instalment": part.seq,
                    "store_id": store_id,
                    "products": [{"product_id": p, "quantity": q} for p, q in sorted(products.items())],
                },
            )
    return True


def gift_products_idempotency_key(recharge_id: str, instalment: int) -> str:
    """The key orders deducts an instalment's gift products under: once, however often asked."""
    return f"recharge:{recharge_id}:{instalment}"


def record_product_gifts(
    uow: UnitOfWork,
    tenant_id: str,
    recharge_id: str,
    instalment: int,
    status: str,
    reasons: dict[str, str],
    *,
    now: datetime,
) -> int:
    """Inside the caller's transaction: the instalment's pending product gifts become handed out
    or refused (`reasons` by product id, "" when it went through). Rows no longer pending stay
    as they are, so a redelivered answer changes nothing. The number of rows changed."""
    rows = uow.session.scalars(
        select(RechargeGiftOutcomeRow)
        .where(
            RechargeGiftOutcomeRow.tenant_id == tenant_id,
            RechargeGiftOutcomeRow.recharge_id == recharge_id,
            RechargeGiftOutcomeRow.instalment == instalment,
            RechargeGiftOutcomeRow.kind == GIFT_PRODUCT,
            RechargeGiftOutcomeRow.status == PENDING,
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.status = status
        row.reason = reasons.get(row.item_id, "")
        row.updated_at = now
    return len(rows)


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
        raise NotFound(Codes.RECHARGE_NOT_FOUND, "error.recharge_not_found", params={"id": recharge_id})
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
            [_rule(r) for r in active], member_type, cmd.paid_fen, first_recharge=account.recharges == 0
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
        uow.publish(
            "recharge_recorded",
            actor.tenant_id,
            {
                "recharge_id": row.id,
                "customer_id": row.customer_id,
                "paid_fen": row.paid_fen,
                "bonus_fen": row.bonus_fen,
                "rule_id": row.rule_id or "",
                "member_type": member_type,
            },
        )
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
