"""The public claim link (E2 E6): a customer claims one coupon with their phone number, and the
link's page shows the template and what is left.

A claim is answered from Redis (ADR 0021): one script decides it (stock, per-person limit) and
queues it for the claim writer (coupons.claims_writer), which writes the coupon, its claim slot
and its `coupon_issued` event behind the answer, exactly once. The answer carries the coupon's
id and code, both drawn here before the script runs."""

from __future__ import annotations

import re
import time
from datetime import datetime

from sqlalchemy import select

from coupons.domain import codes
from coupons.domain.redemption import ACTIVE
from coupons.domain.templates import validity_for
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponTemplateRow
from coupons.service.claims_stream import PendingClaim
from coupons.service.coupons_issue import CLAIM, CouponView, _all_held, _held, _remaining
from coupons.service.coupons_stock import BUSY, PER_PERSON, SOLD_OUT, ClaimStock
from coupons.service.templates import template_of
from crmkit.context import current_request_id
from crmkit.db import new_id
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable

PHONE = re.compile(r"^1[3-9]\d{9}$")


def claim_coupon(uow_factory, stock: ClaimStock, claim_token: str, phone: str, *, now: datetime) -> CouponView:
    """A customer claims one coupon through the public link; the phone number is the holder.
    Answered once Redis has decided and queued the claim; the database follows (ADR 0021)."""
    phone = phone.strip()
    if not phone:
        raise InvalidInput(ErrorCode.COUPON_CLAIM_INVALID, fields={"phone": "validation.required"})
    if not PHONE.match(phone):
        raise InvalidInput(ErrorCode.COUPON_CLAIM_INVALID, fields={"phone": "validation.phone_invalid"})
    template = _claim_template(uow_factory, claim_token.strip())
    if template.valid_until is not None and now >= template.valid_until:
        raise Conflict(ErrorCode.COUPON_TEMPLATE_EXPIRED)
    valid_from, valid_until = validity_for(template_of(template), now)
    claim = PendingClaim(
        id=new_id(),
        tenant_id=template.tenant_id,
        template_id=template.id,
        template_name=template.name,
        holder=f"p:{phone}",
        phone=phone,
        code=codes.new_code(),
        claimed_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
        channel=CLAIM,
        request_id=current_request_id() or "",
    )
    slot = stock.claim(claim, template.per_person_limit, **_loaders(uow_factory, stock, template, claim.holder))
    if slot == SOLD_OUT:
        raise Conflict(ErrorCode.COUPON_SOLD_OUT)
    if slot == PER_PERSON:
        raise Conflict(
            ErrorCode.COUPON_PER_PERSON_LIMIT, params={"limit": str(template.per_person_limit), "customer_id": ""}
        )
    if slot == BUSY:
        raise Unavailable(ErrorCode.COUPON_CLAIMS_BUSY, params={"retry_after": "5"})
    return CouponView(
        claim.id, claim.code, template.id, "", phone, CLAIM, ACTIVE, valid_from, valid_until, now, None, ""
    )


def _loaders(uow_factory, stock: ClaimStock, template: CouponTemplateRow, holder: str) -> dict:
    """The counters' loaders, each in its own read: called only when Redis has none yet."""

    def reading(make):
        def read():
            with uow_factory() as uow:
                return make(uow.session)()

        return read

    return {
        "remaining": reading(lambda session: _remaining(session, template, stock)),
        "held": reading(lambda session: _held(session, stock, template.id, holder)),
        "all_held": reading(lambda session: _all_held(session, stock, template.id)),
    }


# A claim link is hit by many people at once; its template never changes once created, so each
# server keeps it a minute instead of reading it for every claim (P2).
_CLAIM_TEMPLATES: dict[str, tuple[float, CouponTemplateRow]] = {}
CLAIM_TEMPLATE_SECONDS = 60.0
CLAIM_TEMPLATES_KEPT = 1_000


def _claim_template(uow_factory, token: str) -> CouponTemplateRow:
    cached = _CLAIM_TEMPLATES.get(token)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    with uow_factory() as uow:
        template = uow.session.scalar(select(CouponTemplateRow).where(CouponTemplateRow.claim_token == token))
        if template is None or not token:
            raise NotFound(ErrorCode.COUPON_TEMPLATE_NOT_FOUND)
        uow.session.expunge(template)
    if len(_CLAIM_TEMPLATES) >= CLAIM_TEMPLATES_KEPT:
        _CLAIM_TEMPLATES.clear()
    _CLAIM_TEMPLATES[token] = (time.monotonic() + CLAIM_TEMPLATE_SECONDS, template)
    return template


def claim_page(uow_factory, stock: ClaimStock, claim_token: str) -> tuple[CouponTemplateRow, int]:
    """The template behind a claim link and how many are left (-1 unlimited), for its page: the
    claim counters' figure when they are loaded (claims not yet written are already off it)."""
    with uow_factory() as uow:
        template = uow.session.scalar(
            select(CouponTemplateRow).where(CouponTemplateRow.claim_token == claim_token.strip())
        )
        if template is None or not claim_token.strip():
            raise NotFound(ErrorCode.COUPON_TEMPLATE_NOT_FOUND)
        uow.session.expunge(template)
    remaining = stock.remaining(template.id) if template.total_quantity else -1
    if remaining is not None:
        return template, remaining
    with uow_factory() as uow:
        return template, _remaining(uow.session, template, stock)()
