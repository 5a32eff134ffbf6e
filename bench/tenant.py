"""A bench tenant set up through the gateway, as a merchant would: owner, salesperson, a customer
and a small stocked catalogue."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import requests

PASSWORD = "bench1234"


def _phone(prefix: str) -> str:
    return prefix + str(uuid.uuid4().int)[:8]


def _ok(resp: requests.Response) -> dict:
    if resp.status_code >= 300:
        raise RuntimeError(f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}")
    return resp.json()


@dataclass
class BenchTenant:
    base: str
    owner_token: str
    sales_token: str
    store_id: str
    customer_ids: list[str]
    product_ids: list[str]


def _login(base: str, phone: str) -> str:
    body = {"phone": phone, "password": PASSWORD}
    return _ok(requests.post(f"{base}/api/v1/auth/login/password", json=body, timeout=10))["access_token"]


def _signup_code(base: str, phone: str, sms_server) -> str:
    """Sign-up proves the owner's phone (issue 11): the code is read from the cluster's fake SMS
    provider, as the owner would read it on the phone."""
    body = {"phone": phone, "purpose": "signup"}
    _ok(requests.post(f"{base}/api/v1/auth/sms-codes", json=body, timeout=10))
    deadline = time.monotonic() + 10
    while not (texts := sms_server.messages(phone=phone)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no sign-up code reached {phone}")
        time.sleep(0.1)
    return texts[-1]["params"]["code"]


def set_up(base: str, sms_server, *, products: int = 5, customers: int = 50) -> BenchTenant:
    owner_phone = _phone("137")
    created = _ok(
        requests.post(
            f"{base}/api/v1/tenants",
            timeout=10,
            json={
                "tenant_name": "压测商贸",
                "owner_name": "老板",
                "owner_phone": owner_phone,
                "owner_password": PASSWORD,
                "head_store_name": "总店",
                "sms_code": _signup_code(base, owner_phone, sms_server),
            },
        )
    )
    store_id = created["head_store"]["id"]
    owner = _login(base, owner_phone)
    as_owner = {"Authorization": f"Bearer {owner}"}
    sales_phone = _phone("136")
    _ok(
        requests.post(
            f"{base}/api/v1/staff",
            headers=as_owner,
            timeout=10,
            json={
                "name": "压测业务员",
                "phone": sales_phone,
                "password": PASSWORD,
                "roles": ["salesperson"],
                "store_ids": [store_id],
            },
        )
    )
    sales = _login(base, sales_phone)
    # Orders spread over many customers, as a salesperson's day is: price tracking reads one
    # customer's history, which stays short per customer.
    customer_ids = [
        _ok(
            requests.post(
                f"{base}/api/v1/customers",
                timeout=10,
                json={"name": f"压测客户{i}", "phone": _phone("135")},
                headers={"Authorization": f"Bearer {sales}"},
            )
        )["id"]
        for i in range(customers)
    ]
    product_ids = []
    for i in range(products):
        product = _ok(
            requests.post(
                f"{base}/api/v1/products",
                headers=as_owner,
                timeout=10,
                json={
                    "name": f"压测商品{i}",
                    "unit": "箱",
                    "wholesale_price_fen": 1000 + i,
                    "kind": "goods",
                    "listed": True,
                },
            )
        )
        _ok(
            requests.put(
                f"{base}/api/v1/products/{product['id']}/stock/{store_id}",
                headers=as_owner,
                timeout=10,
                json={"quantity": 10_000_000, "reason": "压测"},
            )
        )
        product_ids.append(product["id"])
    return BenchTenant(base, owner, sales, store_id, customer_ids, product_ids)
