"""Expiry reminders (E5): N days (the template's remind_days_before) before a coupon expires
its holder is notified through a `coupon_expiring` event, once per coupon."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from coupons import events
from coupons.domain.redemption import ACTIVE
from coupons.models_coupons import CouponRow, CouponTemplateRow

BATCH = 500
# remind_days_before is at most 365 (template validation).
HORIZON = timedelta(days=366)


def due(valid_until: datetime, remind_days_before: int, now: datetime) -> bool:
    return remind_days_before > 0 and valid_until - timedelta(days=remind_days_before) <= now < valid_until


def remind_expiring(uow_factory, now: datetime) -> int:
    """Every tenant's coupons now inside their reminder window and not yet reminded; each one
    is marked by a conditional UPDATE in the same transaction as its event, so a rerun (or two
    runs at once) reminds nobody twice. Returns how many were reminded."""
    reminded = 0
    after_id = ""
    while True:
        with uow_factory() as uow:
            rows = uow.session.execute(
                select(CouponRow, CouponTemplateRow.remind_days_before, CouponTemplateRow.name)
                .join(CouponTemplateRow, CouponTemplateRow.id == CouponRow.template_id)
                .where(
                    CouponRow.status == ACTIVE,
                    CouponRow.reminded_at.is_(None),
                    CouponRow.valid_until > now,
                    CouponRow.valid_until <= now + HORIZON,
                    CouponTemplateRow.remind_days_before > 0,
                    CouponRow.id > after_id,
                )
                .order_by(CouponRow.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return reminded
            after_id = rows[-1][0].id
            for coupon, days, name in rows:
                if not due(coupon.valid_until, days, now):
                    continue
                changed = uow.session.execute(
                    update(CouponRow)
                    .where(CouponRow.id == coupon.id, CouponRow.reminded_at.is_(None))
                    .values(reminded_at=now)
                ).rowcount
                if changed != 1:
                    continue
                uow.publish(events.coupon_expiring(coupon, name), coupon.tenant_id)
                reminded += 1
            uow.commit()
