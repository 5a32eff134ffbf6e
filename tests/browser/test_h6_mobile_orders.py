"""H6 / B2 / C1 in the mobile app, at phone size: a salesperson without the change-price switch
registers a customer (a missing required field is shown on that field), takes an order by
barcode, cannot type a price, submits twice fast and one order exists; the next order copies the
last one's lines with a quantity changed."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from conftest import api_token, mobile_login, shot

ZHAO = "13800000003"  # 赵业务: a salesperson with no permission switches (demo)
COLA = "6901939621257"


def orders_of(platform, token: str, customer_id: str) -> list[dict]:
    resp = requests.get(
        f"{platform.base_url}/api/v1/orders",
        params={"customer_id": customer_id, "status": ["submitted"], "page_size": 100},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["orders"]


def test_h6_c1_a_required_field_left_empty_is_shown_on_that_field(platform, phone):
    page = phone
    mobile_login(page, platform, ZHAO)
    page.get_by_text("新增客户").click()
    page.get_by_role("textbox", name="客户名称").fill("新开便利店")
    page.get_by_role("textbox", name="手机号").fill("13912345678")
    page.get_by_role("button", name="保存").click()
    field = page.locator("[data-test=field-shop_type]")
    expect(field).to_contain_text("必填")
    field.click()
    page.get_by_role("button", name="便利店").click()
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/m/customers\?q="))
    expect(page.locator("[data-test=customer]")).to_have_count(1)


def test_h6_b2_an_order_by_barcode_without_the_price_switch_placed_once_then_copied(platform, phone):
    page = phone
    token = api_token(platform, ZHAO)
    mobile_login(page, platform, ZHAO)
    page.get_by_text("开单").first.click()
    page.get_by_text("金源批发部").click()

    page.locator("[data-test=barcode] input").fill(COLA)
    page.get_by_role("button", name="添加", exact=True).click()
    line = page.locator("[data-test=line]")
    expect(line).to_have_count(1)
    line.locator("[data-test=quantity] input").fill("3")
    expect(page.locator("[data-test=submit]")).to_contain_text("145.50")
    shot(page, "m-new-order")
    page.locator("[data-test=price]").click()
    # No change-price switch: the tracked prices are offered, typing one is not.
    sheet = page.locator(".van-action-sheet")
    expect(sheet.get_by_role("button", name=re.compile("批发价"))).to_be_visible()
    expect(sheet.get_by_role("button", name="手填价")).to_have_count(0)
    page.get_by_role("button", name="取消").click()

    customer_id = next(
        c["id"]
        for c in requests.get(
            f"{platform.base_url}/api/v1/customers",
            headers={"Authorization": f"Bearer {token}"},
            params={"q": "金源"},
            timeout=10,
        ).json()["customers"]
    )
    before = len(orders_of(platform, token, customer_id))
    submit = page.get_by_role("button", name="提交订单")
    submit.dblclick()
    expect(page.locator("[data-test=order-status]")).to_contain_text("待审核")
    expect(page.locator("[data-test=order-total]")).to_contain_text("¥145.50")
    shot(page, "m-order")
    assert len(orders_of(platform, token, customer_id)) == before + 1

    # The next order starts from the last one's lines; one quantity changed.
    page.goto(f"{platform.base_url}/m/orders/new")
    page.get_by_text("金源批发部").click()
    page.locator("[data-test=copy-last]").click()
    expect(page.locator("[data-test=line]")).to_have_count(1)
    expect(page.locator("[data-test=line] [data-test=quantity] input")).to_have_value("3")
    page.locator("[data-test=line] [data-test=quantity] input").fill("5")
    page.get_by_role("button", name="提交订单").click()
    expect(page.locator("[data-test=order-total]")).to_contain_text("¥242.50")
    assert len(orders_of(platform, token, customer_id)) == before + 2
