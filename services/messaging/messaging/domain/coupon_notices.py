"""E2 E5: the SMS a coupon holder receives when a coupon is issued to them and N days before it
expires. Pure: the handler resolves the phone, sends and records the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from crmkit.periods import CHINA

from .notifications import MalformedEvent
from .sms import MAX_PARAM_LENGTH

COUPON_ISSUED = "coupon_issued"
COUPON_EXPIRING = "coupon_expiring"
# Event type = SMS template key = metric kind: one name per notice all the way to the provider.
COUPON_EVENTS = (COUPON_ISSUED, COUPON_EXPIRING)
ELLIPSIS = "…"


@dataclass(frozen=True)
class CouponNotice:
    kind: str  # COUPON_ISSUED | COUPON_EXPIRING
    coupon_id: str
    code: str
    template_name: str
    customer_id: str  # empty: the coupon is held by a phone number (a public claim)
    phone: str  # empty: resolve it from the customer, if any
    valid_until: datetime  # aware


def parse_coupon_event(event_type: str, data: Mapping[str, object]) -> CouponNotice:
    """The notice carried by a coupons `coupon_issued` / `coupon_expiring` event; MalformedEvent
    when it lacks what the text needs (retrying cannot fix it)."""
    if event_type not in COUPON_EVENTS:
        raise MalformedEvent(f"not a coupon notice: {event_type}")
    coupon_id = str(data.get("coupon_id") or "")
    code = str(data.get("code") or "")
    if not coupon_id or not code:
        raise MalformedEvent(f"{event_type} without coupon_id or code")
    if len(code) > MAX_PARAM_LENGTH:
        raise MalformedEvent(f"{event_type} with a code longer than an SMS parameter may be")
    try:
        valid_until = datetime.fromisoformat(str(data.get("valid_until") or ""))
    except ValueError:
        raise MalformedEvent(f"{event_type} without a valid_until timestamp") from None
    if valid_until.tzinfo is None:
        # Every stored time of the platform is UTC; a sender that dropped the offset meant UTC.
        valid_until = valid_until.replace(tzinfo=UTC)
    return CouponNotice(
        kind=event_type,
        coupon_id=coupon_id,
        code=code,
        template_name=str(data.get("template_name") or "").strip(),
        customer_id=str(data.get("customer_id") or ""),
        phone=str(data.get("phone") or "").strip(),
        valid_until=valid_until,
    )


def china_date(moment: datetime) -> str:
    """The calendar date (YYYY-MM-DD) of an aware moment in China time."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d")


def _fit(text: str) -> str:
    # Template names may be 40 characters, SMS parameters 35: cut visibly rather than be refused.
    return text if len(text) <= MAX_PARAM_LENGTH else text[: MAX_PARAM_LENGTH - 1] + ELLIPSIS


def sms_params(notice: CouponNotice) -> dict[str, str]:
    """The template parameters of both coupon texts: `name` (the coupon's template name), `code`
    and `valid_until` (the China-time date the coupon stops being valid)."""
    return {
        # An unnamed template still needs a non-empty parameter; the code identifies the coupon.
        "name": _fit(notice.template_name) or notice.code,
        "code": notice.code,
        "valid_until": china_date(notice.valid_until),
    }


def idempotency_key(notice: CouponNotice) -> str:
    """One text per coupon and kind, however often the event is delivered."""
    return f"{notice.kind}:{notice.coupon_id}"
