"""Statistics of one template or one campaign (E6): issued, claimed, redeemed, redemption rate, and per day
(China time, the merchant's calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from coupons.domain.redemption import ACTIVE, REDEEMED
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponRow, CouponSegmentSendMemberRow, CouponSegmentSendRow
from coupons.service.coupons_issue import CLAIM
from coupons.service.coupons_segment_send import ISSUED
from coupons.service.templates import MANAGERS, load_template, require_manager, require_staff
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound
from crmkit.periods import CHINA, report_period


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


def _stats(uow: UnitOfWork, template_id: str, where: tuple, start: date, end: date) -> TemplateStats:
    """The counts of the coupons `where` selects, in total and per China day of the period."""
    lo = datetime.combine(start, datetime.min.time(), CHINA)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA)
    # Printed coupons count once handed out or sold (E3); before that they are stock.
    where = (*where, CouponRow.status.in_((ACTIVE, REDEEMED)))
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


def template_stats(
    uow: UnitOfWork, actor: Actor, template_id: str, date_from: str, date_to: str, *, now: datetime
) -> TemplateStats:
    require_manager(actor)
    start, end = report_period(date_from, date_to, now, code=ErrorCode.COUPON_STATS_INVALID)
    with uow:
        load_template(uow.session, actor.tenant_id, template_id)
        where = (CouponRow.tenant_id == actor.tenant_id, CouponRow.template_id == template_id)
        return _stats(uow, template_id, where, start, end)


def send_stats(
    uow: UnitOfWork, actor: Actor, send_id: str, date_from: str, date_to: str, *, now: datetime
) -> tuple[CouponSegmentSendRow, TemplateStats, dict[str, int]]:
    """One campaign (a send to a segment, E2 E10): the coupons it issued, how many were used,
    and the members it skipped by reason. Managers see every send; a salesperson their own."""
    require_staff(actor)
    start, end = report_period(date_from, date_to, now, code=ErrorCode.COUPON_STATS_INVALID)
    with uow:
        send = uow.session.scalar(
            select(CouponSegmentSendRow).where(
                CouponSegmentSendRow.tenant_id == actor.tenant_id, CouponSegmentSendRow.id == send_id
            )
        )
        if send is None or not (actor.has_role(*MANAGERS) or send.created_by == actor.staff_id):
            raise NotFound(ErrorCode.COUPON_SEND_NOT_FOUND)
        members = CouponSegmentSendMemberRow
        sent_coupons = select(members.coupon_id).where(
            members.tenant_id == actor.tenant_id, members.send_id == send.id, members.outcome == ISSUED
        )
        where = (CouponRow.tenant_id == actor.tenant_id, CouponRow.id.in_(sent_coupons))
        stats = _stats(uow, send.template_id, where, start, end)
        skipped = dict(
            uow.session.execute(
                select(members.outcome, func.count())
                .where(members.tenant_id == actor.tenant_id, members.send_id == send.id, members.outcome != ISSUED)
                .group_by(members.outcome)
            ).all()
        )
        uow.session.expunge(send)
        return send, stats, skipped
