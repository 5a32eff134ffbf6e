"""H6 in the admin, the back office's other pages: a return taken through approve, receive and
refund (B3), a coupon made and its statistics (E1 E5), the order and credit settings and a
salesperson's target (B2 B4 B9), each checked through the API afterwards."""

from __future__ import annotations

import re
import uuid

import openpyxl
from playwright.sync_api import expect

from conftest import admin_login, api_call, api_token, shot

OWNER = "13800000000"
MANAGER = "13800000001"
SALES = "13800000002"  # 张业务 (demo)


def _approved_order(platform, owner: str, sales: str) -> tuple[dict, dict]:
    customer = api_call(platform, sales, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    product = api_call(platform, sales, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    order = api_call(
        platform,
        sales,
        "POST",
        "/api/v1/orders",
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 3}]},
    )
    api_call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    return customer, product


def test_h6_b3_a_return_is_approved_received_and_refunded_against_the_debt(platform, desktop):
    owner, sales = api_token(platform, OWNER), api_token(platform, SALES)
    customer, product = _approved_order(platform, owner, sales)
    ret = api_call(
        platform,
        sales,
        "POST",
        "/api/v1/returns",
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}], "note": "破损"},
    )
    page = desktop
    admin_login(page, platform.base_url, MANAGER)
    page.get_by_role("menuitem", name="退货").click()
    for tab, step in (("待审核", "approve"), ("待收货", "receive")):
        page.locator("label.el-radio-button", has_text=tab).click()
        page.locator(f"[data-test={step}-{ret['number']}]").click()
        # Done when the return has left this tab: the next tab's list is read after the change.
        expect(page.locator(f"[data-test={step}-{ret['number']}]")).to_have_count(0)
    page.locator("label.el-radio-button", has_text="待退款").click()
    page.locator(f"[data-test=refund-{ret['number']}]").click()
    page.locator("label.el-radio", has_text="冲抵客户欠款").click()
    shot(page, "admin-return-refund")
    page.locator("[data-test=confirm-refund]").click()
    page.locator("label.el-radio-button", has_text="已退款").click()
    expect(page.locator("[data-test=returns]")).to_contain_text(ret["number"])
    done = api_call(platform, owner, "GET", f"/api/v1/returns/{ret['id']}")
    assert done["status"] == "refunded"
    assert done["refund_method"] == "reduce_debt"
    assert done["debt_reduced_fen"] + done["paid_back_fen"] == done["total_fen"] > 0


def test_h6_e1_e5_the_owner_makes_a_coupon_and_reads_its_statistics(platform, desktop):
    name = f"满百减十{uuid.uuid4().hex[:4]}"
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="卡券").click()
    page.locator("[data-test=new-template]").click()
    page.locator("[data-test=save-template]").click()
    # The form checks as the API does before anything is sent.
    expect(page.locator(".el-form-item__error").first).to_be_visible()
    page.locator("[data-test=template-name]").fill(name)
    page.locator("[data-test=template-value]").fill("10")
    page.locator("[data-test=save-template]").click()
    expect(page.locator("[data-test=templates]")).to_contain_text(name)
    expect(page.locator("[data-test=templates]")).to_contain_text("¥10.00")
    page.locator(f"[data-test='stats-{name}']").click()
    expect(page.locator("[data-test=coupon-stats]")).to_contain_text("已发放")
    expect(page.locator("[data-test=coupon-chart] canvas")).to_have_count(1)
    shot(page, "admin-coupon-stats")
    owner = api_token(platform, OWNER)
    made = [t for t in api_call(platform, owner, "GET", "/api/v1/coupon-templates")["templates"] if t["name"] == name]
    assert len(made) == 1 and made[0]["kind"] == "cash" and made[0]["value_fen"] == 1000


def test_h6_b2_b9_settings_and_targets_saved_from_the_admin_reach_the_services(platform, desktop):
    owner = api_token(platform, OWNER)
    before = api_call(platform, owner, "GET", "/api/v1/order-settings")
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    try:
        page.get_by_role("menuitem", name="设置").click()
        page.locator("[data-test=order-settings] label.el-radio-button", has_text="提醒").click()
        page.locator("[data-test=save-order-settings]").click()
        expect(page.get_by_text("已保存")).to_be_visible()
        assert api_call(platform, owner, "GET", "/api/v1/order-settings")["credit_control"] == "warn"
    finally:
        api_call(platform, owner, "PUT", "/api/v1/order-settings", json=before)

    page.get_by_role("menuitem", name="业绩").click()
    target = page.locator(f"[data-test=target-{SALES}]")
    target.fill("abc")
    target.press("Tab")
    page.locator("[data-test=targets]").get_by_role("row").filter(has=target).get_by_role("button", name="设定").click()
    expect(page.get_by_text("请输入金额，最多两位小数")).to_be_visible()
    target.fill("5000.5")
    page.locator("[data-test=targets]").get_by_role("row").filter(has=target).get_by_role("button", name="设定").click()
    expect(page.get_by_text("¥5,000.50")).to_be_visible()
    shot(page, "admin-targets")
    targets = api_call(platform, owner, "GET", "/api/v1/sales-targets")["targets"]
    assert 500050 in [t["amount_fen"] for t in targets]


def test_h6_c4_c7_c12_customers_tagged_segmented_counted_and_leads_checked(platform, desktop, tmp_path):
    owner = api_token(platform, OWNER)
    tag_name = f"重点{uuid.uuid4().hex[:4]}"
    customer = api_call(platform, owner, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="客户").click()
    # C12: a new tag, put on the first customer, then the list filtered by it.
    page.get_by_placeholder("标签名称").fill(tag_name)
    page.get_by_role("button", name="新建标签").click()
    page.locator("[data-test=customers] .el-table__body tr").filter(has_text=customer["name"]).locator(
        ".el-checkbox"
    ).first.click()
    page.locator("[data-test=apply-tags]").click()
    page.get_by_role("option", name=tag_name).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="打标签", exact=True).click()
    expect(page.get_by_text("已为 1 位客户打上标签")).to_be_visible()
    tagged = api_call(platform, owner, "GET", f"/api/v1/customers/{customer['id']}")
    assert tag_name in [t["name"] for t in tagged["tags"]]

    # C4: the live count follows the conditions; the segment is saved with them.
    page.get_by_role("tab", name="客户分群").click()
    count = page.locator("[data-test=live-count]")
    expect(count).to_contain_text("符合条件")
    page.locator("[data-test=segment-builder] .el-select").first.click()
    page.get_by_role("option", name=tag_name).click()
    page.keyboard.press("Escape")
    expect(count).to_have_text("符合条件：1 位")
    name = f"打标客户{uuid.uuid4().hex[:4]}"
    page.locator("[data-test=segment-name]").fill(name)
    page.locator("[data-test=save-segment]").click()
    expect(page.locator("[data-test=segments]")).to_contain_text(name)
    shot(page, "admin-segments")

    # C7: a leads sheet checked first: the row without a name is reported by row and column.
    sheet = tmp_path / "leads.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["姓名", "手机号", "微信unionID", "公司", "备注", "标签"])
    book.active.append(["新线索", "13700001111", "", "某公司", "", ""])
    book.active.append(["", "13700002222", "", "", "", ""])
    book.save(sheet)
    page.get_by_role("tab", name="线索导入").click()
    page.locator("[data-test=leads-file]").set_input_files(str(sheet))
    page.locator("[data-test=leads-dry-run]").click()
    expect(page.locator("[data-test=leads-report]")).to_contain_text("新增 1 条")
    expect(page.locator("[data-test=leads-report]")).to_contain_text("1 处问题")
    expect(page.get_by_role("cell", name="姓名")).to_be_visible()


def test_h6_a4_b1_a_sub_store_approved_and_stock_counted_in_it(platform, desktop):
    owner, sales = api_token(platform, OWNER), api_token(platform, SALES)
    store_name = f"西门分店{uuid.uuid4().hex[:4]}"
    body = {"store_name": store_name, "contact_name": "张业务", "phone": SALES, "address": "西门路1号"}
    application = api_call(platform, sales, "POST", "/api/v1/stores/applications", json=body)
    product = api_call(platform, owner, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="门店", exact=True).click()
    page.get_by_role("tab", name="分店申请").click()
    page.locator(f"[data-test='approve-{store_name}']").click()
    page.get_by_role("tab", name="门店", exact=True).click()
    expect(page.locator("[data-test=stores]")).to_contain_text(store_name)
    reviewed = api_call(platform, owner, "GET", f"/api/v1/stores/applications/{application['id']}")
    assert reviewed["status"] == "approved" and reviewed["store_id"]

    # B1: a stocktake in the new store, with its reason.
    page.get_by_role("menuitem", name="商品").click()
    page.locator(f"[data-test='stock-{product['barcode']}']").click()
    page.locator("[data-test=stock-form] .el-select").click()
    page.get_by_role("option", name=re.compile(f"^{store_name}")).click()
    page.locator("[data-test=counted] input").fill("37")
    page.locator("[data-test=save-stock]").click()
    expect(page.locator("[data-test=stock-form]")).to_be_hidden()
    counted = api_call(platform, owner, "GET", f"/api/v1/products/{product['id']}")
    assert {"store_id": reviewed["store_id"], "quantity": 37} in [
        {"store_id": s["store_id"], "quantity": s["quantity"]} for s in counted["stock"]
    ]


def test_h6_b1_c1_a_customers_record_own_price_and_a_new_registration_field(platform, desktop):
    owner = api_token(platform, OWNER)
    customer = api_call(platform, owner, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    product = api_call(platform, owner, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="客户").click()
    page.locator(f"[data-test='open-{customer['phone']}']").click()
    record = page.locator("[data-test=customer-record]")
    expect(record).to_contain_text("积分")
    # B1: this customer's own price for a product, which the order quote then offers.
    page.locator("[data-test=customer-price] .el-select").click()
    page.get_by_role("option", name=product["name"]).first.click()
    page.locator("[data-test=price]").fill("8.88")
    page.locator("[data-test=set-price]").click()
    expect(page.get_by_text("¥8.88")).to_be_visible()
    shot(page, "admin-customer-record")
    quote = api_call(
        platform,
        owner,
        "POST",
        "/api/v1/orders/quote",
        json={"customer_id": customer["id"], "product_ids": [product["id"]]},
    )["quotes"][0]
    assert quote["customer_price_fen"] == 888
    page.keyboard.press("Escape")

    # C1: a new required choice field; the registration form and the API now ask for it.
    key = f"area_{uuid.uuid4().hex[:4]}"
    page.get_by_role("tab", name="登记字段").click()
    page.locator("[data-test=field-key]").fill(key)
    page.locator("[data-test=field-label]").fill("商圈")
    page.locator("[data-test=new-field] .el-select").click()
    page.get_by_role("option", name="单选").click()
    page.get_by_placeholder("多个用逗号分隔").fill("老城区，新区")
    page.locator("[data-test=new-field] .el-checkbox").click()
    page.locator("[data-test=add-field]").click()
    expect(page.locator("[data-test=fields]")).to_contain_text("商圈")
    fields = {f["key"]: f for f in api_call(platform, owner, "GET", "/api/v1/customer-fields")["fields"]}
    assert fields[key]["required"] and fields[key]["options"] == ["老城区", "新区"]
    # Back to optional, so the other journeys' customers need no 商圈.
    body = {k: fields[key][k] for k in ("label", "kind", "options", "position")}
    api_call(platform, owner, "PUT", f"/api/v1/customer-fields/{key}", json={**body, "required": False})
