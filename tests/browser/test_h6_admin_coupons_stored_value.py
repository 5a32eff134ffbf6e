"""H6 in the admin, coupons and stored value: a printed batch issued and handed to a store (E3), a
coupon sent to a named customer (E2) and one redeemed at the counter (E4), a campaign's statistics
(E6); a member topped up, recharged by the rules and refused an overdraft (C11 E7 E9), and members
topped up and given coupons in bulk (C11). Each is checked through the API afterwards."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from conftest import admin_login, api_call, api_token, shot

OWNER = "13800000000"
# The coupons worker writes a batch's codes in the background; the page polls until they are made.
MAKING = 30_000


def _customer(platform, token: str, name: str) -> dict:
    body = {"name": name, "phone": "139" + str(uuid.uuid4().int)[:8], "fields": {"shop_type": "超市"}}
    return api_call(platform, token, "POST", "/api/v1/customers", json=body)


def _template(platform, token: str, name: str, **rules) -> dict:
    body = {"name": name, "kind": "cash", "value_fen": 1000, "valid_days": 30, "per_person_limit": 1, **rules}
    return api_call(platform, token, "POST", "/api/v1/coupon-templates", json=body)


def _pick(page: Page, box: str, typed: str, option: str | re.Pattern) -> None:
    """Choose in an Element Plus select inside `box`, typing first when it searches as you type."""
    page.locator(f"{box} .el-select").first.click()
    if typed:
        page.keyboard.type(typed)
    page.get_by_role("option", name=option).first.click()


def _coupons(platform, token: str, **query) -> list[dict]:
    return api_call(platform, token, "GET", "/api/v1/coupons", params={"page_size": 100, **query})["coupons"]


def test_h6_e3_e2_e4_a_printed_batch_handed_to_a_store_a_coupon_sent_and_one_redeemed(platform, desktop):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:4]
    template = _template(platform, owner, f"印制券{tag}")
    customer = _customer(platform, owner, f"发券客户{tag}")
    product = api_call(platform, owner, "GET", "/api/v1/products", params={"page_size": 1})["products"][0]
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="卡券").click()

    # E3: made, issued, then the three lowest serials handed to the head store.
    page.locator(f"[data-test='batch-{template['name']}']").click()
    page.locator("[data-test=batch-quantity] input").fill("5")
    page.locator("[data-test=batch-quantity] input").press("Tab")
    page.locator("[data-test=make-batch]").click()
    status = page.locator("[data-test=batch-status]")
    expect(status).to_have_text("已生成，待发券", timeout=MAKING)
    page.locator("[data-test=issue-batch]").click()
    expect(status).to_have_text("已发券")
    _pick(page, "[data-test=hand-out-form]", "", re.compile("^总店$"))
    page.locator("[data-test=hand-out-quantity] input").fill("3")
    page.locator("[data-test=hand-out-quantity] input").press("Tab")
    page.locator("[data-test=hand-out]").click()
    expect(page.locator("[data-test=batch-movements]")).to_contain_text("派发")
    expect(page.locator("[data-test=batch-counts]")).to_contain_text("已派发")
    shot(page, "admin-coupon-batch")
    printed = _coupons(platform, owner, template_id=template["id"])
    handed = [c for c in printed if c["channel"] == "handout"]
    assert len(printed) == 5 and len(handed) == 3
    assert {c["status"] for c in handed} == {"active"}
    assert {c["status"] for c in printed if c["channel"] != "handout"} == {"stocked"}
    page.keyboard.press("Escape")

    # E2: one coupon to a named customer, seen among the template's coupons; a second one is past
    # the per-person limit, refused whole and said on the field.
    page.locator(f"[data-test='detail-{template['name']}']").click()
    detail = page.locator("[data-test=template-detail]")
    expect(detail).to_contain_text("¥10.00")
    _pick(page, "[data-test=send-named]", customer["phone"], re.compile(customer["name"]))
    page.locator("[data-test=send-named-button]").click()
    expect(page.locator("[data-test=template-coupons]")).to_contain_text(customer["phone"])
    _pick(page, "[data-test=send-named]", customer["phone"], re.compile(customer["name"]))
    page.locator("[data-test=send-named-button]").click()
    expect(page.locator("[data-test=send-named] .el-form-item__error")).to_contain_text("每人限领")
    held = _coupons(platform, owner, template_id=template["id"], customer_id=customer["id"])
    assert len(held) == 1 and held[0]["channel"] == "send" and held[0]["status"] == "active"
    page.keyboard.press("Escape")

    # E4: a handed-out coupon typed at the counter and redeemed on an order, exactly once.
    code = handed[0]["code"]
    order_number = f"POS-{tag}"
    page.get_by_role("tab", name="柜台核销").click()
    page.locator("[data-test=coupon-code]").fill(code)
    page.locator("[data-test=look-up]").click()
    expect(page.locator("[data-test=coupon-status]")).to_have_text("可使用")
    page.locator("[data-test=order-number]").fill(order_number)
    _pick(page, "[data-test=line-0]", "", product["name"])
    page.locator("[data-test=line-amount-0]").fill("48.50")
    page.locator("[data-test=redeem]").click()
    expect(page.locator("[data-test=redeemed]")).to_contain_text("优惠 ¥10.00")
    expect(page.locator("[data-test=coupon-status]")).to_have_text("已使用")
    used = api_call(platform, owner, "GET", "/api/v1/coupons/lookup", params={"code": code})
    assert used["status"] == "redeemed" and used["order_id"] == order_number

    # The batch's ledger counts the redemption.
    page.get_by_role("tab", name="印制券批次").click()
    row = page.locator("[data-test=batches] .el-table__body tr").filter(has_text=template["name"])
    expect(row).to_contain_text("已发券")


def test_h6_e2_e6_a_campaigns_statistics_from_the_campaigns_list(platform, desktop):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:4]
    template = _template(platform, owner, f"活动券{tag}")
    segment = api_call(platform, owner, "POST", "/api/v1/segments", json={"name": f"活动人群{tag}", "filter": {}})
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="卡券").click()
    page.locator(f"[data-test='send-{template['name']}']").click()
    page.locator("[data-test=segment]").click()
    page.get_by_role("option", name=segment["name"]).click()
    page.locator("[data-test=send]").click()
    expect(page.get_by_text(re.compile(r"已发出 \d+ 张"))).to_be_visible()
    page.get_by_role("tab", name="发券活动").click()
    row = page.locator("[data-test=campaigns] .el-table__body tr").filter(has_text=template["name"])
    stats_button = row.locator("[data-test^=campaign-stats-]")
    send_id = stats_button.get_attribute("data-test").removeprefix("campaign-stats-")
    stats_button.click()
    expect(page.locator("[data-test=campaign-stats]")).to_contain_text("已发放")
    expect(page.locator("[data-test=campaign-chart] canvas")).to_have_count(1)
    campaign = api_call(platform, owner, "GET", f"/api/v1/coupon-sends/{send_id}/stats")
    issued = _coupons(platform, owner, template_id=template["id"])
    assert campaign["template_id"] == template["id"]
    assert campaign["issued"] == len(issued) > 0
    expect(page.locator("[data-test=campaign-stats]")).to_contain_text(str(campaign["issued"]))


def test_h6_c11_e7_e9_a_member_topped_up_recharged_by_the_rules_and_refused_an_overdraft(platform, desktop):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:4]
    customer = _customer(platform, owner, f"储值会员{tag}")
    rule_name = f"充123送17{tag}"
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="储值会员").click()

    # E7: a rule: pay ¥123, get ¥17.
    page.get_by_role("tab", name="充值规则").click()
    page.locator("[data-test=rule-name]").fill(rule_name)
    page.locator("[data-test=rule-pay]").fill("123")
    page.locator("[data-test=rule-bonus]").fill("17")
    page.locator("[data-test=add-rule]").click()
    expect(page.locator("[data-test=recharge-rules]")).to_contain_text(rule_name)

    # C11: the member found, topped up by ¥50.
    page.get_by_role("tab", name="会员储值").click()
    _pick(page, "[data-test=member-search]", customer["phone"], re.compile(customer["name"]))
    balance = page.locator("[data-test=member-balance]")
    expect(balance).to_have_text("¥0.00")
    page.locator("[data-test=top-up]").click()
    page.locator("[data-test=move-amount]").fill("50")
    page.locator("[data-test=move-save]").click()
    expect(balance).to_have_text("¥50.00")

    # E7: a ¥123 payment by the rules: the bonus is its own ledger entry.
    page.locator("[data-test=record-recharge]").click()
    page.locator("[data-test=recharge-paid]").fill("123")
    expect(page.locator("[data-test=recharge-preview]")).to_contain_text(rule_name)
    page.locator("[data-test=recharge-save]").click()
    expect(page.locator("[data-test=recharge-bonus]")).to_have_text("¥17.00")
    expect(page.locator("[data-test=recharge-entries]")).to_contain_text("¥17.00")
    page.keyboard.press("Escape")
    expect(page.locator("[data-test=recharge-detail]")).to_be_hidden()
    expect(balance).to_have_text("¥190.00")
    ledger = page.locator("[data-test=ledger]")
    expect(ledger).to_contain_text("+¥17.00")
    expect(ledger).to_contain_text("+¥123.00")
    expect(page.locator("[data-test=member-recharges]")).to_have_text("1")
    expect(page.get_by_text(f"{customer['name']} 的流水")).to_be_visible()
    shot(page, "admin-member-stored-value")

    # E9: spending more than the balance is refused whole, said in yuan; nothing changes.
    page.locator("[data-test=spend]").click()
    page.locator("[data-test=move-amount]").fill("500")
    page.locator("[data-test=move-save]").click()
    refusal = page.locator("[data-test=move-form] .el-form-item__error")
    expect(refusal).to_contain_text("余额不足")
    expect(refusal).to_contain_text("¥190.00")
    account = api_call(platform, owner, "GET", f"/api/v1/customers/{customer['id']}/stored-value")
    assert account["balance_fen"] == 19000 and account["recharges"] == 1
    entries = api_call(
        platform, owner, "GET", f"/api/v1/customers/{customer['id']}/stored-value/entries", params={"kind": "balance"}
    )["entries"]
    assert sorted((e["reason"], e["amount"]) for e in entries) == [
        ("recharge", 12300),
        ("recharge_bonus", 1700),
        ("top_up", 5000),
    ]


def test_h6_c11_members_topped_up_and_given_coupons_in_bulk_all_or_none(platform, desktop):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:4]
    members = [_customer(platform, owner, f"批量{tag}{n}") for n in ("甲", "乙")]
    template = _template(platform, owner, f"会员礼券{tag}")
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="储值会员").click()
    page.get_by_role("tab", name="批量操作").click()
    page.locator("[data-test=bulk-search]").fill(f"批量{tag}")
    page.locator("[data-test=bulk-search]").press("Enter")
    table = page.locator("[data-test=bulk-customers] .el-table__body tr")
    expect(table).to_have_count(2)
    page.locator("[data-test=bulk-customers] .el-table__header .el-checkbox").click()
    page.locator("[data-test=bulk-add]").click()
    for m in members:
        page.locator(f"[data-test=bulk-amount-{m['phone']}]").fill("8.8")
    page.locator("[data-test=bulk-top-up]").click()
    expect(page.get_by_text("已为 2 位会员充值")).to_be_visible()
    for m in members:
        account = api_call(platform, owner, "GET", f"/api/v1/customers/{m['id']}/stored-value")
        assert account["balance_fen"] == 880

    # One coupon each; again is past the per-person limit for both, so nobody gets a second.
    _pick(page, "[data-test=coupon-gift-form]", "", template["name"])
    page.get_by_text("已选会员（2）").click()
    page.locator("[data-test=coupon-gift]").click()
    expect(page.get_by_text("已为 2 位会员赠券")).to_be_visible()
    _pick(page, "[data-test=coupon-gift-form]", "", template["name"])
    page.get_by_text("已选会员（2）").click()
    page.locator("[data-test=coupon-gift]").click()
    expect(page.locator("[data-test=coupon-gift-form] .el-form-item__error")).to_contain_text("每人限领")
    for m in members:
        held = _coupons(platform, owner, template_id=template["id"], customer_id=m["id"])
        assert [c["channel"] for c in held] == ["gift"]
