"""C3 pool rules per member level over HTTP, every service a real process: the owner gives VIP
customers their own rule (90 days without an order, others 30) -> the pool job (its own
process, time injected with --now) returns the idle customer without a level at day 40 and
keeps the VIP -> at day 88 the VIP's salesperson is warned of its day-90 return, once.

Own tenant (not the shared `world`): the pool job moves every idle customer of a tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client import Api, eventually
from journey import PASSWORD, create_staff, login, notifications, phone, sign_up


def ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else {}


def sweep(platform, now: datetime) -> None:
    proc = platform.run_job("customers", "pool-sweep", "--now", now.isoformat())
    assert proc.returncode == 0, proc.stderr


def warnings_for(api: Api, customer_id: str) -> int:
    return sum(
        1
        for n in notifications(api)
        if n["kind"] == "pool_return_warning" and n["params"].get("customer_id") == customer_id
    )


def test_c3_vip_level_rule_keeps_vip_customers_longer(platform):
    anon = Api(platform.gateway_url)
    tenant = sign_up(anon, "五号商贸")
    owner = anon.as_(login(anon, tenant["owner_phone"]))
    store_id = tenant["head_store"]["id"]
    seller_info = create_staff(owner, "吴业务", ["salesperson"], store_id, password=PASSWORD)
    seller = anon.as_(login(anon, seller_info["phone"]))

    vip_rule = {"level": "VIP", "followup_days": 0, "order_days": 90}
    rules = {"pool_order_days": 30, "pool_warning_days": 3, "pool_level_rules": [vip_rule]}
    # A level twice is refused naming the second one, and nothing is saved.
    doubled = owner.put("/api/v1/customer-settings", json={**rules, "pool_level_rules": [vip_rule, vip_rule]})
    assert doubled.status_code == 400, doubled.text
    assert set(doubled.json()["error"]["fields"]) == {"pool_level_rules.1.level"}
    assert ok(owner.get("/api/v1/customer-settings"))["pool_level_rules"] == []
    assert ok(owner.put("/api/v1/customer-settings", json=rules))["pool_level_rules"] == [vip_rule]
    assert ok(seller.get("/api/v1/customer-settings"))["pool_level_rules"] == [vip_rule]

    plain = ok(seller.post("/api/v1/customers", json={"name": "普通客户", "phone": phone(), "fields": {}}), 201)
    vip = ok(
        seller.post("/api/v1/customers", json={"name": "大客户", "phone": phone(), "fields": {}, "level": "VIP"}), 201
    )
    assert vip["level"] == "VIP"

    # Day 40 without an order: the customer without a level is back in the pool, the VIP stays.
    start = datetime.now(UTC)
    sweep(platform, start + timedelta(days=40))
    assert ok(owner.get(f"/api/v1/customers/{plain['id']}"))["owner_staff_id"] is None
    assert ok(owner.get(f"/api/v1/customers/{vip['id']}"))["owner_staff_id"] == seller_info["id"]
    pool_ids = {c["id"] for c in ok(owner.get("/api/v1/customer-pool"))["customers"]}
    assert pool_ids == {plain["id"]}

    # Day 88: within K=3 days of the VIP's own day 90: its salesperson is warned, once.
    sweep(platform, start + timedelta(days=88))
    assert ok(owner.get(f"/api/v1/customers/{vip['id']}"))["owner_staff_id"] == seller_info["id"]
    assert eventually(lambda: warnings_for(seller, vip["id"]) == 1)
    sweep(platform, start + timedelta(days=89))
    assert ok(owner.get(f"/api/v1/customers/{vip['id']}"))["owner_staff_id"] == seller_info["id"]
    assert warnings_for(seller, vip["id"]) == 1
