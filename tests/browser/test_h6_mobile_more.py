"""H6 in the mobile app: a customer's record (C1: the coupons service's figures, follow-ups, release
to the pool, C3) and handing an order over at the counter by its code (B7)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from conftest import api_call as call
from conftest import api_token, mobile_login, shot

SALES = "13800000002"  # 张业务 (demo)


def test_h6_c1_c3_the_record_shows_figures_takes_a_followup_and_releases(platform, phone):
    token = api_token(platform, SALES)
    customer = call(
        platform,
        token,
        "POST",
        "/api/v1/customers",
        json={
            "name": f"记录客户{uuid.uuid4().hex[:4]}",
            "phone": "139" + str(uuid.uuid4().int)[:8],
            "fields": {"shop_type": "超市"},
        },
    )
    page = phone
    mobile_login(page, platform, SALES)
    page.goto(f"{platform.base_url}/m/customers/{customer['id']}")
    # C1: points, stored value and coupons come from the coupons service.
    expect(page.locator("[data-test=points]")).to_have_text("0")
    expect(page.locator("[data-test=balance]")).to_have_text("¥0.00")
    page.locator("[data-test=followup] textarea").fill("老板说下周补货")
    page.get_by_role("button", name="记一条跟进").click()
    expect(page.locator("[data-test=followup-item]")).to_contain_text("老板说下周补货")
    shot(page, "m-customer-record")
    page.locator("[data-test=release]").click()
    page.get_by_role("button", name="确认").click()
    expect(page).to_have_url(f"{platform.base_url}/m/customers")
    page.goto(f"{platform.base_url}/m/customers?q={customer['name']}")
    expect(page.get_by_text("暂无数据")).to_be_visible()


def test_h6_b7_an_order_is_handed_over_once_by_its_code(platform, phone):
    owner = api_token(platform, "13800000000")
    token = api_token(platform, SALES)
    customer = call(platform, token, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    product = call(platform, token, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    order = call(
        platform,
        token,
        "POST",
        "/api/v1/orders",
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}]},
    )
    call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    # Other journeys of this run take stock too: the handover must not meet an empty shelf.
    call(
        platform,
        owner,
        "PUT",
        f"/api/v1/products/{product['id']}/stock/{order['store_id']}",
        json={"quantity": 100, "reason": "补货"},
    )
    page = phone
    # The store's manager hands it over (a salesperson is not offered the counter's page).
    mobile_login(page, platform, "13800000001")
    page.get_by_text("核销").click()
    page.locator("[data-test=code] input").fill(order["verification_qr"])
    page.locator("[data-test=verify]").click()
    expect(page.locator("[data-test=verified]")).to_contain_text(order["number"])
    # The same code again: refused, with the API's reason on the field.
    page.locator("[data-test=code] input").fill(order["verification_code"])
    page.locator("[data-test=verify]").click()
    expect(page.locator("[data-test=code] .van-field__error-message")).not_to_be_empty()
    expect(page.locator("[data-test=verified]")).to_have_count(0)
