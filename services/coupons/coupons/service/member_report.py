"""The merchant's member report (E6), stored-value part: per China day of a period, recharges,
bonuses credited, stored value spent and points earned/spent; and what members hold now.

Everything is read from the immutable ledger (sv_ledger_entries) with aggregate queries grouped
by China day in the database, so the report costs a few index range scans however many entries
a tenant has; the outstanding totals are one aggregate over the accounts table (one row per
customer). New members are counted by the customers service (GetNewCustomerReport); the gateway
merges both per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import LedgerEntryRow, StoredValueAccountRow
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import PermissionDenied
from crmkit.periods import CHINA, china_day_sql, report_period

# Money figures of the whole tenant: the roles that may write balances may read them in sum.
REPORT_ROLES = ("owner", "store_manager", "finance")


@dataclass(frozen=True)
class MemberDay:
    date: date
    recharges: int = 0
    recharge_paid_fen: int = 0
    recharge_bonus_fen: int = 0
    stored_value_spent_fen: int = 0
    points_earned: int = 0
    points_spent: int = 0


@dataclass(frozen=True)
class MemberReport:
    date_from: date
    date_to: date
    days: tuple[MemberDay, ...]
    balance_fen: int
    accounts_with_balance: int
    points_outstanding: int


def _sum(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def member_report(uow: UnitOfWork, actor: Actor, date_from: str, date_to: str, *, now: datetime) -> MemberReport:
    if not actor.is_service and (actor.staff_id is None or not actor.has_role(*REPORT_ROLES)):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    start, end = report_period(date_from, date_to, now, code=ErrorCode.STORED_VALUE_INPUT_INVALID)
    lo = datetime.combine(start, datetime.min.time(), CHINA)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA)
    e = LedgerEntryRow
    with uow:
        day = china_day_sql(e.created_at, uow.session.bind.dialect.name).label("day")
        balance, points = e.kind == rules.BALANCE, e.kind == rules.POINTS
        rows = uow.session.execute(
            select(
                day,
                func.count(case((balance & (e.reason == rules.RECHARGE), 1))),
                _sum(balance & (e.reason == rules.RECHARGE), e.amount),
                _sum(balance & (e.reason == rules.RECHARGE_BONUS), e.amount),
                _sum(balance & (e.amount < 0), -e.amount),
                _sum(points & (e.amount > 0), e.amount),
                _sum(points & (e.amount < 0), -e.amount),
            )
            .where(e.tenant_id == actor.tenant_id, e.created_at >= lo, e.created_at < hi)
            .group_by(day)
        ).all()
        a = StoredValueAccountRow
        balance_fen, with_balance, points_held = uow.session.execute(
            select(
                func.coalesce(func.sum(a.balance_fen), 0),
                func.count(case((a.balance_fen > 0, 1))),
                func.coalesce(func.sum(a.points), 0),
            ).where(a.tenant_id == actor.tenant_id)
        ).one()
    found = {r[0]: tuple(int(v) for v in r[1:]) for r in rows}
    # Every day of the period, zeros included: a report's calendar has no holes.
    days = tuple(
        MemberDay(d, *found.get(d.isoformat(), ()))
        for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
    )
    return MemberReport(start, end, days, int(balance_fen), int(with_balance), int(points_held))
