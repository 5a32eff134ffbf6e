"""H13 in the mobile app, the salesperson's pipeline: a pool lead claimed, followed up and made a
customer, a slower claim told kindly, a lead entered by hand (C7); a duplicate merged (C9); the
month's commission lines (B9); today's visits as a route from where the phone is (C6); and a
customer's stored value and points with their ledger (E7)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from conftest import PHONE, Watched, api_call, api_token, mobile_login, shot

SALES = "13800000002"  # 张业务 (demo)
OWNER = "13800000000"
MANAGER = "13800000001"
PASSWORD = "demo1234"
HERE = {"latitude": 31.2304, "longitude": 121.4737}


def _phone_number(prefix: str = "137") -> str:
    return prefix + str(uuid.uuid4().int)[:8]


@pytest.fixture(scope="module")
def seller(platform) -> str:
    """A salesperson of this module's own: their leads, visits and commission lines are only what
    these tests make."""
    owner = api_token(platform, OWNER)
    phone_number = _phone_number("135")
    body = {"name": "线索业务", "phone": phone_number, "roles": ["salesperson"], "password": PASSWORD}
    api_call(platform, owner, "POST", "/api/v1/staff", json=body)
    return phone_number


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


def _new_customer(platform, token: str, **extra) -> dict:
    body = {"name": f"线索客户{uuid.uuid4().hex[:4]}", "phone": _phone_number("139"), **extra}
    return api_call(platform, token, "POST", "/api/v1/customers", json={**body, "fields": {"shop_type": "超市"}})


def _pool_lead(platform, manager: str) -> dict:
    """A lead the manager enters: a manager's lead goes to the pool."""
    body = {"name": f"访客{uuid.uuid4().hex[:4]}", "phone": _phone_number(), "company": "城南便利"}
    lead = api_call(platform, manager, "POST", "/api/v1/leads", json=body)["lead"]
    assert not lead.get("staff_id")
    return lead


def test_h13_c7_a_pool_lead_claimed_followed_up_and_made_a_customer(platform, phone, seller):
    manager, sales = api_token(platform, MANAGER), api_token(platform, seller)
    lead = _pool_lead(platform, manager)
    page = phone
    mobile_login(page, platform, seller)
    page.get_by_text("线索", exact=True).click()
    row = page.locator("[data-test=lead]").filter(has_text=lead["name"])
    expect(row).to_contain_text(lead["phone"])
    shot(page, "m-leads")
    page.locator(f"[data-test=claim-{lead['id']}]").click()
    expect(row).to_have_count(0)

    page.get_by_role("tab", name="我的线索").click()
    row.click()
    expect(page.locator("[data-test=lead-status]")).to_have_text("跟进中")
    page.locator("[data-test=lead-followup] textarea").fill("老板说下周进货，先报价")
    page.get_by_role("radio", name="有意向").click()
    page.locator("[data-test=add-lead-followup]").click()
    expect(page.locator("[data-test=lead-followup-item]").first).to_contain_text("老板说下周进货，先报价")
    expect(page.locator(".van-toast")).to_be_hidden()
    shot(page, "m-lead")

    # 置为客户: the tenant's required registration field is asked for, then the customer's page.
    page.locator("[data-test=convert-lead]").click()
    page.locator("[data-test=confirm-convert]").click()
    expect(page.locator("[data-test=convert-field-shop_type]")).to_contain_text("必填")
    page.locator("[data-test=convert-field-shop_type]").click()
    page.get_by_role("button", name="便利店").click()
    page.locator("[data-test=confirm-convert]").click()
    expect(page).to_have_url(re.compile(r"/m/customers/[^/]+$"))
    customer_id = page.url.rsplit("/", 1)[1]

    me = api_call(platform, sales, "GET", "/api/v1/me")
    after = api_call(platform, sales, "GET", f"/api/v1/leads/{lead['id']}")
    assert (after["status"], after["customer_id"], after["staff_id"]) == ("converted", customer_id, me["id"])
    customer = api_call(platform, sales, "GET", f"/api/v1/customers/{customer_id}")
    assert (customer["phone"], customer["owner_staff_id"], customer["fields"]["shop_type"]) == (
        lead["phone"],
        me["id"],
        "便利店",
    )
    followups = api_call(platform, sales, "GET", f"/api/v1/customers/{customer_id}/followups")["followups"]
    assert [(f["content"], f["status"]) for f in followups] == [("老板说下周进货，先报价", "interested")]


def test_h13_c7_a_slower_claim_is_told_kindly_and_a_lead_is_entered_by_hand(platform, phone, seller):
    manager, other, sales = api_token(platform, MANAGER), api_token(platform, SALES), api_token(platform, seller)
    lead = _pool_lead(platform, manager)
    page = phone
    mobile_login(page, platform, seller)
    page.goto(f"{platform.base_url}/m/leads")
    row = page.locator("[data-test=lead]").filter(has_text=lead["name"])
    expect(row).to_have_count(1)
    # A colleague is quicker between the list's loading and the tap.
    api_call(platform, other, "POST", f"/api/v1/leads/{lead['id']}/claim")
    page.locator(f"[data-test=claim-{lead['id']}]").click()
    expect(page.get_by_role("dialog")).to_contain_text("手慢了一步")
    page.get_by_role("button", name="知道了").click()
    expect(row).to_have_count(0)
    api_call(platform, other, "POST", f"/api/v1/leads/{lead['id']}/release", json={"reason": "测试归还"})

    # By hand: the form checks as the API does, then the lead is mine.
    page.locator("[data-test=new-lead]").click()
    page.locator("[data-test=save-lead]").click()
    expect(page.locator("[data-test=lead-name]")).to_contain_text("必填")
    expect(page.locator("[data-test=lead-phone]")).to_contain_text("至少填一项")
    name, number = f"展会客户{uuid.uuid4().hex[:4]}", _phone_number()
    page.locator("[data-test=lead-name] input").fill(name)
    page.locator("[data-test=lead-phone] input").fill("12345")
    page.locator("[data-test=save-lead]").click()
    expect(page.locator("[data-test=lead-phone]")).to_contain_text("11 位手机号")
    page.locator("[data-test=lead-phone] input").fill(number)
    page.locator("[data-test=lead-tags] input").fill("展会 饮料")
    page.locator("[data-test=save-lead]").click()
    expect(page).to_have_url(re.compile(r"/m/leads/[^/]+$"))
    expect(page.locator("[data-test=lead-details]")).to_contain_text(number)
    mine = api_call(platform, sales, "GET", "/api/v1/leads", params={"scope": "mine", "page_size": 100})["leads"]
    made = [m for m in mine if m["phone"] == number]
    assert [(m["name"], m["source"], sorted(m["tags"])) for m in made] == [(name, "manual", ["展会", "饮料"])]


def test_h13_c9_a_lead_with_my_customers_phone_is_merged_from_the_duplicates_list(platform, phone, seller):
    sales = api_token(platform, seller)
    customer = _new_customer(platform, sales)
    lead = api_call(platform, sales, "POST", "/api/v1/leads", json={"name": "老客户又来了", "phone": customer["phone"]})
    converted = api_call(platform, sales, "POST", f"/api/v1/leads/{lead['lead']['id']}/convert", json={"fields": {}})
    duplicate = converted["duplicate"]
    assert (converted["customer_id"], duplicate["kind"]) == ("", "mergeable")
    page = phone
    mobile_login(page, platform, seller)
    page.goto(f"{platform.base_url}/m/leads")
    page.locator("[data-test=open-duplicates]").click()
    item = page.locator("[data-test=duplicate]").filter(has_text=customer["phone"])
    expect(item).to_contain_text("可合并")
    expect(item).to_contain_text(customer["name"])
    page.locator(f"[data-test=merge-duplicate-{customer['phone']}]").click()
    page.get_by_role("dialog").get_by_role("button", name="确认").click()
    expect(item).to_have_count(0)
    done = api_call(platform, sales, "GET", "/api/v1/duplicates", params={"open_only": "false", "page_size": 100})
    assert [d["status"] for d in done["duplicates"] if d["id"] == duplicate["id"]] == ["merged"]
    assert api_call(platform, sales, "GET", f"/api/v1/leads/{lead['lead']['id']}")["status"] == "merged"


def test_h13_b9_the_months_commission_lines_after_an_approved_order(platform, phone, seller):
    owner, sales = api_token(platform, OWNER), api_token(platform, seller)
    tag = uuid.uuid4().hex[:4]
    product = api_call(
        platform,
        owner,
        "POST",
        "/api/v1/products",
        json={"name": f"提成饮料{tag}", "unit": "箱", "wholesale_price_fen": 2000, "listed": True},
    )
    rule = api_call(
        platform,
        owner,
        "POST",
        "/api/v1/commission-rules",
        json={"scope": "product", "target": product["id"], "kind": "fixed_per_unit", "amount_per_unit_fen": 150},
    )
    customer = _new_customer(platform, sales)
    order = api_call(
        platform,
        sales,
        "POST",
        "/api/v1/orders",
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 2}]},
    )
    api_call(platform, owner, "POST", f"/api/v1/orders/{order['id']}/approve")
    try:
        page = phone
        mobile_login(page, platform, seller)
        page.get_by_text("业绩", exact=True).click()
        line = page.locator("[data-test=commission-line]").filter(has_text=product["name"])
        expect(line).to_contain_text("¥3.00")
        expect(line).to_contain_text(order["number"])
        details = api_call(platform, sales, "GET", "/api/v1/performance/commissions")
        total = details["total_commission_fen"]
        expect(page.locator("[data-test=commission-total]")).to_contain_text(f"¥{total // 100}.{total % 100:02d}")
        mine = [d for d in details["details"] if d["product_id"] == product["id"]]
        assert [(d["order_number"], d["quantity"], d["commission_fen"]) for d in mine] == [(order["number"], 2, 300)]
    finally:
        api_call(platform, owner, "DELETE", f"/api/v1/commission-rules/{rule['id']}")


def test_h13_c6_todays_visits_as_a_route_from_where_the_phone_is(platform, located, seller):
    sales = api_token(platform, seller)
    far = _new_customer(platform, sales, latitude=31.2404, longitude=121.4737)  # ~1.1 km north
    near = _new_customer(platform, sales, latitude=31.2314, longitude=121.4737)  # ~111 m north
    for customer in (far, near):
        api_call(platform, sales, "POST", "/api/v1/visits", json={"customer_id": customer["id"]})
    page = located
    mobile_login(page, platform, seller)
    page.get_by_text("拜访", exact=True).click()
    page.get_by_role("tab", name="今日路线").click()
    stops = page.locator("[data-test=route-stop]")
    expect(stops).to_have_count(2)
    expect(stops.nth(0)).to_contain_text(f"1. {near['name']}")
    expect(stops.nth(0)).to_contain_text("距您 111 米")
    expect(stops.nth(1)).to_contain_text(f"2. {far['name']}")
    expect(stops.nth(1)).to_contain_text("距上一站 1.0 公里")
    expect(stops.nth(0).get_by_role("link", name="打电话")).to_have_attribute("href", f"tel:{near['phone']}")
    expect(stops.nth(0).get_by_role("link", name="导航")).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/marker\?position=121\.473700,31\.231400")
    )
    route = api_call(platform, sales, "GET", "/api/v1/visits/route", params=HERE)["stops"]
    assert [s["visit"]["customer_id"] for s in route] == [near["id"], far["id"]]


def test_h13_e7_a_customers_stored_value_and_points_after_the_owner_credits_them(platform, phone, seller):
    owner, sales = api_token(platform, OWNER), api_token(platform, seller)
    customer = _new_customer(platform, sales)
    credits = f"/api/v1/customers/{customer['id']}/stored-value/credits"
    api_call(platform, owner, "POST", credits, json={"amount": 8800, "reason": "top_up", "note": "开业充值"})
    api_call(platform, owner, "POST", credits, json={"amount": 120, "kind": "points", "note": "开业送积分"})
    page = phone
    mobile_login(page, platform, seller)
    page.goto(f"{platform.base_url}/m/customers/{customer['id']}")
    page.locator("[data-test=stored-value-link]").click()
    sheet = page.locator("[data-test=stored-value]")
    expect(sheet.locator("[data-test=sv-balance]")).to_have_text("¥88.00")
    expect(sheet.locator("[data-test=sv-points]")).to_have_text("120")
    entry = sheet.locator("[data-test=sv-entry]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("+¥88.00")
    expect(entry).to_contain_text("开业充值")
    sheet.get_by_role("tab", name="积分").click()
    expect(entry).to_contain_text("+120")
    expect(entry).to_contain_text("开业送积分")
    account = api_call(platform, sales, "GET", f"/api/v1/customers/{customer['id']}/stored-value")
    assert (account["balance_fen"], account["points"]) == (8800, 120)
