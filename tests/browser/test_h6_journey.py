"""H6 whole journey in a real browser, both apps, as the issue tells it: the owner creates a
salesperson (no change-price switch) and imports a catalogue in /admin/; the salesperson logs in
to /m/ on a phone with an SMS code, registers a customer (a missing required field shown on that
field), takes an order, then another by copying it and changing a quantity (no typed price
offered; a double tap places one order); the manager approves and ships in /admin/; the
salesperson files a collection with a photo; finance approves it; the salesperson's performance
shows the figures; another salesperson does not see the customer."""

from __future__ import annotations

import io
import re
import uuid

import requests
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import Page, expect

from conftest import DESKTOP, PHONE, Watched, admin_login, shot, sms_code

OWNER, MANAGER, OTHER_SALES, PASSWORD = "13800000000", "13800000001", "13800000003", "demo1234"
HEADERS = ["条码", "名称", "一级分类", "二级分类", "品牌", "单位", "批发价", "等级价:A", "商品类型", "上架"]


def new_phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def catalogue(path, barcode: str) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([barcode, "雪碧 330ml×24", "饮料", "碳酸饮料", "可口可乐", "箱", 45, 43, "商品", "是"])
    sheet.append(["bad", "", "饮料", "", "", "箱", "abc", None, "商品", "是"])
    book.save(path)


def photo(path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="PNG")
    path.write_bytes(out.getvalue())


class People:
    """A browser context per person, each checked for script errors and failed files at the end."""

    def __init__(self, browser):
        self.browser, self.contexts, self.watched = browser, [], []

    def open(self, viewport: dict, *, mobile: bool) -> Page:
        context = self.browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=mobile, has_touch=mobile
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        self.watched.append(Watched(page))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        errors = [e for w in self.watched for e in w.errors]
        assert not errors, "\n".join(errors)


def test_h6_the_wholesale_day_across_both_apps(platform, browser, tmp_path):
    base = platform.base_url
    people = People(browser)
    try:
        # The owner creates a salesperson without the change-price switch and a finance clerk.
        owner = people.open(DESKTOP, mobile=False)
        admin_login(owner, base, OWNER)
        owner.get_by_role("menuitem", name="员工").click()
        seller_phone, finance_phone = new_phone(), new_phone()
        for name, phone, role in (("钱业务", seller_phone, "业务员"), ("孙财务", finance_phone, "财务")):
            owner.locator("[data-test=new-staff]").click()
            dialog = owner.get_by_role("dialog")
            dialog.get_by_role("textbox", name="姓名").fill(name)
            dialog.get_by_role("textbox", name="手机号").fill(phone)
            dialog.get_by_role("textbox", name="登录密码").fill(PASSWORD)
            if role != "业务员":
                dialog.locator("label.el-checkbox", has_text="业务员").click()
                dialog.locator("label.el-checkbox", has_text=role).click()
            expect(dialog.get_by_role("checkbox", name="改价")).not_to_be_checked()
            dialog.locator("[data-test=save-staff]").click()
            expect(owner.locator("[data-test=staff]")).to_contain_text(name)
        shot(owner, "admin-staff")

        # The catalogue sheet: checked first (the bad row reported by row and column), then imported.
        barcode = "69" + str(uuid.uuid4().int)[:11]
        sheet = tmp_path / "catalogue.xlsx"
        catalogue(sheet, barcode)
        owner.get_by_role("menuitem", name="商品").click()
        owner.locator("[data-test=import]").click()
        owner.locator("[data-test=sheet]").set_input_files(str(sheet))
        owner.locator("[data-test=dry-run]").click()
        report = owner.locator("[data-test=import-report]")
        expect(report).to_contain_text("将新增 1 个")
        problems = report.locator(".el-table__body tr")
        expect(problems.first).to_be_visible()
        # Only the bad row (the sheet's third), each problem with its column.
        assert {problems.nth(i).locator("td").first.inner_text() for i in range(problems.count())} == {"3"}
        owner.locator("[data-test=do-import]").click()
        expect(report).to_contain_text("已导入：新增 1 个")
        owner.keyboard.press("Escape")
        expect(owner.locator("[data-test=products]")).to_contain_text("雪碧 330ml×24")
        shot(owner, "admin-catalogue")
        token = requests.post(
            f"{base}/api/v1/auth/login/password", json={"phone": OWNER, "password": PASSWORD}, timeout=10
        ).json()["access_token"]
        product = requests.get(
            f"{base}/api/v1/products",
            params={"barcode": barcode},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()["products"][0]
        head = requests.get(f"{base}/api/v1/stores", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        store_id = next(s["id"] for s in head.json()["stores"] if s["is_head"])
        requests.put(
            f"{base}/api/v1/products/{product['id']}/stock/{store_id}",
            json={"quantity": 100, "reason": "期初"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()

        # The salesperson, on a phone, logs in with the SMS code.
        sales = people.open(PHONE, mobile=True)
        sales.goto(f"{base}/m/login")
        sales.get_by_role("tab", name="验证码登录").click()
        sales.get_by_role("textbox", name="手机号").fill(seller_phone)
        sales.get_by_role("button", name="获取验证码").click()
        expect(sales.get_by_role("button", name=re.compile(r"秒后重发"))).to_be_visible()
        sales.get_by_role("textbox", name="验证码").fill(sms_code(platform, seller_phone))
        sales.get_by_role("button", name="登录").click()
        expect(sales.get_by_text("钱业务，您好")).to_be_visible()

        # A customer: the tenant's required field is shown on that field until it is filled.
        customer_name = f"旭日超市{uuid.uuid4().hex[:4]}"
        sales.get_by_text("新增客户").click()
        sales.get_by_role("textbox", name="客户名称").fill(customer_name)
        sales.get_by_role("textbox", name="手机号").fill(new_phone())
        sales.get_by_role("button", name="保存").click()
        expect(sales.locator("[data-test=field-shop_type]")).to_contain_text("必填")
        sales.locator("[data-test=field-shop_type]").click()
        sales.get_by_role("button", name="超市").click()
        sales.get_by_role("button", name="保存").click()
        expect(sales.locator("[data-test=customer]")).to_have_count(1)

        # The first order by barcode; no typed price is offered; a double tap places one order.
        sales.goto(f"{base}/m/orders/new")
        sales.get_by_text(customer_name).click()
        sales.locator("[data-test=barcode] input").fill(barcode)
        sales.get_by_role("button", name="添加", exact=True).click()
        sales.locator("[data-test=line] [data-test=quantity] input").fill("2")
        sales.locator("[data-test=price]").click()
        expect(sales.locator(".van-action-sheet").get_by_role("button", name="手填价")).to_have_count(0)
        sales.get_by_role("button", name="取消").click()
        sales.get_by_role("button", name="提交订单").dblclick()
        expect(sales.locator("[data-test=order-total]")).to_contain_text("¥90.00")

        # The second copies the first and changes the quantity.
        sales.goto(f"{base}/m/orders/new")
        sales.get_by_text(customer_name).click()
        sales.locator("[data-test=copy-last]").click()
        sales.locator("[data-test=line] [data-test=quantity] input").fill("4")
        sales.get_by_role("button", name="提交订单").click()
        expect(sales.locator("[data-test=order-total]")).to_contain_text("¥180.00")
        sales.goto(f"{base}/m/orders")
        sales.get_by_role("tab", name="待审核").click()
        expect(sales.locator("[data-test=order]", has_text=customer_name)).to_have_count(2)

        # The manager approves both, then picks and ships the first, in the admin.
        manager = people.open(DESKTOP, mobile=False)
        admin_login(manager, base, MANAGER)
        manager.get_by_role("menuitem", name="订单", exact=True).click()
        rows = manager.locator("[data-test=orders] .el-table__row", has_text=customer_name)
        expect(rows).to_have_count(2)
        numbers = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(2)]
        for number in numbers:
            manager.locator(f"[data-test='approve-{number}']").click()
            expect(manager.locator(f"[data-test='approve-{number}']")).to_have_count(0)
        manager.locator("label.el-radio-button", has_text="已审核").click()
        manager.locator(f"[data-test='pick-{numbers[-1]}']").click()
        expect(manager.locator(f"[data-test='pick-{numbers[-1]}']")).to_have_count(0)
        manager.locator("label.el-radio-button", has_text="已拣货").click()
        manager.locator(f"[data-test='ship-{numbers[-1]}']").click()
        expect(manager.locator(f"[data-test='ship-{numbers[-1]}']")).to_have_count(0)
        manager.locator("label.el-radio-button", has_text="已出库").click()
        expect(manager.locator("[data-test=orders] .el-table__row", has_text=customer_name)).to_have_count(1)
        shot(manager, "admin-orders")

        # The salesperson collects 90 yuan against the first with a photo of the transfer.
        proof = tmp_path / "transfer.png"
        photo(proof)
        sales.goto(f"{base}/m/collect")
        sales.get_by_text(customer_name).click()
        debts = sales.locator("[data-test=debt]")
        expect(debts).to_have_count(2)
        debts.nth(1).locator(".van-checkbox").click()  # only the older order (oldest first)
        debts.nth(0).locator("[data-test=pay] input").fill("90")
        sales.locator("[data-test=proof] input[type=file]").set_input_files(str(proof))
        expect(sales.locator(".van-uploader__preview")).to_have_count(1)
        expect(sales.locator(".van-uploader__mask")).to_have_count(0)  # uploaded
        shot(sales, "m-collect")
        sales.get_by_role("button", name="提交收款").click()
        expect(sales.get_by_text("钱业务，您好")).to_be_visible()

        # Finance approves it, seeing the photo.
        finance = people.open(DESKTOP, mobile=False)
        admin_login(finance, base, finance_phone)
        finance.get_by_role("menuitem", name="收款审核").click()
        row = finance.locator("[data-test=collections] .el-table__row", has_text=customer_name)
        expect(row.locator("[data-test=proof] img")).to_have_count(1)
        shot(finance, "admin-collections")
        row.get_by_role("button", name="通过").click()
        expect(finance.locator("[data-test=collections] .el-table__row", has_text=customer_name)).to_have_count(0)

        # The salesperson's month: two approved orders, 270 yuan.
        sales.goto(f"{base}/m/performance")
        expect(sales.locator("[data-test=net-sales]")).to_have_text("¥270.00")
        expect(sales.locator("[data-test=orders]")).to_contain_text("2")
        shot(sales, "m-performance")

        # Another salesperson does not see the customer.
        other = people.open(PHONE, mobile=True)
        other.goto(f"{base}/m/login")
        other.get_by_role("textbox", name="手机号").fill(OTHER_SALES)
        other.get_by_role("textbox", name="密码").fill(PASSWORD)
        other.get_by_role("button", name="登录").click()
        expect(other.get_by_text("您好")).to_be_visible()
        other.goto(f"{base}/m/customers?q={customer_name}")
        expect(other.get_by_text("暂无数据")).to_be_visible()
        expect(other.locator("[data-test=customer]")).to_have_count(0)
    finally:
        people.close()
