"""The pages a customer opens from what a merchant hands out (C8 registration QR, E1 claim link):
`/join/<token>` asks the merchant's registration fields and applies as the salesperson's
customer; `/q/<token>` shows a coupon on offer and claims it for a phone number.

Rendered here, server-side, like the readers' pages (gateway.reader): a phone gets the whole
form in the first response, under the same strict Content-Security-Policy, with one small inline
script that posts to the public JSON API (`/api/v1/public/registrations/<token>`,
`/api/v1/public/coupons/<token>/claim`) and shows its answer. The token in the path is the only
credential; the services check it (signed, unexpired registration links; a live claim link).
"""

from __future__ import annotations

import secrets

from flask import Blueprint

from crm.coupons.v1 import coupons_pb2 as cpb
from crm.customers.v1 import ownership_pb2 as opb
from crmkit.errors import DomainError, InvalidInput, NotFound
from gateway.api.calls import call
from gateway.api.coupons import CLAIM_PAGE_PATH
from gateway.api.customer_schemas import field_dict
from gateway.api.registrations import PUBLIC_REGISTRATION_PATH, REGISTRATION_PAGE_PATH
from gateway.reader import TEMPLATES, html_response, lang_attr, message_page, translate

bp = Blueprint("customer_pages", __name__)

JOIN_TEXTS = ("title", "intro", "name", "phone", "choose", "send", "pending", "approved", "phone_invalid", "required")
CLAIM_TEXTS = ("phone", "send", "claimed", "code", "phone_invalid", "remaining", "min_spend", "no_minimum")


def _texts(prefix: str, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: translate(f"{prefix}.{key}") for key in keys}


@bp.get(f"/{REGISTRATION_PAGE_PATH}/<string:token>")
def join(token: str):
    """A salesperson's registration QR, opened on the customer's phone."""
    try:
        form = call("ownership", "GetRegistrationForm", opb.GetRegistrationFormRequest(token=token), token="")
    except (InvalidInput, NotFound):
        # Altered, expired or unknown: the services answer 400/404 alike; the customer needs a new QR.
        return message_page("join.gone", 404)
    nonce = secrets.token_urlsafe(12)
    html = TEMPLATES.get_template("join.html").render(
        lang=lang_attr(),
        nonce=nonce,
        fields=[field_dict(f) for f in form.fields],
        api=f"/{PUBLIC_REGISTRATION_PATH}/{token}",
        t=_texts("join", JOIN_TEXTS),
    )
    return html_response(html, 200, nonce)


@bp.get(f"/{CLAIM_PAGE_PATH}/<string:token>")
def claim(token: str):
    """A coupon's claim link (a share, a poster's QR, an SMS), opened on the customer's phone."""
    try:
        offer = call("coupons", "GetClaimPage", cpb.GetClaimPageRequest(claim_token=token), token="")
    except NotFound:
        return message_page("claim.gone", 404)
    except DomainError:
        return message_page("claim.gone", 409)
    nonce = secrets.token_urlsafe(12)
    html = TEMPLATES.get_template("claim.html").render(
        lang=lang_attr(),
        nonce=nonce,
        offer=offer,
        value=_value(offer),
        min_spend=translate("claim.min_spend", amount=_yuan(offer.min_spend.fen))
        if offer.min_spend.fen
        else translate("claim.no_minimum"),
        valid=_validity(offer),
        remaining=translate("claim.remaining", count=offer.remaining) if offer.remaining >= 0 else "",
        api=f"/api/v1/public/coupons/{token}/claim",
        t=_texts("claim", CLAIM_TEXTS),
    )
    return html_response(html, 200, nonce)


def _yuan(fen: int) -> str:
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"


def _value(offer) -> str:
    """What the coupon is worth, as the customer reads it: ¥20, 8.5 折, 兑换券."""
    if offer.kind == "discount":
        return translate("claim.percent", off=f"{(100 - offer.percent_off) / 10:g}")
    if offer.kind == "pickup":
        return translate("claim.pickup")
    return f"¥{_yuan(offer.value.fen)}"


def _validity(offer) -> str:
    if offer.valid_days:
        return translate("claim.valid_days", days=offer.valid_days)
    if offer.HasField("valid_until"):
        return translate("claim.valid_until", date=offer.valid_until.ToDatetime().date().isoformat())
    return ""
