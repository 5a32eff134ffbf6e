"""H6 in the mobile app, the rest of the salesperson's day: a return filed at the shop once however
often submit is tapped (B3), a customer claimed from the public pool (C3), customers near the
phone with a call and a map link (C5), and the manager's takings per day and store (B10)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from conftest import PHONE, Watched, api_call, api_token, mobile_login, shot

SALES = "13800000002"  # 张业务 (demo)
MANAGER = "13800000001"
PASSWORD = "demo1234"


@pytest.fixture(scope="module")
def seller(platform) -> str:
    """A salesperson of this module's own, so the demo salespeople's books stay as other tests
    expect them."""
    owner = api_token(platform, "13800000000")
    phone_number = "136" + str(uuid.uuid4().int)[:8]
    body = {"name": "外勤业务", "phone": phone_number, "roles": ["salesperson"], "password": PASSWORD}
    api_call(platform, owner, "POST", "/api/v1/staff", json=body)
    return phone_number


def _new_customer(platform, token: str, **extra) -> dict:
    body = {"name": f"外勤客户{uuid.uuid4().hex[:4]}", "phone": "139" + str(uuid.uuid4().int)[:8], **extra}
    return api_call(platform, token, "POST", "/api/v1/customers", json={**body, "fields": {"shop_type": "超市"}})


def test_h6_b3_a_return_is_filed_once_however_often_submit_is_tapped(platform, phone, seller):
    token = api_token(platform, seller)
    customer = _new_customer(platform, token)
    product = api_call(platform, token, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    page = phone
    mobile_login(page, platform, seller)
    page.get_by_text("退货").click()
    page.locator("[data-test=pick-customer]").filter(has_text=customer["name"]).click()
    page.locator("[data-test=barcode] input").fill(product["barcode"])
    page.locator("[data-test=barcode]").get_by_role("button", name="添加").click()
    expect(page.locator("[data-test=line]")).to_have_count(1)
    page.locator("[data-test=quantity] .van-stepper__plus").click()
    page.locator("[data-test=reason] input").fill("破损")
    shot(page, "m-new-return")
    submit = page.locator("[data-test=submit] button")
    submit.dblclick()
    expect(page).to_have_url(f"{platform.base_url}/m/returns")
    expect(page.locator("[data-test=return]").filter(has_text=customer["name"])).to_have_count(1)
    made = api_call(platform, token, "GET", "/api/v1/returns", params={"customer_id": customer["id"]})["returns"]
    assert len(made) == 1
    assert made[0]["lines"][0]["quantity"] == 2 and made[0]["note"] == "破损"


def test_h6_c3_another_salesperson_claims_a_released_customer_from_the_pool(platform, phone, seller):
    token = api_token(platform, seller)
    customer = _new_customer(platform, token)
    api_call(platform, token, "POST", f"/api/v1/customers/{customer['id']}/release", json={"reason": "不再跟进"})
    page = phone
    mobile_login(page, platform, SALES)
    page.get_by_text("公海").click()
    page.get_by_placeholder("客户名称或手机号").fill(customer["name"])
    page.get_by_placeholder("客户名称或手机号").press("Enter")
    page.locator(f"[data-test=claim-{customer['phone']}]").click()
    expect(page.locator("[data-test=pool-customer]").filter(has_text=customer["name"])).to_have_count(0)
    claimer = api_token(platform, SALES)
    me = api_call(platform, claimer, "GET", "/api/v1/me")
    assert api_call(platform, claimer, "GET", f"/api/v1/customers/{customer['id']}")["owner_staff_id"] == me["id"]
    # Back to the pool, so the demo salesperson's book is as other tests expect it.
    api_call(platform, claimer, "POST", f"/api/v1/customers/{customer['id']}/release", json={"reason": "测试归还"})


HERE = {"latitude": 31.2304, "longitude": 121.4737}


@pytest.fixture
def located(browser, request):
    """A phone-sized page whose browser knows where it is (HERE) and may say so."""
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=True,
        has_touch=True,
        geolocation=HERE,
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watched = Watched(page)
    yield page
    context.close()
    assert not watched.errors, "\n".join(watched.errors)


def test_h6_c5_customers_near_the_phone_with_a_call_and_a_map_link(platform, located, seller):
    token = api_token(platform, seller)
    near = _new_customer(platform, token, latitude=31.2314, longitude=121.4737)  # ~111 m north
    page = located
    mobile_login(page, platform, seller, PASSWORD)
    page.get_by_text("附近客户").click()
    item = page.locator("[data-test=nearby]").filter(has_text=near["name"])
    expect(item).to_contain_text("米")
    expect(item.get_by_role("link", name="打电话")).to_have_attribute("href", f"tel:{near['phone']}")
    expect(item.get_by_role("link", name="导航")).to_have_attribute("href", re.compile(r"^https?://[^/]*amap\.com/"))
    shot(page, "m-nearby")


def test_h6_c8_a_visit_planned_and_checked_in_where_the_phone_is(platform, located, seller):
    token = api_token(platform, seller)
    customer = _new_customer(platform, token)
    page = located
    mobile_login(page, platform, seller, PASSWORD)
    page.get_by_text("拜访").click()
    page.locator("[data-test=plan-visit]").click()
    page.locator("[data-test=pick-customer]").filter(has_text=customer["name"]).click()
    page.locator(f"[data-test='check-in-{customer['name']}']").click()
    page.locator("[data-test=check-in-note] textarea").fill("老板要下周的促销单")
    page.locator("[data-test=confirm-check-in]").click()
    expect(page.locator("[data-test=visit]").filter(has_text=customer["name"])).to_contain_text("已签到")
    shot(page, "m-visits")
    # Checked in, it is no longer due; its notes became the customer's follow-up.
    due = api_call(platform, token, "GET", "/api/v1/visits")["visits"]
    assert customer["id"] not in [v["customer_id"] for v in due]
    followups = api_call(platform, token, "GET", f"/api/v1/customers/{customer['id']}/followups")["followups"]
    assert [(f["content"], f["status"], bool(f["visit_task_id"])) for f in followups] == [
        ("老板要下周的促销单", "visited", True)
    ]
    # C2: the sign-up QR naming this salesperson, shown from the new-customer form.
    page.goto(f"{platform.base_url}/m/customers/new")
    page.locator("[data-test=show-qr]").click()
    expect(page.locator("[data-test=registration-qr] img")).to_be_visible()


def test_h6_b10_the_manager_reads_takings_per_day_and_store(platform, phone):
    owner, sales = api_token(platform, "13800000000"), api_token(platform, SALES)
    customer = api_call(platform, sales, "GET", "/api/v1/customers", params={"page_size": 1})["customers"][0]
    product = api_call(platform, sales, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    order = api_call(
        platform,
        sales,
        "POST",
        "/api/v1/orders",
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}]},
    )
    api_call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    page = phone
    mobile_login(page, platform, MANAGER)
    page.get_by_text("店长数据").click()
    expect(page.locator("[data-test=store-day]").first).to_be_visible()
    expect(page.locator("[data-test=store-total]")).not_to_contain_text("¥0.00")
    shot(page, "m-store-data")


def test_h6_e10_a_salesperson_pushes_a_coupon_to_a_segment_of_own_customers_once(platform, phone, seller):
    owner, sales = api_token(platform, "13800000000"), api_token(platform, seller)
    _new_customer(platform, sales)
    tag = uuid.uuid4().hex[:4]
    template = api_call(
        platform,
        owner,
        "POST",
        "/api/v1/coupon-templates",
        json={"name": f"业务专享{tag}", "kind": "cash", "value_fen": 500, "valid_days": 30, "per_person_limit": 1},
    )
    segment = api_call(platform, owner, "POST", "/api/v1/segments", json={"name": f"全部客户{tag}", "filter": {}})
    page = phone
    mobile_login(page, platform, seller)
    page.get_by_text("卡券").click()
    page.locator("[data-test=template]").click()
    page.get_by_role("button", name=template["name"]).click()
    page.locator("[data-test=segment]").click()
    page.get_by_role("button", name=segment["name"]).click()
    page.locator("[data-test=send]").dblclick()
    expect(page.locator("[data-test=sent]")).to_contain_text("已发出")
    shot(page, "m-coupons-push")
    issued = int(re.search(r"已发出 (\d+) 张", page.locator("[data-test=sent]").inner_text()).group(1))
    held = api_call(platform, owner, "GET", "/api/v1/coupons", params={"template_id": template["id"], "page_size": 100})
    holders = [c["customer_id"] for c in held["coupons"]]
    # Once per customer however often it was tapped, and only the salesperson's own customers.
    assert issued == len(holders) == len(set(holders)) > 0
    mine = api_call(platform, sales, "GET", "/api/v1/customers", params={"page_size": 100})["customers"]
    assert set(holders) <= {c["id"] for c in mine}


def test_h6_b5_a_collection_started_from_an_order_names_that_order(platform, phone, seller):
    owner, sales = api_token(platform, "13800000000"), api_token(platform, seller)
    customer = _new_customer(platform, sales)
    product = api_call(platform, sales, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    orders = [
        api_call(
            platform,
            sales,
            "POST",
            "/api/v1/orders",
            json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": n}]},
        )
        for n in (1, 2)
    ]
    for order in orders:
        api_call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    page = phone
    mobile_login(page, platform, seller)
    page.goto(f"{platform.base_url}/m/orders/{orders[1]['id']}")
    page.locator("[data-test=collect-order]").click()
    expect(page.locator("[data-test=customer]")).to_contain_text(customer["name"])
    expect(page.locator("[data-test=debt]")).to_have_count(2)
    # Only the order it came from is ticked, for what it still owes.
    ticked = page.locator("[data-test=debt]").filter(has=page.locator(".van-checkbox__icon--checked"))
    expect(ticked).to_have_count(1)
    expect(ticked).to_contain_text(orders[1]["number"])
    expect(page.locator("[data-test=pay] input")).to_have_value(f"{orders[1]['total_fen'] / 100:.2f}")
