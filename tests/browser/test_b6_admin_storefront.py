"""B6 B7 B8 B12 in the admin: 门店订单. A store manager opens it on the store they work in; a
customer's paid takeaway and in-store orders are in the day's figures and the list, found again by
kind and state; the takeaway's drawer shows its lines and money, 接单 moves it on and 交给达达配送
sends it out; the in-store order is confirmed and verified by the customer's code (a wrong code
refused on the field). Refund requests show under 待退款: one approved for what was asked (more
than is left refused on the field first), one rejected with a reason. A salesperson has no such
page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from storefront_kit import auto_accept_off, paid_order, shop_customer, store_manager

from conftest import admin_login, api_call, api_token, shot

SALES = "13800000003"  # 赵业务 (demo): a salesperson


@pytest.fixture(scope="module")
def desk(platform) -> dict:
    manager = store_manager(platform, "门店订单店长")
    auto_accept_off(platform, manager["store_id"])
    return manager


@pytest.fixture(scope="module")
def shopper(platform, desk) -> dict:
    return shop_customer(platform, desk["tenant_id"], "门店订单测试")


def _yuan(fen: int) -> str:
    """As the admin shows money (shared/money.ts yuan)."""
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _open_page(page: Page, platform, desk) -> list[str]:
    """Log in as the desk's manager and open 门店订单; the list requests it makes are recorded."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/storefront/orders?" in r.url else None)
    admin_login(page, platform.base_url, desk["phone"])
    page.get_by_role("menuitem", name="门店订单", exact=True).click()
    expect(page.locator("[data-test=sf-summary]")).to_be_visible()
    return asked


def _field(scope: Page | Locator, test: str, tag: str = "input"):
    """An Element Plus input by its data-test (on the <input> itself or on its wrapper)."""
    return scope.locator(f"{tag}[data-test={test}], [data-test={test}] {tag}").first


def _row(page: Page, order: dict):
    return page.locator("[data-test=sf-orders-table] .el-table__row", has_text=order["number"])


def _refund(platform, shopper, order: dict, fen: int, reason: str) -> None:
    path = f"/api/v1/shop/orders/{order['id']}/refunds"
    api_call(platform, shopper["token"], "POST", path, json={"amount_fen": fen, "reason": reason})


def test_b6_b7_b12_paid_orders_are_summed_listed_filtered_accepted_sent_out_and_verified(
    platform, desktop, desk, shopper
):
    takeaway = paid_order(
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
    in_store = paid_order(platform, desk, shopper, "in_store")
    manager = api_token(platform, desk["phone"])
    day = api_call(platform, manager, "GET", "/api/v1/storefront/summary", params={"store_id": desk["store_id"]})

    page = desktop
    asked = _open_page(page, platform, desk)
    # The day's figures of the store worked in, as the service counts them.
    expect(page.locator("[data-test=sf-orders]")).to_have_text(str(day["orders"]))
    expect(page.locator("[data-test=sf-paid]")).to_have_text(_yuan(day["paid_fen"]))
    expect(page.locator("[data-test=sf-count]", has_text="外卖 · 已付款")).to_be_visible()
    # Both orders listed with the customer's masked phone and the money in yuan; asked for this store.
    row = _row(page, takeaway)
    expect(row).to_contain_text("外卖")
    expect(row).to_contain_text("已付款")
    expect(row).to_contain_text(_masked(shopper["phone"]))
    expect(row).not_to_contain_text(shopper["phone"])  # nor as the name a shop customer is registered under
    expect(row).to_contain_text(_yuan(takeaway["total_fen"]))
    expect(_row(page, in_store)).to_contain_text("到店")
    assert asked and all(f"store_id={desk['store_id']}" in url for url in asked), asked
    shot(page, "admin-storefront")

    # By kind, then by state.
    page.locator("[data-test=sf-kind-in_store]").click()
    expect(_row(page, in_store)).to_be_visible()
    expect(_row(page, takeaway)).to_have_count(0)
    page.locator("[data-test=sf-kind-takeaway]").click()
    expect(_row(page, takeaway)).to_be_visible()
    expect(_row(page, in_store)).to_have_count(0)
    page.locator("[data-test=sf-filter-accepted]").click()
    expect(_row(page, takeaway)).to_have_count(0)
    page.locator("[data-test=sf-filter-paid]").click()
    expect(_row(page, takeaway)).to_be_visible()

    # The drawer: lines, money, how it was paid, where it goes; 接单, then out with Dada (B12).
    page.locator(f"[data-test='sf-open-{takeaway['number']}']").click()
    drawer = page.locator("[data-test=sf-detail]")
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("已付款")
    line = takeaway["lines"][0]
    expect(drawer.locator("[data-test=sf-lines]")).to_contain_text(line["name"])
    expect(drawer.locator("[data-test=sf-lines]")).to_contain_text("少辣")
    expect(drawer.locator("[data-test=sf-lines]")).to_contain_text(_yuan(line["amount_fen"]))
    expect(drawer.locator("[data-test=sf-total]")).to_have_text(_yuan(takeaway["total_fen"]))
    expect(drawer.locator("[data-test=sf-paid-fen]")).to_have_text(_yuan(takeaway["paid_fen"]))
    expect(drawer.locator("[data-test=sf-payment]")).to_have_text("储值余额")
    expect(drawer.locator("[data-test=sf-customer]")).to_contain_text(_masked(shopper["phone"]))
    expect(drawer.locator("[data-test=sf-customer]")).not_to_contain_text(shopper["phone"])
    expect(drawer.locator("[data-test=sf-address]")).to_have_text("人民路 1 号 502")
    drawer.locator("[data-test=sf-action-accept]").click()
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("已接单")
    expect(drawer.locator("[data-test=sf-action-accept]")).to_have_count(0)
    shot(page, "admin-storefront-order")
    drawer.locator("[data-test=sf-hand-to-delivery]").click()
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("配送中")
    expect(drawer.locator("[data-test=sf-delivery]")).to_contain_text("达达")
    # A1: the order's change log, newest first: handed to Dada and accepted by the store, paid and
    # placed by the customer, each with the fields that moved.
    log = drawer.locator("[data-test=change-log] .el-table__row")
    expect(log).to_have_count(4)
    expect(log.nth(0)).to_contain_text("交给配送")
    expect(log.nth(0)).to_contain_text("配送平台： — → 达达")
    expect(log.nth(1)).to_contain_text("接单")
    expect(log.nth(1)).to_contain_text("已付款 → 已接单")
    expect(log.nth(2)).to_contain_text("支付")
    expect(log.nth(2)).to_contain_text("顾客")
    expect(log.nth(3)).to_contain_text("下单")
    log.nth(0).scroll_into_view_if_needed()
    shot(page, "admin-storefront-log")
    page.keyboard.press("Escape")
    # The list behind followed: no longer paid, now out for delivery.
    expect(_row(page, takeaway)).to_have_count(0)
    page.locator("[data-test=sf-filter-delivering]").click()
    expect(_row(page, takeaway)).to_contain_text("配送中")

    # B7: the in-store order confirmed, then verified by the code the customer shows; a wrong
    # code is refused on its field with the service's words.
    page.locator("[data-test=sf-kind-in_store]").click()
    page.locator(f"[data-test='sf-open-{in_store['number']}']").click()
    drawer.locator("[data-test=sf-action-confirm]").click()
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("已确认")
    drawer.locator("[data-test=sf-action-verify]").click()
    dialog = page.locator(".el-dialog", has=page.locator("[data-test=sf-code]"))
    _field(dialog, "sf-code").fill("1234567890")
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(dialog.locator(".el-form-item__error")).not_to_be_empty()
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("已确认")
    code = api_call(platform, shopper["token"], "GET", f"/api/v1/shop/orders/{in_store['id']}")["verification_code"]
    _field(dialog, "sf-code").fill(code)
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(drawer.locator("[data-test=sf-state]")).to_have_text("已完成")
    expect(drawer.locator("[data-test=sf-actions]")).to_have_count(0)


def test_b8_refund_requests_wait_under_refund_filter_one_approved_one_rejected(platform, desktop, desk, shopper):
    to = {"contact_name": "王先生", "contact_phone": shopper["phone"], "address": "解放路 8 号"}
    approved = paid_order(platform, desk, shopper, "takeaway", **to)
    rejected = paid_order(platform, desk, shopper, "takeaway", **to)
    _refund(platform, shopper, approved, 100, "少送了一双筷子")
    _refund(platform, shopper, rejected, 200, "不想要了")
    manager = api_token(platform, desk["phone"])
    day = api_call(platform, manager, "GET", "/api/v1/storefront/summary", params={"store_id": desk["store_id"]})

    page = desktop
    _open_page(page, platform, desk)
    waiting = page.locator("[data-test=sf-refunds-pending]")
    expect(waiting.locator("b")).to_have_text(str(day["refunds_pending"]))
    waiting.click()
    expect(page.locator("[data-test=sf-filter-refund_pending]")).to_have_class(re.compile("is-active"))
    for order in (approved, rejected):
        expect(_row(page, order).locator("[data-test=sf-row-refund]")).to_be_visible()

    # Approved: what was asked by default; more than is left refused on the field before sending.
    page.locator(f"[data-test='sf-open-{approved['number']}']").click()
    drawer = page.locator("[data-test=sf-detail]")
    refund = drawer.locator("[data-test=sf-refunds]")
    expect(refund).to_contain_text("少送了一双筷子")
    expect(refund.locator("[data-test=sf-refund-state]")).to_have_text("待处理")
    refund.locator("[data-test=sf-refund-approve]").click()
    dialog = page.locator(".el-dialog", has=page.locator("[data-test=sf-refund-amount]"))
    amount = _field(dialog, "sf-refund-amount")
    expect(amount).to_have_value("1.00")
    amount.fill(f"{(approved['paid_fen'] + 1) / 100:.2f}")
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(dialog.locator(".el-form-item__error")).to_contain_text("不超过")
    amount.fill("1.00")
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(refund.locator("[data-test=sf-refund-state]")).to_have_text(re.compile("已退款|已同意"))
    expect(refund.locator("[data-test=sf-refund-approve]")).to_have_count(0)
    expect(dialog).to_be_hidden()
    shot(page, "admin-storefront-refund")
    page.keyboard.press("Escape")
    expect(_row(page, approved)).to_have_count(0)

    # Rejected: not without a reason; the reason is kept and shown.
    page.locator(f"[data-test='sf-open-{rejected['number']}']").click()
    refund.locator("[data-test=sf-refund-reject]").click()
    dialog = page.locator(".el-dialog", has=page.locator("[data-test=sf-reject-reason]"))
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text("必填")
    _field(dialog, "sf-reject-reason", "textarea").fill("已在制作，无法退款")
    dialog.locator("[data-test=sf-dialog-confirm]").click()
    expect(refund.locator("[data-test=sf-refund-state]")).to_have_text("已拒绝")
    expect(refund).to_contain_text("已在制作，无法退款")
    page.keyboard.press("Escape")
    expect(_row(page, rejected)).to_have_count(0)
    after = api_call(platform, manager, "GET", "/api/v1/storefront/summary", params={"store_id": desk["store_id"]})
    assert after["refunds_pending"] == day["refunds_pending"] - 2, after
    expect(waiting.locator("b")).to_have_text(str(after["refunds_pending"]))


def test_b6_a_salesperson_has_no_storefront_orders_page(platform, desktop):
    page = desktop
    admin_login(page, platform.base_url, SALES)
    expect(page.get_by_role("menuitem", name="客户", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name="门店订单", exact=True)).to_have_count(0)
    page.goto(f"{platform.base_url}/admin/storefront")
    expect(page.get_by_text("页面不存在", exact=True)).to_be_visible()
