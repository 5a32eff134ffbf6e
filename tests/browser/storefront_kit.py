"""The storefront's cast for the browser journeys (B6 B7 B8 B12), set up over the API against
`make run`'s demo tenant: a store manager of a test module's own in the demo manager's stores, a
shop customer with stored value, and orders that customer places and pays. The phone's workbench
(test_f4_workbench) and the admin's 门店订单 (test_b6_admin_storefront) share them.

Orders are paid with stored value: paid at once, and a refund of one goes back at once too. (The
local WeChat Pay fake of `make run` runs inside the launcher, out of a browser test's reach.)"""

from __future__ import annotations

import uuid

import requests

from conftest import api_call, api_token, sms_code

OWNER = "13800000000"
MANAGER = "13800000001"  # 李店长 (demo): their stores are the tests'
PASSWORD = "demo1234"


def store_manager(platform, name: str) -> dict:
    """A store manager of the caller's own in the demo manager's stores: the storefront alerts
    (sent to the store's managers) that reach them are the caller's orders'."""
    owner = api_token(platform, OWNER)
    me = api_call(platform, api_token(platform, MANAGER), "GET", "/api/v1/me")
    phone = "135" + str(uuid.uuid4().int)[:8]
    roles, stores = ["store_manager"], me["store_ids"]
    body = {"name": name, "phone": phone, "roles": roles, "password": PASSWORD, "store_ids": stores}
    staff = api_call(platform, owner, "POST", "/api/v1/staff", json=body)
    return {"phone": phone, "staff": staff, "store_id": me["store_ids"][0], "tenant_id": me["tenant_id"]}


def auto_accept_off(platform, store_id: str) -> None:
    """G3 off for the store: a paid order waits for the merchant's own 接单/确认 (another journey
    may have switched it on)."""
    owner = api_token(platform, OWNER)
    settings = api_call(platform, owner, "GET", "/api/v1/printers/settings", params={"store_id": store_id})
    api_call(platform, owner, "PUT", "/api/v1/printers/settings", json={**settings, "auto_accept": False})


def shop_customer(platform, tenant_id: str, note: str) -> dict:
    """A shop customer (SMS login, registered on the way), with stored value to pay with."""
    phone = "137" + str(uuid.uuid4().int)[:8]
    sent = requests.post(
        f"{platform.base_url}/api/v1/shop/login/code", json={"tenant_id": tenant_id, "phone": phone}, timeout=10
    )
    assert sent.status_code == 202, sent.text
    login = requests.post(
        f"{platform.base_url}/api/v1/shop/login",
        json={"tenant_id": tenant_id, "phone": phone, "code": sms_code(platform, phone)},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    body = login.json()
    api_call(
        platform,
        api_token(platform, OWNER),
        "POST",
        f"/api/v1/customers/{body['customer_id']}/stored-value/credits",
        json={"amount": 100_000, "note": note},
    )
    return {"phone": phone, "token": body["access_token"], "customer_id": body["customer_id"]}


def product(platform, desk, shopper) -> dict:
    """A product the shop sells in the desk's store, with stock enough for this run's orders."""
    items = api_call(platform, shopper["token"], "GET", "/api/v1/shop/products", params={"store_id": desk["store_id"]})
    first = items["items"][0]
    api_call(
        platform,
        api_token(platform, OWNER),
        "PUT",
        f"/api/v1/products/{first['id']}/stock/{desk['store_id']}",
        json={"quantity": 100, "reason": "补货"},
    )
    return first


def paid_order(platform, desk, shopper, kind: str, **extra) -> dict:
    """A storefront order placed and paid by the customer (stored value: paid at once)."""
    goods = product(platform, desk, shopper)
    body = {
        "store_id": desk["store_id"],
        "kind": kind,
        "lines": [{"product_id": goods["id"], "quantity": 2, "spec": "少辣"}],
        "note": "",
        "coupon_codes": [],
        **extra,
    }
    order = api_call(platform, shopper["token"], "POST", "/api/v1/shop/orders", json=body)
    paid = api_call(
        platform, shopper["token"], "POST", f"/api/v1/shop/orders/{order['id']}/pay", json={"method": "stored_value"}
    )
    assert paid["order"]["state"] == "paid", paid
    return paid["order"]


def yuan_digits(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
