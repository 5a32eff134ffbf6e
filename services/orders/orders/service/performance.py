"""B9 use cases: sales targets, commission rules, a salesperson's month and its commission lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, NotFound
from crmkit.paging import Page
from orders.domain.commission import Rule, RuleInput, check_rule
from orders.domain.performance import (
    ORDER,
    RETURN,
    check_target_amount,
    completion_bp,
    figure_stores,
    invalid_field,
    is_manager,
    parse_month,
    require_manager,
    require_staff,
    whose,
)
from orders.errors import ErrorCode
from orders.models_performance import CommissionLineRow, CommissionRuleRow, SalesFactRow, SalesTargetRow


@dataclass(frozen=True)
class TargetView:
    staff_id: str
    month: str
    amount_fen: int


@dataclass(frozen=True)
class PerformanceView:
    staff_id: str
    month: str
    sales_fen: int
    returns_fen: int
    net_sales_fen: int
    target_fen: int
    completion_bp: int
    commission_fen: int
    orders: int


@dataclass(frozen=True)
class CommissionDetailView:
    document_id: str
    number: str
    kind: str
    product_id: str
    product_name: str
    quantity: int
    amount_fen: int
    rule_id: str
    commission_fen: int


@dataclass(frozen=True)
class CommissionPage:
    details: list[CommissionDetailView]
    total: int
    total_commission_fen: int


def set_target(uow: UnitOfWork, actor: Actor, staff_id: str, month: str, amount_fen: int, *, now: datetime):
    manager = require_manager(actor)
    if not staff_id:
        raise invalid_field("staff_id", "validation.required")
    month = parse_month(month or "-", now)  # a target names its month: empty is not "this month"
    amount_fen = check_target_amount(amount_fen)
    with uow:
        row = uow.session.scalar(
            select(SalesTargetRow)
            .where(
                SalesTargetRow.tenant_id == actor.tenant_id,
                SalesTargetRow.staff_id == staff_id,
                SalesTargetRow.month == month,
            )
            .with_for_update()
        )
        if row is None:
            row = SalesTargetRow(tenant_id=actor.tenant_id, staff_id=staff_id, month=month, created_at=now)
            uow.session.add(row)
        row.amount_fen, row.updated_by, row.updated_at = amount_fen, manager, now
        try:
            uow.commit()
        except IntegrityError:
            # Two managers created the same target at once: the other one's insert won; update it.
            uow.rollback()
            return set_target(uow, actor, staff_id, month, amount_fen, now=now)
    return TargetView(staff_id, month, amount_fen)


def list_targets(uow: UnitOfWork, actor: Actor, month: str, *, now: datetime) -> list[TargetView]:
    """Managers see every target of the month; a salesperson only their own."""
    me = require_staff(actor)
    month = parse_month(month, now)
    query = select(SalesTargetRow).where(SalesTargetRow.tenant_id == actor.tenant_id, SalesTargetRow.month == month)
    if not is_manager(actor):
        query = query.where(SalesTargetRow.staff_id == me)
    with uow:
        rows = uow.session.scalars(query.order_by(SalesTargetRow.staff_id)).all()
        return [TargetView(r.staff_id, r.month, r.amount_fen) for r in rows]


def _rule(row: CommissionRuleRow) -> Rule:
    return Rule(row.id, row.scope, row.target, row.kind, row.rate_bp, row.amount_per_unit_fen)


def create_rule(uow: UnitOfWork, actor: Actor, rule: RuleInput, *, product_exists, now: datetime) -> Rule:
    """`product_exists(session, tenant_id, product_id)` checks a PRODUCT rule's target is this
    tenant's product (another tenant's id is NotFound, as everywhere)."""
    manager = require_manager(actor)
    rule = check_rule(rule)
    with uow:
        if rule.scope == "product" and not product_exists(uow.session, actor.tenant_id, rule.target):
            raise NotFound(ErrorCode.PRODUCT_NOT_FOUND, params={"product_id": rule.target})
        row = CommissionRuleRow(
            tenant_id=actor.tenant_id,
            scope=rule.scope,
            target=rule.target,
            kind=rule.kind,
            rate_bp=rule.rate_bp,
            amount_per_unit_fen=rule.amount_per_unit_fen,
            created_by=manager,
            created_at=now,
        )
        uow.session.add(row)
        try:
            uow.commit()
        except IntegrityError:
            raise AlreadyExists(ErrorCode.COMMISSION_RULE_EXISTS, params={"target": rule.target}) from None
        return _rule(row)


def list_rules(uow: UnitOfWork, actor: Actor) -> list[Rule]:
    """Any staff member may read the rules: a salesperson should know what they are paid on."""
    require_staff(actor)
    with uow:
        rows = uow.session.scalars(
            select(CommissionRuleRow)
            .where(CommissionRuleRow.tenant_id == actor.tenant_id)
            .order_by(CommissionRuleRow.scope, CommissionRuleRow.target)
        ).all()
        return [_rule(r) for r in rows]


def delete_rule(uow: UnitOfWork, actor: Actor, rule_id: str) -> None:
    """Lines already approved keep the commission they were stored with."""
    require_manager(actor)
    with uow:
        gone = uow.session.execute(
            delete(CommissionRuleRow).where(
                CommissionRuleRow.tenant_id == actor.tenant_id, CommissionRuleRow.id == rule_id
            )
        ).rowcount
        if not gone:
            raise NotFound(ErrorCode.COMMISSION_RULE_NOT_FOUND, params={"id": rule_id})
        uow.commit()


def get_performance(uow: UnitOfWork, actor: Actor, month: str, staff_id: str, *, now: datetime) -> PerformanceView:
    staff_id = whose(actor, staff_id)
    stores = figure_stores(actor, staff_id)
    month = parse_month(month, now)
    tenant = actor.tenant_id
    fact_stores = () if stores is None else (SalesFactRow.store_id.in_(stores),)
    line_stores = () if stores is None else (CommissionLineRow.store_id.in_(stores),)
    with uow:
        s = uow.session
        sales, returns, orders = s.execute(
            select(
                func.coalesce(func.sum(case((SalesFactRow.kind == ORDER, SalesFactRow.amount_fen), else_=0)), 0),
                func.coalesce(func.sum(case((SalesFactRow.kind == RETURN, -SalesFactRow.amount_fen), else_=0)), 0),
                func.count(case((SalesFactRow.kind == ORDER, 1))),
            ).where(
                SalesFactRow.tenant_id == tenant,
                SalesFactRow.month == month,
                SalesFactRow.salesperson_id == staff_id,
                *fact_stores,
            )
        ).one()
        commission = s.scalar(
            select(func.coalesce(func.sum(CommissionLineRow.commission_fen), 0)).where(
                CommissionLineRow.tenant_id == tenant,
                CommissionLineRow.salesperson_id == staff_id,
                CommissionLineRow.month == month,
                *line_stores,
            )
        )
        target = s.scalar(
            select(SalesTargetRow.amount_fen).where(
                SalesTargetRow.tenant_id == tenant, SalesTargetRow.staff_id == staff_id, SalesTargetRow.month == month
            )
        )
    sales, returns, target = int(sales), int(returns), int(target or 0)
    net = sales - returns
    return PerformanceView(
        staff_id, month, sales, returns, net, target, completion_bp(net, target), int(commission), int(orders)
    )


def list_commission_details(
    uow: UnitOfWork, actor: Actor, month: str, staff_id: str, page: Page, *, now: datetime
) -> CommissionPage:
    staff_id = whose(actor, staff_id)
    stores = figure_stores(actor, staff_id)
    month = parse_month(month, now)
    where = (
        CommissionLineRow.tenant_id == actor.tenant_id,
        CommissionLineRow.salesperson_id == staff_id,
        CommissionLineRow.month == month,
        *(() if stores is None else (CommissionLineRow.store_id.in_(stores),)),
    )
    with uow:
        s = uow.session
        total, commission = s.execute(
            select(func.count(), func.coalesce(func.sum(CommissionLineRow.commission_fen), 0)).where(*where)
        ).one()
        rows = s.scalars(
            select(CommissionLineRow)
            .where(*where)
            .order_by(CommissionLineRow.approved_at.desc(), CommissionLineRow.number, CommissionLineRow.position)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        details = [
            CommissionDetailView(
                r.document_id,
                r.number,
                r.kind,
                r.product_id,
                r.product_name,
                r.quantity,
                r.amount_fen,
                r.rule_id,
                r.commission_fen,
            )
            for r in rows
        ]
    return CommissionPage(details, int(total), int(commission))
