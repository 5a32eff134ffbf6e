"""C4 coupon behaviour over HTTP with every service a real process: a coupon template sent to
named customers, one coupon redeemed at the counter; the coupons service's events reach the
customers worker's read model, and segments "holds an unused coupon", "redeemed a coupon in the
last 30 days" and "redeemed none" return exactly the right customers, within the caller's
visibility and tenant."""

from __future__ import annotations

from client import eventually
from journey import PASSWORD, create_staff, login, phone, sign_up


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


def evaluate(api, filter: dict) -> set[str]:
    body = ok(api.post("/api/v1/segments/evaluate", json={"filter": filter, "page_size": 100}))
    assert body["page"]["total"] == len(body["members"])
    return {m["id"] for m in body["members"]}


def test_c4_coupon_segments_journey(platform, world):
    anon = world["anon"]
    # A tenant of its own: "exactly these customers" must not meet other journeys' customers.
    signed = sign_up(anon, "五号商贸")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store_id = signed["head_store"]["id"]
    cashier = anon.as_(
        login(anon, create_staff(owner, "钱店长", ["store_manager"], store_id, password=PASSWORD)["phone"])
    )
    seller = anon.as_(login(anon, create_staff(owner, "孙业务", ["salesperson"], store_id, password=PASSWORD)["phone"]))

    def customer(api, name):
        return ok(api.post("/api/v1/customers", json={"name": name, "phone": phone()}), 201)["id"]

    holder, redeemer, untouched = customer(seller, "持券未用"), customer(seller, "已用券"), customer(seller, "无券")
    theirs = customer(owner, "店里的客户")

    template = {"name": "满50减5", "kind": "cash", "value_fen": 500, "valid_days": 30, "min_spend_fen": 5000}
    tpl = ok(owner.post("/api/v1/coupon-templates", json=template), 201)
    sent = ok(owner.post(f"/api/v1/coupon-templates/{tpl['id']}/send", json={"customer_ids": [holder, redeemer]}), 201)
    code = {c["customer_id"]: c["code"] for c in sent["coupons"]}
    assert set(code) == {holder, redeemer}
    # A coupon claimed through the public link by phone alone has no customer: no segment member.
    ok(anon.post(tpl["claim_path"], json={"phone": phone()}), 201)

    # Redeemed at the counter.
    lines = [{"product_id": "milk", "category_id": "", "quantity": 2, "amount_fen": 6000}]
    used = cashier.post("/api/v1/coupons/redeem", json={"code": code[redeemer], "order_id": "MD-9", "lines": lines})
    assert used.status_code == 200, used.text

    # The customers worker learns both from the coupons service's events (asynchronously).
    unused = {"coupons_unused_min": 1}
    recently = {"coupon_redeemed_within_days": 30}
    assert eventually(lambda: evaluate(owner, recently) == {redeemer}), platform.logs()
    assert eventually(lambda: evaluate(owner, unused) == {holder}), platform.logs()
    assert evaluate(owner, {**unused, "coupon_template_ids": [tpl["id"]]}) == {holder}
    assert evaluate(owner, {**unused, "coupon_template_ids": ["another-template"]}) == set()
    assert evaluate(owner, {"no_coupon_redeemed_within_days": 30}) == {holder, untouched, theirs}
    # With a profile condition, saved and evaluated within the caller's visibility.
    saved = ok(owner.post("/api/v1/segments", json={"name": "有券未用", "filter": unused}), 201)
    assert saved["filter"] == unused
    members = ok(seller.get(f"/api/v1/segments/{saved['id']}/members", params={"page_size": 100}))
    assert {m["id"] for m in members["members"]} == {holder}
    ok(owner.post(f"/api/v1/coupon-templates/{tpl['id']}/send", json={"customer_ids": [theirs]}), 201)
    assert eventually(lambda: evaluate(owner, unused) == {holder, theirs}), platform.logs()
    assert evaluate(seller, unused) == {holder}

    # Templates alone are no condition: named, in Chinese.
    bad = owner.post("/api/v1/segments/evaluate", json={"filter": {"coupon_template_ids": [tpl["id"]]}})
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["fields"] == {"filter.coupon_template_ids": "请同时选择针对这些券模板的优惠券条件"}

    # Another tenant sees none of it.
    assert evaluate(world["other_owner"], recently) == set()
