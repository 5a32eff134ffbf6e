"""Statistics of one template (E6): issued, claimed, redeemed, redemption rate, and per day
(China time, the merchant's calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from coupons.domain.redemption import ACTIVE, REDEEMED
from coupons.models_coupons import CouponRow
from coupons.service.coupons_issue import CLAIM
from coupons.service.templates import load_template, require_manager
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput

CHINA = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 366


@dataclass(frozen=True)
class DayStats:
    date: date
    issued: int
    claimed: int
    redeemed: int


@dataclass(frozen=True)
class TemplateStats:
    template_id: str
    issued: int
    claimed: int
    redeemed: int
    redemption_rate_bp: int
    days: tuple[DayStats, ...]


def _parse(value: str, field: str, fields: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fields[field] = "validation.invalid_date"
        return None


def template_stats(
    uow: UnitOfWork, actor: Actor, template_id: str, date_from: str, date_to: str, *, now: datetime
) -> TemplateStats:
    require_manager(actor)
    fields: dict[str, str] = {}
    start, end = _parse(date_from, "date_from", fields), _parse(date_to, "date_to", fields)
    today = now.astimezone(CHINA).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if not fields and (end < start or (end - start).days >= MAX_DAYS):
        fields["date_to"] = "validation.invalid"
    if fields:
        raise InvalidInput("COUPON_STATS_INVALID", fields=fields)
    lo = datetime.combine(start, datetime.min.time(), CHINA)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA)
    with uow:
        load_template(uow.session, actor.tenant_id, template_id)
        # Printed coupons count once handed out or sold (E3); before that they are stock.
        where = (
            CouponRow.tenant_id == actor.tenant_id,
            CouponRow.template_id == template_id,
            CouponRow.status.in_((ACTIVE, REDEEMED)),
        )
        issued, claimed, redeemed = uow.session.execute(
            select(
                func.count(),
                func.count().filter(CouponRow.channel == CLAIM),
                func.count().filter(CouponRow.status == REDEEMED),
            ).where(*where)
        ).one()
        issued_rows = uow.session.execute(
            select(CouponRow.created_at, CouponRow.channel).where(
                *where, CouponRow.created_at >= lo, CouponRow.created_at < hi
            )
        ).all()
        redeemed_rows = uow.session.scalars(
            select(CouponRow.redeemed_at).where(*where, CouponRow.redeemed_at >= lo, CouponRow.redeemed_at < hi)
        ).all()
    per_day = {start + timedelta(days=i): [0, 0, 0] for i in range((end - start).days + 1)}
    for at, channel in issued_rows:
        counts = per_day[at.astimezone(CHINA).date()]
        counts[0] += 1
        counts[1] += channel == CLAIM
    for at in redeemed_rows:
        per_day[at.astimezone(CHINA).date()][2] += 1
    rate = redeemed * 10000 // issued if issued else 0
    days = tuple(DayStats(d, *c) for d, c in sorted(per_day.items()))
    return TemplateStats(template_id, issued, claimed, redeemed, rate, days)
