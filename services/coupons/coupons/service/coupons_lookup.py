"""Coupons as staff find them (E2 E4 B7): by code typed or scanned, or listed by template,
holder or phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from coupons.domain import codes
from coupons.domain.redemption import ACTIVE
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponRow
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_issue import CouponView, coupon_view
from coupons.service.templates import require_staff
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound, Unavailable
from crmkit.paging import Page


def list_coupons(
    uow: UnitOfWork,
    actor: Actor,
    *,
    template_id: str = "",
    customer_id: str = "",
    phone: str = "",
    held_only: bool = False,
    customers: CustomerDirectory | None = None,
    page: Page,
    now: datetime,
) -> tuple[list[CouponView], int]:
    """Newest first. One customer's coupons only for those who may see that customer (asked of
    the customers service with the caller's token, so its scope rule decides: A1 A4); `held_only`
    keeps the coupons the holder can still use (active, not expired)."""
    require_staff(actor)
    if customer_id and customers is not None:
        customers.get(customer_id)
    with uow:
        where = [CouponRow.tenant_id == actor.tenant_id]
        if template_id:
            where.append(CouponRow.template_id == template_id)
        if customer_id:
            where.append(CouponRow.customer_id == customer_id)
        if phone:
            where.append(CouponRow.phone == phone)
        if held_only:
            where.extend((CouponRow.status == ACTIVE, CouponRow.valid_until > now))
        total = uow.session.scalar(select(func.count()).select_from(CouponRow).where(*where))
        rows = uow.session.scalars(
            select(CouponRow)
            .where(*where)
            .order_by(CouponRow.created_at.desc(), CouponRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return [coupon_view(r, now) for r in rows], total


# A claimed code's tenant while its coupon waits for the claim writer (ClaimStream.pending_tenant).
Queued = Callable[[str], str | None]


def find_coupon(session, tenant_id: str, typed_or_scanned: str, queued: Queued | None = None) -> CouponRow:
    code = codes.normalize(typed_or_scanned)
    if not code:
        raise InvalidInput(ErrorCode.COUPON_CODE_INVALID, fields={"code": "validation.required"})
    if not codes.is_well_formed(code):
        raise InvalidInput(ErrorCode.COUPON_CODE_INVALID, fields={"code": "validation.coupon_code_invalid"})
    by_code = select(CouponRow).where(CouponRow.tenant_id == tenant_id, CouponRow.code == code)
    row = session.scalar(by_code)
    if row is None and queued is not None:
        if queued(code) == tenant_id:
            # Claimed a moment ago and answered from Redis; the writer has not written it yet
            # (ADR 0021). Not "unknown": the caller tries again and finds it.
            raise Unavailable(ErrorCode.COUPON_NOT_YET_RECORDED, params={"retry_after": "1"})
        # Not queued (any more): the writer forgets a code only after its commit, so a claim
        # written since the first read is there now.
        row = session.scalar(by_code)
    if row is None:
        raise NotFound(ErrorCode.COUPON_NOT_FOUND)
    return row


def get_coupon(
    uow: UnitOfWork, actor: Actor, typed_or_scanned: str, *, now: datetime, queued: Queued | None = None
) -> CouponView:
    require_staff(actor)
    with uow:
        return coupon_view(find_coupon(uow.session, actor.tenant_id, typed_or_scanned, queued), now)
