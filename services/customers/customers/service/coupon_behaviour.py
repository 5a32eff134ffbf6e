"""Writing the coupon-behaviour read model (C4) from the coupons service's events.

One row per coupon, written by upserts (INSERT ... ON CONFLICT DO UPDATE): two events of one
coupon handled at once by two worker threads never collide on the insert, and each event
leaves the row right whatever order the events arrive in:

- issued: the holder, template, issue time and validity (the coupons service's word on them);
- redeemed: counts unless the row already has a newer redemption or a release after it (a
  late redemption event of an order whose release was seen first);
- released: clears the redemption only when it is the released order's;
- expiring: fills what is missing (a coupon issued before this read model existed becomes
  known when its expiry reminder is sent).

The CASE expressions read the row's old values (both PostgreSQL and SQLite evaluate SET against
the row before the update), so the order of the assignments does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, null, or_
from sqlalchemy.orm import Session

from crmkit.db import upsert_insert
from customers.models import CustomerCouponRow

KEYS = ["tenant_id", "coupon_id"]


@dataclass(frozen=True)
class CouponIssued:
    coupon_id: str
    customer_id: str
    template_id: str
    issued_at: datetime
    valid_until: datetime


@dataclass(frozen=True)
class CouponRedeemed:
    coupon_id: str
    customer_id: str
    template_id: str
    order_id: str
    redeemed_at: datetime


@dataclass(frozen=True)
class CouponReleased:
    coupon_id: str
    order_id: str
    released_at: datetime


@dataclass(frozen=True)
class CouponExpiring:
    coupon_id: str
    customer_id: str
    template_id: str
    valid_until: datetime


def _insert(session: Session, values: dict):
    return upsert_insert(session, CustomerCouponRow).values(**values)


def record_issued(session: Session, tenant_id: str, fact: CouponIssued) -> None:
    stmt = _insert(
        session,
        {
            "tenant_id": tenant_id,
            "coupon_id": fact.coupon_id,
            "customer_id": fact.customer_id,
            "template_id": fact.template_id,
            "issued_at": fact.issued_at,
            "valid_until": fact.valid_until,
        },
    )
    new = stmt.excluded
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=KEYS,
            # The redemption columns stay as they are: a redemption seen first still counts.
            set_={
                "customer_id": new.customer_id,
                "template_id": new.template_id,
                "issued_at": new.issued_at,
                "valid_until": new.valid_until,
            },
        )
    )


def record_redeemed(session: Session, tenant_id: str, fact: CouponRedeemed) -> None:
    row = CustomerCouponRow
    stmt = _insert(
        session,
        {
            "tenant_id": tenant_id,
            "coupon_id": fact.coupon_id,
            "customer_id": fact.customer_id,
            "template_id": fact.template_id,
            "redeemed_at": fact.redeemed_at,
            "redeemed_order_id": fact.order_id or None,
        },
    )
    new = stmt.excluded
    newest = and_(
        or_(row.redeemed_at.is_(None), row.redeemed_at < new.redeemed_at),
        or_(row.released_at.is_(None), row.released_at < new.redeemed_at),
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=KEYS,
            set_={
                "customer_id": func.coalesce(row.customer_id, new.customer_id),
                "template_id": func.coalesce(row.template_id, new.template_id),
                "redeemed_at": case((newest, new.redeemed_at), else_=row.redeemed_at),
                "redeemed_order_id": case((newest, new.redeemed_order_id), else_=row.redeemed_order_id),
            },
        )
    )


def record_released(session: Session, tenant_id: str, fact: CouponReleased) -> None:
    """The event names no customer: the row (found by coupon) knows it. Seen before the
    redemption it gives back, it leaves a row with only the release time, so that redemption
    is not counted when it comes."""
    row = CustomerCouponRow
    stmt = _insert(session, {"tenant_id": tenant_id, "coupon_id": fact.coupon_id, "released_at": fact.released_at})
    new = stmt.excluded
    this_order = row.redeemed_order_id == fact.order_id
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=KEYS,
            set_={
                "redeemed_at": case((this_order, null()), else_=row.redeemed_at),
                "redeemed_order_id": case((this_order, null()), else_=row.redeemed_order_id),
                "released_at": case(
                    (or_(row.released_at.is_(None), row.released_at < new.released_at), new.released_at),
                    else_=row.released_at,
                ),
            },
        )
    )


def record_expiring(session: Session, tenant_id: str, fact: CouponExpiring) -> None:
    row = CustomerCouponRow
    stmt = _insert(
        session,
        {
            "tenant_id": tenant_id,
            "coupon_id": fact.coupon_id,
            "customer_id": fact.customer_id,
            "template_id": fact.template_id,
            "valid_until": fact.valid_until,
        },
    )
    new = stmt.excluded
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=KEYS,
            set_={
                "customer_id": func.coalesce(row.customer_id, new.customer_id),
                "template_id": func.coalesce(row.template_id, new.template_id),
                "valid_until": func.coalesce(row.valid_until, new.valid_until),
            },
        )
    )
