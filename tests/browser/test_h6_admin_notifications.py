"""H6 in the admin: the notification centre (F-inbox), change logs with field labels (A1), the
owner's switches on staff accounts (A2) and a product listed for ordering or taken off (A3),
each driven in the browser and checked through the API afterwards."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect

from conftest import admin_login, api_call, api_token, shot

OWNER = "13800000000"
MANAGER = "13800000001"
PASSWORD = "demo1234"


@pytest.fixture(scope="module")
def seller(platform) -> dict:
    """A salesperson of this module's own in the manager's stores: the manager is told about the
    customers they register, and the owner may switch the account off without touching the demo
    salespeople other tests log in as."""
    owner = api_token(platform, OWNER)
    stores = api_call(platform, api_token(platform, MANAGER), "GET", "/api/v1/me")["store_ids"]
    phone = "135" + str(uuid.uuid4().int)[:8]
    body = {"name": "通知业务", "phone": phone, "roles": ["salesperson"], "password": PASSWORD, "store_ids": stores}
    return api_call(platform, owner, "POST", "/api/v1/staff", json=body)


def _new_customer(platform, token: str) -> dict:
    body = {"name": f"通知客户{uuid.uuid4().hex[:4]}", "phone": "139" + str(uuid.uuid4().int)[:8]}
    return api_call(platform, token, "POST", "/api/v1/customers", json={**body, "fields": {"shop_type": "超市"}})


def _inbox(platform, token: str) -> dict:
    return api_call(platform, token, "GET", "/api/v1/notifications", params={"page_size": 100})


def _notice_about(platform, token: str, subject: str) -> tuple[dict, int]:
    """The notification about `subject` once the event has reached messaging, and the unread count."""
    deadline = time.monotonic() + 15
    while True:
        inbox = _inbox(platform, token)
        found = [n for n in inbox["notifications"] if n.get("subject") == subject]
        if found or time.monotonic() > deadline:
            assert found, f"no notification about {subject}"
            return found[0], inbox["unread_count"]
        time.sleep(0.3)


def _login_status(platform, phone: str) -> int:
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/login/password", json={"phone": phone, "password": PASSWORD}, timeout=10
    )
    return resp.status_code


def _confirm(page) -> None:
    page.locator(".el-popconfirm:visible").get_by_role("button", name="确定").click()


def test_h6_f_inbox_the_manager_opens_a_new_customer_notice_and_the_badge_drops(platform, desktop, seller):
    manager = api_token(platform, MANAGER)
    customer = _new_customer(platform, api_token(platform, seller["phone"]))
    notice, unread = _notice_about(platform, manager, f"customer:{customer['id']}")
    assert notice["read"] is False and unread >= 1

    page = desktop
    admin_login(page, platform.base_url, MANAGER)
    badge = page.locator("[data-test=inbox-badge] sup")
    expect(badge).to_have_text(str(unread))
    page.get_by_role("menuitem", name="通知中心").click()
    page.locator("[data-test=notice-filter] label.el-radio-button", has_text="未读").click()
    row = page.locator("[data-test=notifications] .el-table__row", has_text=customer["name"])
    expect(row).to_have_class(re.compile("unread"))
    expect(row).to_contain_text("新客户登记")
    expect(page.locator("[data-test=notifications] .el-loading-mask")).to_have_count(0)
    shot(page, "admin-notifications")

    # Opening it marks it read and shows the customer it is about.
    row.locator("[data-test=notice-title]").click()
    expect(page.locator("[data-test=customer-record]")).to_contain_text(customer["phone"])
    if unread > 1:
        expect(badge).to_have_text(str(unread - 1))
    else:
        expect(badge).to_be_hidden()
    after = _inbox(platform, manager)
    assert after["unread_count"] == unread - 1
    assert [n["read"] for n in after["notifications"] if n["id"] == notice["id"]] == [True]


def test_h6_a1_an_approved_orders_change_log_names_the_status_in_chinese(platform, desktop, seller):
    sales = api_token(platform, seller["phone"])
    manager = api_token(platform, MANAGER)
    customer = _new_customer(platform, sales)
    product = api_call(platform, sales, "GET", "/api/v1/products", params={"page_size": 1, "listed_only": True})
    line = {"product_id": product["products"][0]["id"], "quantity": 2}
    order = api_call(platform, sales, "POST", "/api/v1/orders", json={"customer_id": customer["id"], "lines": [line]})
    assert order["status"] == "submitted"

    page = desktop
    admin_login(page, platform.base_url, MANAGER)
    page.get_by_role("menuitem", name="订单", exact=True).click()
    page.get_by_placeholder("单号或客户").fill(order["number"])
    page.get_by_placeholder("单号或客户").press("Enter")
    page.locator(f"[data-test=approve-{order['number']}]").click()
    expect(page.get_by_text(f"{order['number']} 已审核")).to_be_visible()
    page.locator("label.el-radio-button", has_text="已审核").click()
    page.locator(f"[data-test=detail-{order['number']}]").click()
    log = page.locator("[data-test=order-detail] [data-test=change-log]")
    approval = log.locator(".el-table__row", has_text="审核通过")
    status = approval.locator("[data-test=change-field]", has_text="状态")
    expect(status).to_have_text(re.compile(r"状态：\s*待审核\s*→\s*已审核"))
    me = api_call(platform, manager, "GET", "/api/v1/me")
    expect(approval).to_contain_text(me["name"])
    expect(log.locator(".el-loading-mask")).to_have_count(0)
    shot(page, "admin-order-change-log")

    changes = api_call(platform, manager, "GET", f"/api/v1/orders/{order['id']}/changes")["changes"]
    approved = [c for c in changes if c["action"] == "approved"]
    assert len(approved) == 1 and approved[0]["actor_id"] == me["id"]
    assert approved[0]["before"]["status"] == "submitted" and approved[0]["after"]["status"] == "approved"


def test_h6_a2_the_owner_switches_a_salesperson_off_and_on_and_sets_switches(platform, desktop, seller):
    phone = seller["phone"]
    owner = api_token(platform, OWNER)
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="员工").click()
    # Staff are listed oldest first: this module's salesperson is on the last page.
    last = -(-api_call(platform, owner, "GET", "/api/v1/staff", params={"page_size": 1})["page"]["total"] // 20)
    if last > 1:
        page.locator(".el-pager li.number", has_text=re.compile(f"^{last}$")).click()
    row = page.locator("[data-test=staff] .el-table__row", has_text=phone)
    switch = row.locator(f"[data-test=active-{phone}]")

    switch.click()
    _confirm(page)
    expect(switch).to_have_text("启用")
    expect(row.locator(".el-tag", has_text="停用")).to_be_visible()
    assert api_call(platform, owner, "GET", f"/api/v1/staff/{seller['id']}")["active"] is False
    assert _login_status(platform, phone) == 403

    switch.click()
    _confirm(page)
    expect(switch).to_have_text("停用")
    assert _login_status(platform, phone) == 200

    # The permission switches, in a dialog; then the member's detail shows them.
    row.locator(f"[data-test=permissions-{phone}]").click()
    page.locator("[data-test=switch-change_price]").click()
    page.locator("[data-test=save-permissions]").click()
    expect(row).to_contain_text("改价")
    assert api_call(platform, owner, "GET", f"/api/v1/staff/{seller['id']}")["permissions"] == ["change_price"]
    row.locator(f"[data-test=staff-{phone}]").click()
    detail = page.locator("[data-test=staff-detail]")
    expect(detail).to_contain_text(phone)
    expect(detail).to_contain_text("改价")
    expect(detail.locator(".el-tag", has_text="业务员")).to_be_visible()


def test_h6_a3_a_product_is_taken_off_and_its_log_says_so(platform, desktop):
    owner = api_token(platform, OWNER)
    name = f"陈列商品{uuid.uuid4().hex[:6]}"
    barcode = str(uuid.uuid4().int)[:13]
    body = {"name": name, "barcode": barcode, "wholesale_price_fen": 1250, "unit": "箱", "listed": True}
    product = api_call(platform, owner, "POST", "/api/v1/products", json=body)

    page = desktop
    admin_login(page, platform.base_url, MANAGER)
    page.get_by_role("menuitem", name="商品").click()
    page.get_by_placeholder("名称或条码").fill(name)
    page.get_by_placeholder("名称或条码").press("Enter")
    row = page.locator("[data-test=products] .el-table__row", has_text=name)
    expect(row.locator("[data-test=listed-state]")).to_have_text("在售")
    row.locator(f"[data-test=unlist-{barcode}]").click()
    _confirm(page)
    expect(row.locator("[data-test=listed-state]")).to_have_text("下架")
    assert api_call(platform, owner, "GET", f"/api/v1/products/{product['id']}")["listed"] is False

    row.locator(f"[data-test=product-{barcode}]").click()
    detail = page.locator("[data-test=product-detail]")
    unlisted = detail.locator("[data-test=change-log] .el-table__row", has_text="下架")
    expect(unlisted.locator("[data-test=change-field]")).to_have_text(re.compile(r"上架：\s*是\s*→\s*否"))
    # Listed again from the detail: its log, the table and the API follow.
    detail.locator(f"[data-test=list-{barcode}]").click()
    entries = detail.locator("[data-test=change-log] .el-table__row")
    expect(entries).to_have_count(3)  # created, unlisted, listed: newest first
    expect(entries.first.locator("[data-test=change-field]")).to_have_text(re.compile(r"上架：\s*否\s*→\s*是"))
    expect(row.locator("[data-test=listed-state]")).to_have_text("在售")
    assert api_call(platform, owner, "GET", f"/api/v1/products/{product['id']}")["listed"] is True
