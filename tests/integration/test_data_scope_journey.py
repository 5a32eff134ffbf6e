"""Data scope, change log and the customer record over HTTP (A1 A4 C1), every service a real
process: a tenant with a head store and an approved sub-store, a manager and a salesperson in
each. Each store's manager and salesperson see their own store's customers and orders (a
salesperson only their own) and nothing of the other store, not even by id, and cannot act on
it; the owner sees both. Changes are logged with who, what and when, readable as the object
is. The customer record shows points, balance and coupons held from the coupons service, and
says "unavailable" for them, and only them, while the coupons service is stopped."""

from __future__ import annotations

from dataclasses import dataclass

from client import Api
from journey import PASSWORD, create_staff, login, phone, sign_up


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


@dataclass
class Store:
    id: str
    manager: Api
    seller: Api
    customer: dict
    order: dict


def staff_api(anon: Api, owner: Api, name: str, role: str, store_id: str) -> Api:
    person = create_staff(owner, name, [role], store_id, password=PASSWORD)
    return anon.as_(login(anon, person["phone"]))


def open_store(anon: Api, owner: Api, store_id: str, label: str, product_id: str) -> Store:
    manager = staff_api(anon, owner, f"{label}店长", "store_manager", store_id)
    seller = staff_api(anon, owner, f"{label}业务", "salesperson", store_id)
    customer = ok(seller.post("/api/v1/customers", json={"name": f"{label}客户", "phone": phone()}), 201)
    assert customer["store_id"] == store_id
    order = ok(
        seller.post(
            "/api/v1/orders", json={"customer_id": customer["id"], "lines": [{"product_id": product_id, "quantity": 2}]}
        ),
        201,
    )
    return Store(store_id, manager, seller, customer, order)


def ids(resp, key: str) -> set[str]:
    return {item["id"] for item in ok(resp)[key]}


def test_a1_a4_c1_each_store_sees_its_own_and_changes_are_logged(platform, world):
    anon = world["anon"]
    tenant = sign_up(anon, "两店商贸")
    owner = anon.as_(login(anon, tenant["owner_phone"]))
    head_id = tenant["head_store"]["id"]
    application = ok(
        owner.post(
            "/api/v1/stores/applications",
            json={"store_name": "东区分店", "contact_name": "王经理", "phone": phone(), "address": "东区路 8 号"},
        ),
        201,
    )
    sub_id = ok(owner.post(f"/api/v1/stores/applications/{application['id']}/approve"))["store_id"]
    cola = ok(
        owner.post(
            "/api/v1/products",
            json={"name": "可乐", "unit": "箱", "wholesale_price_fen": 3000, "kind": "goods", "listed": True},
        ),
        201,
    )
    head = open_store(anon, owner, head_id, "总店", cola["id"])
    sub = open_store(anon, owner, sub_id, "分店", cola["id"])

    # A4: a sub-store's manager and salesperson do not see the head store's customers and orders.
    for viewer in (sub.manager, sub.seller):
        assert ids(viewer.get("/api/v1/customers"), "customers") == {sub.customer["id"]}
        assert ids(viewer.get("/api/v1/orders"), "orders") == {sub.order["id"]}
        assert viewer.get(f"/api/v1/customers/{head.customer['id']}").status_code == 404
        assert viewer.get(f"/api/v1/orders/{head.order['id']}").status_code == 404
        assert viewer.get(f"/api/v1/customers/{head.customer['id']}/record").status_code == 404
    # ... and vice versa: the head store's manager sees the sub-store's figures, not its documents.
    assert ids(head.manager.get("/api/v1/customers"), "customers") == {head.customer["id"]}
    assert ids(head.manager.get("/api/v1/orders"), "orders") == {head.order["id"]}
    assert head.manager.get(f"/api/v1/orders/{sub.order['id']}").status_code == 404
    # Writes outside the scope are 404 too, and change nothing.
    assert sub.manager.post(f"/api/v1/orders/{head.order['id']}/approve").status_code == 404
    assert (
        sub.manager.request("PATCH", f"/api/v1/customers/{head.customer['id']}", json={"name": "越权"}).status_code
        == 404
    )
    assert ok(owner.get(f"/api/v1/orders/{head.order['id']}"))["status"] == "submitted"
    # A1: the owner sees every store; another tenant sees nothing.
    both = {head.order["id"], sub.order["id"]}
    assert ids(owner.get("/api/v1/orders"), "orders") == both
    assert world["other_owner"].get(f"/api/v1/customers/{sub.customer['id']}").status_code == 404

    # A1 change log: who changed what and when, readable as the object itself is.
    ok(head.seller.request("PATCH", f"/api/v1/customers/{head.customer['id']}", json={"name": "总店客户商行"}))
    changes = ok(head.manager.get(f"/api/v1/customers/{head.customer['id']}/changes"))
    assert [c["action"] for c in changes["changes"]] == ["updated", "registered"]
    assert (changes["changes"][0]["before"], changes["changes"][0]["after"]) == (
        {"name": "总店客户"},
        {"name": "总店客户商行"},
    )
    assert sub.manager.get(f"/api/v1/customers/{head.customer['id']}/changes").status_code == 404
    ok(head.manager.post(f"/api/v1/orders/{head.order['id']}/approve"))
    order_log = ok(head.seller.get(f"/api/v1/orders/{head.order['id']}/changes"))["changes"]
    assert [(c["action"], c["after"].get("status")) for c in order_log] == [
        ("approved", "approved"),
        ("submitted", "submitted"),
    ]
    assert sub.seller.get(f"/api/v1/orders/{head.order['id']}/changes").status_code == 404
    edited = {"name": "可乐", "unit": "箱", "wholesale_price_fen": 3200, "kind": "goods", "listed": True}
    ok(owner.put(f"/api/v1/products/{cola['id']}", json=edited))
    product_log = ok(sub.seller.get(f"/api/v1/products/{cola['id']}/changes"))["changes"]
    assert (product_log[0]["action"], product_log[0]["after"]) == ("updated", {"wholesale_price_fen": 3200})
    template = {"name": "新客券", "kind": "cash", "value_fen": 500, "valid_days": 30, "per_person_limit": 2}
    tpl = ok(owner.post("/api/v1/coupon-templates", json=template), 201)
    template_log = ok(head.manager.get(f"/api/v1/coupon-templates/{tpl['id']}/changes"))["changes"]
    assert [(c["action"], c["after"]["name"]) for c in template_log] == [("created", "新客券")]

    # C1: the record reads points, balance and coupons held from the coupons service.
    customer_id = head.customer["id"]
    ok(owner.post(f"/api/v1/coupon-templates/{tpl['id']}/send", json={"customer_ids": [customer_id]}), 201)
    ok(owner.post(f"/api/v1/customers/{customer_id}/stored-value/credits", json={"amount": 5000}), 201)
    ok(owner.post(f"/api/v1/customers/{customer_id}/stored-value/credits", json={"amount": 30, "kind": "points"}), 201)
    record = ok(head.manager.get(f"/api/v1/customers/{customer_id}/record"))
    assert record["balance"] == {"available": True, "reason": "", "balance_fen": 5000}
    assert record["points"] == {"available": True, "reason": "", "points": 30}
    assert (record["coupons"]["available"], record["coupons"]["total"]) == (True, 1)
    assert record["coupons"]["coupons"][0]["template_id"] == tpl["id"]

    # With the coupons service stopped, the record still opens and says so for those parts only.
    with platform.stopped("coupons"):
        down = ok(head.manager.get(f"/api/v1/customers/{customer_id}/record"))
        assert down["customer"]["id"] == customer_id and down["trade_history"]["total"] == 1
        for part in ("points", "balance", "coupons"):
            assert (down[part]["available"], down[part]["reason"]) == (False, "service_unavailable")
    back = ok(head.manager.get(f"/api/v1/customers/{customer_id}/record"))
    assert back["balance"]["balance_fen"] == 5000
