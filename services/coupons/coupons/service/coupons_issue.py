"""Use cases of electronic coupons (E2): staff send to named customers, customers claim through
the public link; every holder gets a `coupon_issued` event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coupons import errors
from coupons.domain import codes
from coupons.domain.redemption import ACTIVE
from coupons.domain.templates import validity_for
from coupons.models_coupons import CouponClaimRow, CouponRow, CouponTemplateRow
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import PER_PERSON, SOLD_OUT, ClaimStock
from coupons.service.templates import load_template, require_staff, template_of
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page

PHONE = re.compile(r"^1[3-9]\d{9}$")
SEND = "send"
CLAIM = "claim"
SENDERS = ("owner", "store_manager", "salesperson")
MAX_RECIPIENTS = 500


@dataclass(frozen=True)
class CouponView:
    id: str
    code: str
    template_id: str
    customer_id: str
    phone: str
    channel: str
    status: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    redeemed_at: datetime | None
    order_id: str


def coupon_view(row: CouponRow, now: datetime | None = None) -> CouponView:
    status = row.status
    if status == ACTIVE and now is not None and now >= row.valid_until:
        status = "expired"
    return CouponView(
        row.id,
        row.code,
        row.template_id,
        row.customer_id,
        row.phone,
        row.channel,
        status,
        row.valid_from,
        row.valid_until,
        row.created_at,
        row.redeemed_at,
        row.order_id or "",
    )


def _remaining(uow_factory, template: CouponTemplateRow):
    def read() -> int:
        if not template.total_quantity:
            return -1
        with uow_factory() as uow:
            # Electronic coupons only: printed batches (E3) have their own quantities.
            issued = uow.session.scalar(
                select(func.count())
                .select_from(CouponRow)
                .where(CouponRow.template_id == template.id, CouponRow.channel.in_((SEND, CLAIM)))
            )
        return max(0, template.total_quantity - issued)

    return read


def _held(uow_factory, template_id: str, holder: str):
    def read() -> int:
        with uow_factory() as uow:
            return uow.session.scalar(
                select(func.count())
                .select_from(CouponClaimRow)
                .where(CouponClaimRow.template_id == template_id, CouponClaimRow.holder == holder)
            )

    return read


def _issue(
    uow_factory,
    stock: ClaimStock,
    template: CouponTemplateRow,
    recipients: list[tuple[str, str]],
    channel: str,
    *,
    now: datetime,
    record=None,
) -> list[CouponView]:
    """Reserve one coupon per (customer_id, phone) in Redis, then write them all in one
    transaction; any refusal or failure releases every reservation (nothing half-issued).
    `record(uow, rows)`, when given, writes the caller's own bookkeeping in that same transaction."""
    if template.valid_until is not None and now >= template.valid_until:
        raise Conflict("COUPON_TEMPLATE_EXPIRED", "error.coupon_template_expired")
    reserved: list[tuple[str, str, str, int]] = []
    try:
        for customer_id, phone in recipients:
            holder = f"c:{customer_id}" if customer_id else f"p:{phone}"
            slot = stock.reserve(
                template.id,
                holder,
                template.per_person_limit,
                remaining=_remaining(uow_factory, template),
                held=_held(uow_factory, template.id, holder),
            )
            if slot == SOLD_OUT:
                raise Conflict("COUPON_SOLD_OUT", "error.coupon_sold_out")
            if slot == PER_PERSON:
                raise Conflict(
                    "COUPON_PER_PERSON_LIMIT",
                    "error.coupon_per_person_limit",
                    params={"limit": str(template.per_person_limit), "customer_id": customer_id},
                )
            reserved.append((customer_id, phone, holder, slot))
        t = template_of(template)
        valid_from, valid_until = validity_for(t, now)
        with uow_factory() as uow:
            rows = []
            for customer_id, phone, holder, slot in reserved:
                row = CouponRow(
                    tenant_id=template.tenant_id,
                    template_id=template.id,
                    code=codes.new_code(),
                    customer_id=customer_id,
                    phone=phone,
                    holder=holder,
                    channel=channel,
                    status=ACTIVE,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    discount_fen=0,
                    created_at=now,
                )
                uow.session.add(row)
                uow.session.flush()
                uow.session.add(
                    CouponClaimRow(
                        tenant_id=template.tenant_id,
                        template_id=template.id,
                        holder=holder,
                        seq=slot,
                        coupon_id=row.id,
                        created_at=now,
                    )
                )
                uow.publish(
                    "coupon_issued",
                    template.tenant_id,
                    {
                        "coupon_id": row.id,
                        "code": row.code,
                        "template_id": template.id,
                        "template_name": template.name,
                        "customer_id": customer_id,
                        "phone": phone,
                        "channel": channel,
                        "valid_until": valid_until.isoformat(),
                    },
                )
                rows.append(row)
            if record is not None:
                record(uow, rows)
            uow.session.flush()
            views = [coupon_view(r) for r in rows]
            uow.commit()
        return views
    except IntegrityError:
        # A claim slot already taken (Redis counters behind the record): the database wins.
        for _, _, holder, _ in reserved:
            stock.release(template.id, holder)
        raise Conflict("COUPON_PER_PERSON_LIMIT", "error.coupon_per_person_limit") from None
    except BaseException:
        for _, _, holder, _ in reserved:
            stock.release(template.id, holder)
        raise


def send_coupons(
    uow_factory,
    stock: ClaimStock,
    customers: CustomerDirectory,
    actor: Actor,
    template_id: str,
    customer_ids: list[str],
    *,
    now: datetime,
) -> list[CouponView]:
    """Staff hand one coupon to each named customer they may see (the same limits as a claim)."""
    require_staff(actor)
    if not actor.has_role(*SENDERS):
        raise PermissionDenied("COUPON_SENDERS_ONLY")
    ids = list(dict.fromkeys(c.strip() for c in customer_ids if c.strip()))
    if not ids:
        raise InvalidInput("COUPON_SEND_INVALID", fields={"customer_ids": "validation.required"})
    if len(ids) > MAX_RECIPIENTS or any(len(c) > 36 for c in ids):
        raise InvalidInput("COUPON_SEND_INVALID", fields={"customer_ids": "validation.invalid"})
    with uow_factory() as uow:
        template = load_template(uow.session, actor.tenant_id, template_id)
        uow.session.expunge(template)
    # Before any reservation: an unknown (or another tenant's) customer refuses the whole send.
    recipients = [(c.id, c.phone) for c in (customers.get(customer_id) for customer_id in ids)]
    return _issue(uow_factory, stock, template, recipients, SEND, now=now)


def claim_coupon(uow_factory, stock: ClaimStock, claim_token: str, phone: str, *, now: datetime) -> CouponView:
    """A customer claims one coupon through the public link; the phone number is the holder."""
    phone = phone.strip()
    if not phone:
        raise InvalidInput("COUPON_CLAIM_INVALID", fields={"phone": "validation.required"})
    if not PHONE.match(phone):
        raise InvalidInput("COUPON_CLAIM_INVALID", fields={"phone": "validation.phone_invalid"})
    with uow_factory() as uow:
        template = uow.session.scalar(
            select(CouponTemplateRow).where(CouponTemplateRow.claim_token == claim_token.strip())
        )
        if template is None or not claim_token.strip():
            raise NotFound(errors.TEMPLATE_NOT_FOUND, "error.coupon_template_not_found")
        uow.session.expunge(template)
    (view,) = _issue(uow_factory, stock, template, [("", phone)], CLAIM, now=now)
    return view


def claim_page(uow_factory, claim_token: str) -> tuple[CouponTemplateRow, int]:
    """The template behind a claim link and how many are left (-1 unlimited), for its page."""
    with uow_factory() as uow:
        template = uow.session.scalar(
            select(CouponTemplateRow).where(CouponTemplateRow.claim_token == claim_token.strip())
        )
        if template is None or not claim_token.strip():
            raise NotFound(errors.TEMPLATE_NOT_FOUND, "error.coupon_template_not_found")
        uow.session.expunge(template)
    return template, _remaining(uow_factory, template)()


def list_coupons(
    uow: UnitOfWork,
    actor: Actor,
    *,
    template_id: str = "",
    customer_id: str = "",
    phone: str = "",
    page: Page,
    now: datetime,
) -> tuple[list[CouponView], int]:
    require_staff(actor)
    with uow:
        where = [CouponRow.tenant_id == actor.tenant_id]
        if template_id:
            where.append(CouponRow.template_id == template_id)
        if customer_id:
            where.append(CouponRow.customer_id == customer_id)
        if phone:
            where.append(CouponRow.phone == phone)
        total = uow.session.scalar(select(func.count()).select_from(CouponRow).where(*where))
        rows = uow.session.scalars(
            select(CouponRow)
            .where(*where)
            .order_by(CouponRow.created_at.desc(), CouponRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return [coupon_view(r, now) for r in rows], total


def find_coupon(session, tenant_id: str, typed_or_scanned: str) -> CouponRow:
    code = codes.normalize(typed_or_scanned)
    if not code:
        raise InvalidInput("COUPON_CODE_INVALID", fields={"code": "validation.required"})
    if not codes.is_well_formed(code):
        raise InvalidInput("COUPON_CODE_INVALID", fields={"code": "validation.coupon_code_invalid"})
    row = session.scalar(select(CouponRow).where(CouponRow.tenant_id == tenant_id, CouponRow.code == code))
    if row is None:
        raise NotFound(errors.COUPON_NOT_FOUND, "error.coupon_not_found")
    return row


def get_coupon(uow: UnitOfWork, actor: Actor, typed_or_scanned: str, *, now: datetime) -> CouponView:
    require_staff(actor)
    with uow:
        return coupon_view(find_coupon(uow.session, actor.tenant_id, typed_or_scanned), now)
