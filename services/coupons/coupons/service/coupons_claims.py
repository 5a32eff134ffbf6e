"""The public claim link (E2 E6): a customer claims one coupon with their phone number, and the
link's page shows the template and what is left."""

from __future__ import annotations

import re
import time
from datetime import datetime

from sqlalchemy import select

from coupons.errors import ErrorCode
from coupons.models_coupons import CouponTemplateRow
from coupons.service.coupons_issue import CLAIM, CouponView, _issue, _remaining
from coupons.service.coupons_stock import ClaimStock
from crmkit.errors import InvalidInput, NotFound

PHONE = re.compile(r"^1[3-9]\d{9}$")


def claim_coupon(uow_factory, stock: ClaimStock, claim_token: str, phone: str, *, now: datetime) -> CouponView:
    """A customer claims one coupon through the public link; the phone number is the holder."""
    phone = phone.strip()
    if not phone:
        raise InvalidInput(ErrorCode.COUPON_CLAIM_INVALID, fields={"phone": "validation.required"})
    if not PHONE.match(phone):
        raise InvalidInput(ErrorCode.COUPON_CLAIM_INVALID, fields={"phone": "validation.phone_invalid"})
    template = _claim_template(uow_factory, claim_token.strip())
    (view,) = _issue(uow_factory, stock, template, [("", phone)], CLAIM, now=now)
    return view


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


def claim_page(uow_factory, claim_token: str) -> tuple[CouponTemplateRow, int]:
    """The template behind a claim link and how many are left (-1 unlimited), for its page."""
    with uow_factory() as uow:
        template = uow.session.scalar(
            select(CouponTemplateRow).where(CouponTemplateRow.claim_token == claim_token.strip())
        )
        if template is None or not claim_token.strip():
            raise NotFound(ErrorCode.COUPON_TEMPLATE_NOT_FOUND)
        uow.session.expunge(template)
    with uow_factory() as uow:
        return template, _remaining(uow.session, template)()
