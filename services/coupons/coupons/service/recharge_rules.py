"""Recharge rules (E7): what a payment of at least so much earns (bonus, gift coupons, gift
products, at once or in monthly instalments), set by the owner or a store manager."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coupons import events
from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import RechargeRuleRow
from coupons.models_coupons import CouponTemplateRow
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound, PermissionDenied

RULE_ROLES = ("owner", "store_manager")


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


def rule_of(row: RechargeRuleRow) -> rules.Rule:
    """A stored rule as the recharge rules (domain/stored_value.py) read it."""
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
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)


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
        uow.publish(events.recharge_rule_created(row.id, row.member_type), actor.tenant_id)
        uow.commit()
        return row


def list_rules(uow: UnitOfWork, actor: Actor, member_type: str = "") -> list[RechargeRuleRow]:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
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
            raise NotFound(ErrorCode.RECHARGE_RULE_NOT_FOUND, params={"id": rule_id})
        row.active = active
        uow.publish(events.recharge_rule_changed(row.id, active), actor.tenant_id)
        uow.commit()
        return row
