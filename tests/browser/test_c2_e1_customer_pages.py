"""C2 E1 on a customer's phone: the registration QR opens a form of the merchant's fields (not the
JSON API) and the application reaches the salesperson's review; a coupon's claim link opens the
offer, claims it for a phone number and shows the code, and a second claim past the per-person
limit is told why. Both checked through the API afterwards."""

from __future__ import annotations

import random

import requests
from playwright.sync_api import expect

from conftest import api_call, api_token, shot

OWNER, SALES = "13800000000", "13800000002"


def _phone() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


def test_c2_a_customer_applies_through_the_registration_qr_on_a_phone(platform, phone):
    sales = api_token(platform, SALES)
    qr = api_call(platform, sales, "GET", "/api/v1/registration-qr")
    number = _phone()
    page = phone
    page.goto(qr["url"])
    expect(page.get_by_role("heading", name="申请成为客户")).to_be_visible()
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("[data-test=join-note]")).to_have_text("请填写带 * 的项目")
    page.locator("[name=name]").fill("扫码丙")
    page.locator("[name=phone]").fill(number)
    page.locator("[data-field=shop_type]").select_option("便利店")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("[data-test=join-note]")).to_have_text("已提交，等待商家审核")
    shot(page, "c2-join")

    pending = api_call(platform, sales, "GET", "/api/v1/registration-applications", params={"page_size": 100})
    (mine,) = [a for a in pending["applications"] if a["phone"] == number]
    assert (mine["name"], mine["status"]) == ("扫码丙", "pending")

    altered = qr["url"][:-1] + ("A" if qr["url"][-1] != "A" else "B")
    gone = requests.get(altered, timeout=10)  # (a page's 404 is a failure to the page watcher)
    assert gone.status_code == 404 and "二维码已失效，请向业务员索取新的二维码" in gone.text


def test_e1_a_customer_claims_a_coupon_from_its_link_once(platform, phone):
    owner = api_token(platform, OWNER)
    body = {
        "name": "到店立减",
        "kind": "cash",
        "value_fen": 2000,
        "min_spend_fen": 10000,
        "valid_days": 30,
        "total_quantity": 50,
        "per_person_limit": 1,
    }
    template = api_call(platform, owner, "POST", "/api/v1/coupon-templates", json=body)
    number = _phone()
    page = phone
    page.goto(template["claim_url"])
    offer = page.locator("[data-test=coupon]")
    expect(offer).to_contain_text("到店立减")
    expect(page.locator("[data-test=coupon-value]")).to_have_text("¥20")
    expect(offer).to_contain_text("满 100 元可用")
    expect(offer).to_contain_text("领取后 30 天内有效")
    page.locator("[name=phone]").fill(number)
    page.get_by_role("button", name="立即领取").click()
    expect(page.locator("[data-test=claim-note]")).to_have_text("领取成功，到店出示券码即可使用")
    code = page.locator("[data-test=coupon-code]")
    expect(code).to_be_visible()
    shot(page, "e1-claim")

    held = api_call(platform, owner, "GET", "/api/v1/coupons", params={"page_size": 100, "phone": number})
    assert [c["code"] for c in held["coupons"]] == [code.inner_text()]

    page.get_by_role("button", name="立即领取").click()  # the same phone again: over the limit
    expect(page.locator("[data-test=claim-note]")).not_to_have_text("领取成功，到店出示券码即可使用")
    held = api_call(platform, owner, "GET", "/api/v1/coupons", params={"page_size": 100, "phone": number})
    assert len(held["coupons"]) == 1
