"""A wholesale shop under load, for the restart and outage checks (R1, R2): a tenant with a
salesperson, customers, products and a points rule; orders placed and approved by clients that
retry as a phone would (the same Idempotency-Key until they get an answer); and the checks that
nothing was lost, doubled or half-written, and that every approval's events were handled once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import requests
from people import PASSWORD, Api, phone, sign_up

CHINA = timezone(timedelta(hours=8))
# A load of one salesperson's orders from one address is far above a person's rate (the limits
# themselves are checked by the gateway's tests).
LIMITS = {"RATE_LIMIT_PUBLIC_PER_MIN": "100000", "RATE_LIMIT_ACTOR_PER_MIN": "100000"}
# Answers a client retries: the platform is restarting or a peer is down.
RETRY_STATUSES = {502, 503, 504}
RETRY_CODES = {"IDEMPOTENCY_IN_PROGRESS"}


class Client:
    """A phone's HTTP client: retries connection errors and 5xx/in-progress answers with the same
    request (and Idempotency-Key) until an answer comes or the deadline passes."""

    def __init__(self, base_url: str, token: str | None = None, *, deadline: float = 180):
        self.base_url, self.token, self.deadline = base_url, token, deadline
        self.http = requests.Session()
        self.retries = 0

    def call(self, method: str, path: str, *, json=None, params=None, key: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if key:
            headers["Idempotency-Key"] = key
        give_up = time.monotonic() + self.deadline
        while True:
            try:
                resp = self.http.request(
                    method, self.base_url + path, json=json, params=params, headers=headers, timeout=30
                )
                code = resp.json().get("error", {}).get("code") if resp.status_code >= 400 else None
                if resp.status_code not in RETRY_STATUSES and code not in RETRY_CODES:
                    return resp
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            if time.monotonic() > give_up:
                raise AssertionError(f"{method} {path} got no answer within {self.deadline} s")
            self.retries += 1
            time.sleep(0.2)


@dataclass
class Shop:
    base_url: str
    owner: Client
    sales: Client
    sales_id: str
    customers: list[str]
    products: list[dict]
    placed: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, token: str) -> Client:
        return Client(self.base_url, token)


def _ok(resp: requests.Response, *statuses: int) -> dict:
    assert resp.status_code in (statuses or (200, 201)), f"{resp.status_code} {resp.text}"
    return resp.json()


def login(base_url: str, phone_number: str) -> str:
    body = {"phone": phone_number, "password": PASSWORD}
    return _ok(Client(base_url).call("POST", "/api/v1/auth/login/password", json=body))["access_token"]


def open_shop(base_url: str, sms_server, *, customers: int = 10, products: int = 3) -> Shop:
    """A new merchant (signed up with the code `sms_server`, the fake provider, received)."""
    tenant = sign_up(Api(base_url), sms_server, "压测商贸")
    owner = Client(base_url, login(base_url, tenant["owner_phone"]))
    store_id = tenant["head_store"]["id"]
    seller_phone = phone()
    seller = _ok(
        owner.call(
            "POST",
            "/api/v1/staff",
            json={
                "name": "压测业务",
                "phone": seller_phone,
                "roles": ["salesperson"],
                "store_ids": [store_id],
                "password": PASSWORD,
            },
            key=uuid.uuid4().hex,
        )
    )
    sales = Client(base_url, login(base_url, seller_phone))
    made = []
    for i in range(products):
        product = _ok(
            owner.call(
                "POST",
                "/api/v1/products",
                json={"name": f"商品{i}", "wholesale_price_fen": 1_000 * (i + 1), "listed": True},
                key=uuid.uuid4().hex,
            )
        )
        stock = {"quantity": 1_000_000, "reason": "期初"}
        _ok(owner.call("PUT", f"/api/v1/products/{product['id']}/stock/{store_id}", json=stock))
        made.append(product)
    # E9: one point per yuan, so every approved order leaves exactly one points entry.
    _ok(owner.call("PUT", "/api/v1/points-rule", json={"points_per_yuan": 1}))
    ids = [
        _ok(sales.call("POST", "/api/v1/customers", json={"name": f"客户{i}", "phone": phone()}, key=uuid.uuid4().hex))[
            "id"
        ]
        for i in range(customers)
    ]
    return Shop(base_url, owner, sales, seller["id"], ids, made)


def place_and_approve(shop: Shop, keys: list[str], *, threads: int = 4, on_each: Callable[[int], None] = None) -> None:
    """Each key: one order submitted by the salesperson (the key is its Idempotency-Key), then
    approved by the owner; both retried through restarts until answered."""
    done = Counter()

    def one(index_key: tuple[int, str]) -> None:
        index, key = index_key
        customer = shop.customers[index % len(shop.customers)]
        lines = [{"product_id": p["id"], "quantity": 1 + (index + j) % 3} for j, p in enumerate(shop.products)]
        order = _ok(
            shop.sales.call("POST", "/api/v1/orders", json={"customer_id": customer, "lines": lines}, key=key), 201
        )
        approved = shop.owner.call("POST", f"/api/v1/orders/{order['id']}/approve", json={})
        if approved.status_code == 409:
            # Approved before a restart cut the answer off: the order says so.
            approved = shop.owner.call("GET", f"/api/v1/orders/{order['id']}")
        order = _ok(approved)
        assert order["status"] == "approved", order
        with shop.lock:
            shop.placed[key] = order
            done["n"] += 1
            count = done["n"]
        if on_each:
            on_each(count)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, enumerate(keys)))


def all_orders(shop: Shop) -> list[dict]:
    orders, page = [], 1
    while True:
        body = _ok(shop.owner.call("GET", "/api/v1/orders", params={"page": page, "page_size": 100}))
        orders += body["orders"]
        if len(orders) >= body["page"]["total"] or not body["orders"]:
            return orders
        page += 1


def points_entries(shop: Shop, customer_id: str) -> list[dict]:
    entries, page = [], 1
    while True:
        body = _ok(
            shop.owner.call(
                "GET",
                f"/api/v1/customers/{customer_id}/stored-value/entries",
                params={"kind": "points", "page": page, "page_size": 100},
            )
        )
        entries += body["entries"]
        if len(entries) >= body["page"]["total"] or not body["entries"]:
            return entries
        page += 1


def check_nothing_lost_doubled_or_half_written(shop: Shop, keys: list[str]) -> list[dict]:
    """Every key made exactly one order; every order is whole (all its lines) and approved."""
    assert sorted(shop.placed) == sorted(keys)
    orders = all_orders(shop)
    by_id = {o["id"]: o for o in orders}
    assert len(orders) == len(by_id) == len(keys), f"{len(orders)} orders for {len(keys)} keys"
    assert set(by_id) == {o["id"] for o in shop.placed.values()}
    for order in orders:
        assert order["status"] == "approved", order
        assert len(order["lines"]) == len(shop.products), order
        assert order["total_fen"] == sum(line["amount_fen"] for line in order["lines"]), order
    return orders


def check_every_approval_handled_once(shop: Shop, orders: list[dict], *, timeout: float = 120) -> None:
    """The coupons worker wrote one points entry per approved order (none lost, none twice), and
    the orders worker's ranking counts every order once."""
    expected = Counter(o["customer_id"] for o in orders)
    wanted_points = {c: sum(o["total_fen"] // 100 for o in orders if o["customer_id"] == c) for c in expected}
    deadline = time.monotonic() + timeout
    while True:
        seen = {c: points_entries(shop, c) for c in expected}
        if all(len(seen[c]) >= expected[c] for c in expected) or time.monotonic() > deadline:
            break
        time.sleep(1)
    for customer, entries in seen.items():
        references = Counter(e["reference"] for e in entries)
        assert len(entries) == expected[customer], (customer, len(entries), expected[customer])
        assert max(references.values()) == 1, references.most_common(3)
        assert sum(e["amount"] for e in entries) == wanted_points[customer]
    # The ranking's month is the China month of the approval.
    approved = datetime.fromisoformat(orders[0]["approved_at"].replace("Z", "+00:00"))
    month = approved.astimezone(CHINA).strftime("%Y-%m")
    total = sum(o["total_fen"] for o in orders)

    def ranked() -> int:
        body = _ok(shop.sales.call("GET", "/api/v1/performance/ranking", params={"month": month}))
        return next((e["net_sales_fen"] for e in body["entries"] if e["staff_id"] == shop.sales_id), 0)

    while (counted := ranked()) != total and time.monotonic() < deadline:
        time.sleep(1)
    assert counted == total, f"the ranking counts {counted} fen of {total} ({len(orders)} orders)"
