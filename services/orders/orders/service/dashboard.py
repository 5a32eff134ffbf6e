"""B10 store takings per China day and B11 product ranking, summed from the facts written at
approval (sales_facts, commission_lines): a return nets out on the day it is approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.periods import china_day_sql
from orders.domain.performance import ORDER, RETURN, day_span, invalid_field, ranking_limit, visible_stores
from orders.models_performance import CommissionLineRow, SalesFactRow

BY_QUANTITY = "quantity"
BY_AMOUNT = "amount"


@dataclass(frozen=True)
class DailyTakingsView:
    date: str
    store_id: str
    orders: int
    sales_fen: int
    returns_fen: int
    takings_fen: int


@dataclass(frozen=True)
class DashboardView:
    days: list[DailyTakingsView]
    total_takings_fen: int


@dataclass(frozen=True)
class ProductRankView:
    rank: int
    product_id: str
    product_name: str
    quantity: int
    amount_fen: int


def store_dashboard(
    uow: UnitOfWork, actor: Actor, date_from: str, date_to: str, store_id: str, *, now: datetime
) -> DashboardView:
    stores = visible_stores(actor, store_id)
    _days, start, end = day_span(date_from, date_to)
    f = SalesFactRow
    with uow:
        day = china_day_sql(f.approved_at, uow.session.bind.dialect.name).label("day")
        query = select(
            day,
            f.store_id,
            func.count(case((f.kind == ORDER, 1))),
            func.coalesce(func.sum(case((f.kind == ORDER, f.amount_fen), else_=0)), 0),
            func.coalesce(func.sum(case((f.kind == RETURN, -f.amount_fen), else_=0)), 0),
        ).where(f.tenant_id == actor.tenant_id, f.approved_at >= start, f.approved_at < end)
        if stores is not None:
            query = query.where(f.store_id.in_(stores))
        rows = uow.session.execute(query.group_by(day, f.store_id).order_by(day, f.store_id)).all()
    # Only days and stores with approvals: a screen of empty rows helps nobody; the client
    # draws the calendar.
    result = [DailyTakingsView(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[3]) - int(r[4])) for r in rows]
    return DashboardView(result, sum(d.takings_fen for d in result))


def product_ranking(
    uow: UnitOfWork, actor: Actor, date_from: str, date_to: str, by: str, limit: int, *, now: datetime
) -> list[ProductRankView]:
    """Net of returns over the period; ties broken by product name, then id (stable pages)."""
    stores = visible_stores(actor, "")
    _days, start, end = day_span(date_from, date_to)
    limit = ranking_limit(limit)
    if by not in (BY_QUANTITY, BY_AMOUNT):
        raise invalid_field("by", "validation.invalid_choice")
    c = CommissionLineRow
    quantity = func.sum(c.quantity).label("quantity")
    amount = func.sum(c.amount_fen).label("amount")
    # One name per product even after a rename (lines keep the name they were sold under).
    name = func.max(c.product_name).label("name")
    query = select(c.product_id, name, quantity, amount).where(
        c.tenant_id == actor.tenant_id, c.approved_at >= start, c.approved_at < end
    )
    if stores is not None:
        query = query.where(c.store_id.in_(stores))
    first, second = (quantity, amount) if by == BY_QUANTITY else (amount, quantity)
    query = query.group_by(c.product_id).order_by(first.desc(), second.desc(), name, c.product_id).limit(limit)
    with uow:
        rows = uow.session.execute(query).all()
    return [ProductRankView(i + 1, r[0], r[1], int(r[2]), int(r[3])) for i, r in enumerate(rows)]
