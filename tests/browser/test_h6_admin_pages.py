"""H6: every admin page a role's menu offers renders for that role with no script error, no 5xx
and no missing file; the menu offers each role its own pages (the services still check)."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from conftest import DESKTOP, Watched, api_token

PASSWORD = "demo1234"
# What each role's menu offers (ADR 0014; web/src/admin/menu.ts).
BACK_OFFICE = [
    "首页", "通知中心", "客户", "订单", "退货", "门店订单", "收款审核", "应收账款", "商品", "业绩", "卡券",
    "文章库", "素材库", "名片模板", "海报模板", "访客中心", "数据中心", "储值会员", "员工", "门店", "打印机", "设置",
]  # fmt: skip
MENUS = {
    "owner": BACK_OFFICE,
    "store_manager": BACK_OFFICE,
    "salesperson": ["首页", "通知中心", "客户"],
    "finance": ["首页", "通知中心", "客户", "订单", "退货", "门店订单", "收款审核", "应收账款", "储值会员"],
    "warehouse": ["首页", "通知中心", "客户", "订单", "退货", "门店订单", "商品"],
}
DEMO = {"owner": "13800000000", "store_manager": "13800000001", "salesperson": "13800000003"}


@pytest.fixture(scope="module")
def logins(platform):
    """A phone per role: the demo's, and a finance and a warehouse clerk the owner adds."""
    owner = api_token(platform, DEMO["owner"])
    phones = dict(DEMO)
    for role in ("finance", "warehouse"):
        phone = "137" + str(uuid.uuid4().int)[:8]
        made = requests.post(
            f"{platform.base_url}/api/v1/staff",
            json={"name": role, "phone": phone, "roles": [role], "password": PASSWORD},
            headers={"Authorization": f"Bearer {owner}", "Idempotency-Key": uuid.uuid4().hex},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        phones[role] = phone
    return phones


@pytest.mark.parametrize("role", list(MENUS))
def test_h6_every_menu_page_of_a_role_renders_cleanly(platform, browser, logins, role):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    watched = Watched(page)
    try:
        page.goto(f"{platform.base_url}/admin/login")
        page.get_by_role("textbox", name="手机号").fill(logins[role])
        page.get_by_role("textbox", name="密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("欢迎回来")).to_be_visible()
        menu = page.get_by_role("menuitem")
        expect(menu).to_have_count(len(MENUS[role]))
        assert [menu.nth(i).inner_text().strip() for i in range(menu.count())] == MENUS[role]
        for title in MENUS[role]:
            page.get_by_role("menuitem", name=title, exact=True).click()
            page.wait_for_load_state("networkidle")
            expect(page.locator(".el-loading-mask:visible")).to_have_count(0)
            expect(page.locator(".el-main")).not_to_be_empty()
            # A page a role is offered answers it: no refusal shown.
            expect(page.locator(".el-message--error")).to_have_count(0)
    finally:
        context.close()
    assert not watched.errors, "\n".join(watched.errors)
