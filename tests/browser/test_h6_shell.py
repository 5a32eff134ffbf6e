"""H6 shell, in a real browser: logging in to each app (password, SMS code), where the person
lands, the refresh that must not land on 404, the 404 page itself, the API's message shown; the store
switcher with pins (A4) and the inbox badge (F4)."""

from __future__ import annotations

import re
import uuid

import requests
from playwright.sync_api import expect

from conftest import api_call, api_token, shot, sms_code

OWNER, SALES, PASSWORD = "13800000000", "13800000002", "demo1234"


def test_h6_the_owner_logs_in_to_the_admin_and_a_refresh_keeps_the_page(platform, desktop):
    page = desktop
    page.goto(f"{platform.base_url}/admin/customers")
    expect(page).to_have_url(re.compile(r"/admin/login\?redirect=/customers"))
    shot(page, "admin-login")
    page.get_by_role("textbox", name="手机号").fill(OWNER)
    page.get_by_role("textbox", name="密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Back where the owner was going, with every customer of the tenant (the demo's five, and
    # whatever other journeys of this run registered).
    expect(page).to_have_url(re.compile(r"/admin/customers$"))
    rows = page.locator("[data-test=customers] .el-table__body tr")
    expect(rows.first).to_be_visible()
    total = int(re.search(r"共 (\d+) 条", page.locator(".el-pagination").inner_text()).group(1))
    assert total >= 5
    expect(rows).to_have_count(min(total, 20))  # the first page
    shot(page, "admin-customers")
    page.reload()
    expect(rows).to_have_count(min(total, 20))
    page.locator("[data-test=customer-search]").fill("华联超市")
    page.locator("[data-test=customer-search]").press("Enter")
    expect(rows.filter(has_text="华联超市(东门店)")).to_have_count(1)

    page.get_by_role("menuitem", name="首页").click()
    expect(page.get_by_text("王老板，欢迎回来")).to_be_visible()
    shot(page, "admin-home")
    page.goto(f"{platform.base_url}/admin/no-such-page")
    expect(page.get_by_text("页面不存在", exact=True)).to_be_visible()


def test_h6_a_wrong_password_shows_the_apis_own_message(platform, desktop):
    page = desktop
    page.goto(f"{platform.base_url}/admin/login")
    page.get_by_role("textbox", name="手机号").fill("13800000001")
    page.get_by_role("textbox", name="密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("手机号或密码")


def test_h6_the_salesperson_logs_in_to_the_mobile_app_with_an_sms_code(platform, phone):
    page = phone
    page.goto(f"{platform.base_url}/m/")
    expect(page).to_have_url(re.compile(r"/m/login"))
    page.get_by_role("tab", name="验证码登录").click()
    page.get_by_role("textbox", name="手机号").fill("123")
    page.get_by_role("button", name="获取验证码").click()
    # Checked before asking the API, shown on the field it is about.
    expect(page.get_by_text("请输入 11 位手机号")).to_be_visible()
    page.get_by_role("textbox", name="手机号").fill(SALES)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile(r"\d+ 秒后重发"))).to_be_visible()
    page.get_by_role("textbox", name="验证码").fill(sms_code(platform, SALES))
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_text("张业务，您好")).to_be_visible()
    shot(page, "m-home")
    page.get_by_text("客户", exact=True).first.click()
    # A salesperson sees their own customers only: the demo's three of the tenant's five, and
    # those other journeys of this run gave them (the API's count for the same token).
    mine = api_call(platform, api_token(platform, SALES), "GET", "/api/v1/customers", params={"page_size": 1})
    expected = min(mine["page"]["total"], 20)
    assert expected >= 3
    expect(page.locator("[data-test=customer]")).to_have_count(expected)
    shot(page, "m-customers")
    page.reload()
    expect(page.locator("[data-test=customer]")).to_have_count(expected)
    page.goto(f"{platform.base_url}/m/nowhere")
    expect(page.get_by_text("页面不存在", exact=True)).to_be_visible()


def test_h6_a4_the_owner_switches_store_and_pins_one(platform, desktop):
    token = api_token(platform, OWNER)
    name = f"西湖分店{uuid.uuid4().hex[:4]}"
    made = requests.post(
        f"{platform.base_url}/api/v1/stores",
        json={"name": name},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    page = desktop
    page.goto(f"{platform.base_url}/admin/login")
    page.get_by_role("textbox", name="手机号").fill(OWNER)
    page.get_by_role("textbox", name="密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    switcher = page.locator("[data-test=store-switcher]")
    expect(switcher).to_contain_text("当前门店")
    switcher.click()
    item = page.get_by_role("menuitem", name=re.compile(name))
    item.get_by_role("button", name="置顶").click()
    expect(page.get_by_role("menuitem", name=re.compile(name)).get_by_role("button", name="取消置顶")).to_be_visible()
    page.get_by_role("menuitem", name=re.compile(name)).locator(".store-name").click()
    expect(switcher).to_contain_text(name)
    page.reload()
    expect(switcher).to_contain_text(name)


def test_h6_f4_a_registration_reaches_the_managers_inbox_badge(platform, desktop):
    sales = api_token(platform, SALES)
    made = requests.post(
        f"{platform.base_url}/api/v1/customers",
        json={
            "name": f"通知测试{uuid.uuid4().hex[:4]}",
            "phone": "139" + str(uuid.uuid4().int)[:8],
            "fields": {"shop_type": "超市"},
        },
        headers={"Authorization": f"Bearer {sales}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    page = desktop
    page.goto(f"{platform.base_url}/admin/login")
    page.get_by_role("textbox", name="手机号").fill("13800000001")
    page.get_by_role("textbox", name="密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    badge = page.locator("[data-test=inbox-badge] sup")
    expect(badge).to_be_visible()
    page.get_by_role("button", name="消息").click()
    notices = page.locator("[data-test=notice]")
    expect(notices.first).to_be_visible()
    page.get_by_role("button", name="全部已读").click()
    expect(badge).to_be_hidden()
