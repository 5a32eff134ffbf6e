"""F4 B6 B7 B8 B12 in the mobile app: the store's workbench. A store manager has it open with voice
on; a customer pays a takeaway order from the shop (stored value) and within 2.5 s the workbench
shows the alert, says "您有新的外卖订单，金额 … 元" in Chinese and lists the order; the manager accepts
it and hands it to Dada; the customer asks for part of it back and the request is said aloud; the
manager approves it. An in-store order is handed over at the counter by its code (B7), on the same
page that hands over wholesale orders."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from storefront_kit import paid_order, shop_customer, store_manager, yuan_digits

from conftest import api_call, api_token, mobile_login, shot

OWNER = "13800000000"
SALES = "13800000002"  # 张业务 (demo): takes the wholesale order handed over at the counter
# The app polls about every second; the architecture promises 2 s, and the bar animates in.
WITHIN_MS = 2500
# Records what the app asks the browser to say (headless Chromium has no voice to hear).
SPEECH_SPY = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang });
}
"""


@pytest.fixture(scope="module")
def desk(platform) -> dict:
    return store_manager(platform, "工作台店长")


@pytest.fixture(scope="module")
def shopper(platform, desk) -> dict:
    return shop_customer(platform, desk["tenant_id"], "工作台测试")


def _polling(page: Page) -> None:
    """Wait until the app holds its cursor: it asks with `after=` only once it has one."""
    with page.expect_response(lambda r: "/api/v1/alerts?after=" in r.url and r.ok, timeout=10_000):
        pass


def _said(page: Page, words: str) -> None:
    """Wait until the app has asked the browser to say `words` in Chinese."""
    page.wait_for_function(
        "(words) => window.__spoken.some((u) => u.text === words && u.lang === 'zh-CN')", arg=words, timeout=WITHIN_MS
    )


def test_f4_b6_b8_b12_the_workbench_hears_a_paid_takeaway_accepts_it_hands_it_to_dada_and_refunds(
    platform, phone, desk, shopper
):
    page = phone
    page.context.add_init_script(SPEECH_SPY)
    mobile_login(page, platform, desk["phone"])
    page.locator("[data-test=workbench-tile]").click()
    expect(page).to_have_url(f"{platform.base_url}/m/workbench")
    # Voice on, by the person's own tap (which also arms the browser's speech).
    page.locator("[data-test=sf-voice]").click()
    expect(page.locator("[data-test=sf-voice]")).to_have_class(re.compile(r"van-switch--on"))
    page.get_by_role("tab", name="外卖").click()
    _polling(page)

    order = paid_order(
        platform,
        desk,
        shopper,
        "takeaway",
        contact_name="李女士",
        contact_phone=shopper["phone"],
        address="人民路 1 号 502",
        latitude=31.2304,
        longitude=121.4737,
    )

    # Shown (the notify bar every alert gets), said aloud with its kind and amount, listed.
    alert = page.locator(".crm-alert")
    expect(alert).to_be_visible(timeout=WITHIN_MS)
    expect(alert).to_contain_text(order["number"])
    _said(page, f"您有新的外卖订单，金额 {yuan_digits(order['total_fen'])} 元")
    row = page.locator("[data-test=sf-order]", has_text=order["number"])
    expect(row).to_be_visible(timeout=WITHIN_MS)
    expect(row.locator("[data-test=sf-order-state]")).to_have_text("已付款")
    expect(page.locator("[data-test=sf-orders]")).not_to_have_text("0")
    page.wait_for_timeout(400)  # the bar has slid in: the screenshot shows it whole
    shot(page, "m-workbench")

    # Accept (接单), then hand it to Dada (B12): the page re-renders from each answer.
    row.click()
    expect(page.locator("[data-test=sf-state]")).to_contain_text("已付款")
    expect(page.locator("[data-test=sf-line]")).to_contain_text("少辣")
    expect(page.locator("[data-test=sf-customer]")).to_contain_text(
        shopper["phone"][:3] + "****" + shopper["phone"][-4:]
    )
    expect(page.locator("[data-test=sf-address]")).to_contain_text("人民路 1 号 502")
    page.locator("[data-test=sf-action-accept]").click()
    expect(page.locator("[data-test=sf-state]")).to_contain_text("已接单")
    expect(page.locator("[data-test=sf-action-accept]")).to_have_count(0)
    shot(page, "m-workbench-order")
    page.locator("[data-test=sf-hand-to-delivery]").click()
    expect(page.locator("[data-test=sf-state]")).to_contain_text("配送中")
    expect(page.locator("[data-test=sf-delivery]")).to_contain_text("达达")
    expect(page.locator("[data-test=sf-hand-to-delivery]")).to_have_count(0)

    # B8: the customer asks for 1.00 back; the request is said aloud and shown on the order.
    api_call(
        platform,
        shopper["token"],
        "POST",
        f"/api/v1/shop/orders/{order['id']}/refunds",
        json={"amount_fen": 100, "reason": "少送了一双筷子"},
    )
    _said(page, "您有新的退款申请，金额 1.00 元，原因：少送了一双筷子")
    refund = page.locator("[data-test=sf-refund]")
    expect(refund.locator("[data-test=sf-refund-state]")).to_contain_text("待处理", timeout=WITHIN_MS)
    refund.locator("[data-test=sf-refund-approve]").click()
    amount = page.locator("[data-test=sf-refund-amount] input")
    expect(amount).to_have_value("1.00")  # what was asked, by default
    # More than is left is refused on the field, before anything is sent.
    amount.fill(yuan_digits(order["paid_fen"] + 1))
    page.get_by_role("button", name="确定").click()
    expect(page.locator("[data-test=sf-refund-amount]")).to_contain_text("不超过")
    amount.fill("1.00")
    page.get_by_role("button", name="确定").click()
    expect(refund.locator("[data-test=sf-refund-state]")).to_contain_text(re.compile("已退款|已同意"))
    expect(refund.locator("[data-test=sf-refund-approve]")).to_have_count(0)

    # Back on the workbench, the 待退款 filter no longer lists it.
    page.goto(f"{platform.base_url}/m/workbench")
    page.locator("[data-test=sf-filter-refund_pending]").click()
    expect(page.locator("[data-test=sf-order]", has_text=order["number"])).to_have_count(0)


def test_b7_an_in_store_order_confirmed_elsewhere_is_refused_here_then_verified_once_by_its_code(
    platform, phone, desk, shopper
):
    order = paid_order(platform, desk, shopper, "in_store")
    page = phone
    mobile_login(page, platform, desk["phone"])
    page.locator("[data-test=workbench-tile]").click()
    page.get_by_role("tab", name="到店").click()
    page.locator("[data-test=sf-order]", has_text=order["number"]).click()
    expect(page.locator("[data-test=sf-action-confirm]")).to_be_visible()

    # Someone at another phone confirms it first: this tap is refused (409) with the server's
    # words, and the page shows the order as it is now.
    manager = api_token(platform, desk["phone"])
    confirmed = api_call(platform, manager, "POST", f"/api/v1/storefront/orders/{order['id']}/actions/confirm", json={})
    assert confirmed["state"] == "confirmed", confirmed
    page.locator("[data-test=sf-action-confirm]").click()
    expect(page.locator(".van-toast")).to_be_visible()
    expect(page.locator(".van-toast")).not_to_be_empty()
    expect(page.locator("[data-test=sf-state]")).to_contain_text("已确认")
    expect(page.locator("[data-test=sf-action-confirm]")).to_have_count(0)

    # B7: the customer shows the code at the counter.
    code = api_call(platform, shopper["token"], "GET", f"/api/v1/shop/orders/{order['id']}")["verification_code"]
    assert code
    page.goto(f"{platform.base_url}/m/workbench")
    page.locator("[data-test=sf-verify-entry]").click()
    page.locator("[data-test=code] input").fill(code)
    page.locator("[data-test=verify]").click()
    verified = page.locator("[data-test=verified]")
    expect(verified).to_contain_text(order["number"])
    expect(verified).to_contain_text("已完成")
    shot(page, "m-workbench-verify")
    # The same code again: refused, with the server's reason on the field.
    page.locator("[data-test=code] input").fill(code)
    page.locator("[data-test=verify]").click()
    expect(page.locator("[data-test=code] .van-field__error-message")).not_to_be_empty()
    expect(verified).to_have_count(0)


def _approved_wholesale_order(platform) -> dict:
    """A wholesale order a salesperson took and the owner approved, with stock to hand it over."""
    owner = api_token(platform, OWNER)
    sales = api_token(platform, SALES)
    customer = api_call(platform, sales, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    product = api_call(platform, sales, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    body = {"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}]}
    order = api_call(platform, sales, "POST", "/api/v1/orders", json=body)
    api_call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    stock = {"quantity": 100, "reason": "补货"}
    api_call(platform, owner, "PUT", f"/api/v1/products/{product['id']}/stock/{order['store_id']}", json=stock)
    return order


def test_b7_one_counter_page_hands_over_storefront_and_wholesale_orders_by_the_codes_prefix(
    platform, phone, desk, shopper
):
    sf_order = paid_order(platform, desk, shopper, "in_store")
    manager = api_token(platform, desk["phone"])
    api_call(platform, manager, "POST", f"/api/v1/storefront/orders/{sf_order['id']}/actions/confirm", json={})
    sf_qr = api_call(platform, shopper["token"], "GET", f"/api/v1/shop/orders/{sf_order['id']}")["verification_qr"]
    assert sf_qr.startswith("CRMSF:"), sf_qr
    wholesale = _approved_wholesale_order(platform)
    assert wholesale["verification_qr"].startswith("CRMORD:"), wholesale

    page = phone
    verify_calls: list[str] = []
    page.on("request", lambda r: verify_calls.append(r.url) if "/api/" in r.url and r.url.endswith("/verify") else None)
    mobile_login(page, platform, desk["phone"])
    # The home page's counter tile opens the page a typed code means a wholesale order on; a
    # storefront order's QR code scanned there still goes to the storefront (CRMSF: says so).
    page.get_by_text("核销").click()
    counter = f"{platform.base_url}/m/verify"
    expect(page).to_have_url(counter)
    code = page.locator("[data-test=code] input")
    verified = page.locator("[data-test=verified]")
    code.fill(sf_qr)
    page.locator("[data-test=verify]").click()
    expect(verified).to_contain_text(sf_order["number"])
    expect(verified).to_contain_text("已完成")
    assert verify_calls[-1].endswith("/api/v1/storefront/verify"), verify_calls
    # As on the workbench's page, the result leads to the order.
    page.locator("[data-test=verified-storefront]").click()
    expect(page).to_have_url(f"{platform.base_url}/m/workbench/orders/{sf_order['id']}")
    page.go_back()
    expect(page).to_have_url(counter)

    # The same page, a wholesale order's QR code (CRMORD:): the orders service hands it over.
    code.fill(wholesale["verification_qr"])
    page.locator("[data-test=verify]").click()
    expect(verified).to_contain_text(wholesale["number"])
    expect(verified).to_contain_text("已出库")
    assert verify_calls[-1].endswith("/api/v1/orders/verify"), verify_calls

    # Any other prefix (here a coupon's) is no order's code: refused on the field, nothing sent.
    sent = len(verify_calls)
    code.fill("CRMCPN:12345678")
    page.locator("[data-test=verify]").click()
    expect(page.locator("[data-test=code] .van-field__error-message")).to_have_text(
        "无法识别的核销码（CRMCPN:）：请扫描批发订单或门店订单的核销码"
    )
    expect(verified).to_have_count(0)
    assert len(verify_calls) == sent, verify_calls
