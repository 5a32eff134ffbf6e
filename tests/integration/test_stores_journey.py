"""Multi-store tenants over HTTP (A4), every service a real process: a sub-store applies and the
head store approves it, staff of the sub-store are limited to it, a manager switches stores, pins
one and finds it in the recent history, and the head store sees each sub-store's takings after
an order is placed and shipped there; another tenant sees none of it."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

from journey import PASSWORD, create_staff, login, phone, sign_up

CHINA = timezone(timedelta(hours=8))


def claims(token: str) -> dict:
    """The access token's payload (the test only reads it; the services verify the signature)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def apply(api, name: str) -> dict:
    resp = api.post(
        "/api/v1/stores/applications",
        json={"store_name": name, "contact_name": "王经理", "phone": phone(), "address": f"{name}路 8 号"},
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a4_multi_store_journey(platform, world):
    anon = world["anon"]
    tenant = sign_up(anon, "连锁商贸")
    owner = anon.as_(login(anon, tenant["owner_phone"]))
    head_id = tenant["head_store"]["id"]
    applicant = create_staff(owner, "钱业务", ["salesperson"], head_id, password=PASSWORD)
    applicant_api = anon.as_(login(anon, applicant["phone"]))

    # A sub-store applies to join; the head store reviews: B approved, C approved, D rejected.
    b_app = apply(applicant_api, "B分店")
    assert (b_app["status"], b_app["parent_store_id"], b_app["store_id"]) == ("pending", head_id, None)
    assert applicant_api.post(f"/api/v1/stores/applications/{b_app['id']}/approve").status_code == 403
    approved = owner.post(f"/api/v1/stores/applications/{b_app['id']}/approve")
    assert approved.status_code == 200, approved.text
    b_id = approved.json()["store_id"]
    again = owner.post(f"/api/v1/stores/applications/{b_app['id']}/approve")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "APPLICATION_DECIDED")
    c_id = owner.post(f"/api/v1/stores/applications/{apply(owner, 'C分店')['id']}/approve").json()["store_id"]
    d_app = apply(applicant_api, "D分店")
    no_reason = owner.post(f"/api/v1/stores/applications/{d_app['id']}/reject", json={"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    rejected = owner.post(f"/api/v1/stores/applications/{d_app['id']}/reject", json={"reason": "商圈重叠"})
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == ("rejected", "商圈重叠")
    mine = applicant_api.get("/api/v1/stores/applications").json()["applications"]
    assert {(a["store_name"], a["status"]) for a in mine} == {("B分店", "approved"), ("D分店", "rejected")}
    stores = {s["id"]: s for s in owner.get("/api/v1/stores").json()["stores"]}
    assert stores[b_id]["parent_store_id"] == head_id and "D分店" not in {s["name"] for s in stores.values()}

    # Staff of sub-store B are limited to B.
    manager_b = create_staff(owner, "B店长", ["store_manager"], b_id, password=PASSWORD)
    seller_b = create_staff(owner, "B业务", ["salesperson"], b_id, password=PASSWORD)
    seller_c = create_staff(owner, "C业务", ["salesperson"], c_id, password=PASSWORD)
    manager_b_api = anon.as_(login(anon, manager_b["phone"]))
    seller_b_api = anon.as_(login(anon, seller_b["phone"]))
    assert [s["id"] for s in manager_b_api.get("/api/v1/stores").json()["stores"]] == [b_id]
    assert manager_b_api.get("/api/v1/staff", params={"store_id": c_id}).status_code == 403
    assert manager_b_api.get(f"/api/v1/staff/{seller_c['id']}").status_code == 403
    hire_in_c = manager_b_api.post(
        "/api/v1/staff", json={"name": "越权", "phone": phone(), "roles": ["salesperson"], "store_ids": [c_id]}
    )
    assert hire_in_c.status_code == 403
    assert manager_b_api.post(f"/api/v1/stores/{c_id}/switch").status_code == 403
    assert manager_b_api.get(f"/api/v1/stores/applications/{d_app['id']}").status_code == 403

    # Store switching: the owner enters B then C then B; pins C; history is newest first, once each.
    assert claims(owner.token)["store"] == head_id
    for store_id in (b_id, c_id, b_id):
        resp = owner.post(f"/api/v1/stores/{store_id}/switch")
        assert resp.status_code == 200, resp.text
        switched = resp.json()
        assert claims(switched["access_token"])["store"] == store_id
    owner_in_b = anon.as_(switched["access_token"])
    assert owner_in_b.get("/api/v1/me").status_code == 200
    pinned = owner_in_b.put(f"/api/v1/stores/{c_id}/pin").json()
    assert [(s["store"]["id"], s["pinned"], s["current"]) for s in pinned["stores"]] == [
        (c_id, True, False),
        (head_id, False, False),
        (b_id, False, True),
    ]
    view = owner_in_b.get("/api/v1/stores/switcher").json()
    assert view["current_store_id"] == b_id
    assert [r["store"]["id"] for r in view["recent"]] == [b_id, c_id]
    assert [
        r["store"]["id"] for r in owner_in_b.request("DELETE", f"/api/v1/stores/recent/{c_id}").json()["recent"]
    ] == [b_id]
    # The next login opens the store entered last.
    assert claims(login(anon, tenant["owner_phone"]))["store"] == b_id

    # An order placed and shipped in sub-store B shows in the head store's figures for B only.
    product = owner.post(
        "/api/v1/products", json={"name": "绿茶 500ml×15", "wholesale_price_fen": 3000, "unit": "箱", "listed": True}
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    stock = owner.put(f"/api/v1/products/{product_id}/stock/{b_id}", json={"quantity": 50, "reason": "期初"})
    assert stock.status_code == 200, stock.text
    customer = seller_b_api.post("/api/v1/customers", json={"name": "B街便利店", "phone": phone()})
    assert customer.status_code == 201, customer.text
    elsewhere = seller_b_api.post(
        "/api/v1/orders",
        json={
            "customer_id": customer.json()["id"],
            "store_id": c_id,
            "lines": [{"product_id": product_id, "quantity": 1}],
        },
    )
    assert elsewhere.status_code == 403, elsewhere.text  # the token names B only
    order = seller_b_api.post(
        "/api/v1/orders",
        json={"customer_id": customer.json()["id"], "lines": [{"product_id": product_id, "quantity": 4}]},
    )
    assert order.status_code == 201, order.text
    assert order.json()["store_id"] == b_id
    for step in ("approve", "pick", "ship"):
        resp = manager_b_api.post(f"/api/v1/orders/{order.json()['id']}/{step}", json={})
        assert resp.status_code == 200, resp.text

    today = datetime.now(CHINA).date()
    period = {"date_from": (today - timedelta(days=1)).isoformat(), "date_to": (today + timedelta(days=1)).isoformat()}
    figures = owner.get("/api/v1/stores/figures", params=period)
    assert figures.status_code == 200, figures.text
    rows = {f["store"]["id"]: (f["orders"], f["sales_fen"], f["takings_fen"]) for f in figures.json()["stores"]}
    assert rows == {b_id: (1, 12_000, 12_000), c_id: (0, 0, 0)}
    assert figures.json()["total_takings_fen"] == 12_000
    # B's manager sees only B; a salesperson has no figures screen.
    own = manager_b_api.get("/api/v1/stores/figures", params=period).json()
    assert [(f["store"]["id"], f["takings_fen"]) for f in own["stores"]] == [(b_id, 12_000)]
    assert seller_b_api.get("/api/v1/stores/figures", params=period).status_code == 403

    # Bad input names the field and writes nothing.
    backwards = owner.get(
        "/api/v1/stores/figures", params={"date_from": period["date_to"], "date_to": period["date_from"]}
    )
    assert backwards.status_code == 400 and "date_to" in backwards.json()["error"]["fields"]
    bad_phone = applicant_api.post(
        "/api/v1/stores/applications",
        json={"store_name": "E分店", "contact_name": "王", "phone": "123", "address": "路"},
    )
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["error"]["fields"]
    duplicate = applicant_api.post(
        "/api/v1/stores/applications",
        json={"store_name": "B分店", "contact_name": "王", "phone": phone(), "address": "路"},
    )
    assert (duplicate.status_code, duplicate.json()["error"]["fields"]) == (409, {"store_name": "已被使用"})
    assert len(applicant_api.get("/api/v1/stores/applications").json()["applications"]) == 2

    # Another tenant sees nothing of this one.
    other = world["other_owner"]
    assert other.get(f"/api/v1/stores/applications/{b_app['id']}").status_code == 404
    assert other.post(f"/api/v1/stores/applications/{d_app['id']}/approve").status_code == 404
    assert other.post(f"/api/v1/stores/{b_id}/switch").status_code == 404
    assert b_app["id"] not in {a["id"] for a in other.get("/api/v1/stores/applications").json()["applications"]}
    theirs = other.get("/api/v1/stores/figures", params=period).json()
    assert b_id not in {f["store"]["id"] for f in theirs["stores"]} and theirs["total_takings_fen"] == 0
