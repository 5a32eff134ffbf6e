"""C8 E1: the pages a customer's phone opens from a registration QR (/join/<token>) and a coupon's
claim link (/q/<token>): rendered here with the merchant's fields or the offer, under a strict
CSP, posting to the public API; a dead link is a page saying so, not JSON."""

from __future__ import annotations

import re

from crmkit.errors import InvalidInput, NotFound


def nonce_of(resp) -> str:
    return re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)


def test_c8_the_registration_qr_opens_a_form_of_the_merchants_fields(client, fakes, auth):
    qr = client.get("/api/v1/registration-qr?valid_days=7", headers=auth).get_json()
    assert qr["url"] == "http://localhost/join/tok"
    page = client.get("/join/tok")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.text
    assert "申请成为客户" in html and "店名 <i>*</i>" in html and 'data-field="shop"' in html
    assert 'data-api="/api/v1/public/registrations/tok"' in html
    assert (
        f'<script nonce="{nonce_of(page)}">' in html and "form-action 'none'" in page.headers["Content-Security-Policy"]
    )
    (asked,) = fakes["ownership"].rec.named("GetRegistrationForm")
    assert asked.request.token == "tok"
    english = client.get("/join/tok", headers={"Accept-Language": "en"}).text
    assert "Become a customer" in english and '<html lang="en">' in english


def test_c8_an_altered_or_expired_registration_link_says_so(client, fakes):
    fakes["ownership"].rec.fail["GetRegistrationForm"] = InvalidInput(
        "REGISTRATION_TOKEN_INVALID", "error.invalid_input"
    )
    page = client.get("/join/tok")
    assert page.status_code == 404 and "二维码已失效" in page.text and "<script" not in page.text


def test_e1_a_claim_link_opens_the_offer_with_a_phone_form(client, fakes, auth):
    page = client.get("/q/tok-1")
    assert page.status_code == 200
    html = page.text
    assert "满100减20" in html and "¥20" in html and "无门槛" in html and "剩余 7 张" in html
    assert 'data-api="/api/v1/public/coupons/tok-1/claim"' in html
    (asked,) = fakes["coupons"].rec.named("GetClaimPage")
    assert asked.request.claim_token == "tok-1"
    fakes["coupons"].rec.fail["GetClaimPage"] = NotFound("CLAIM_LINK_NOT_FOUND", "error.not_found")
    gone = client.get("/q/nope")
    assert gone.status_code == 404 and "活动已结束或链接无效" in gone.text
