"""E6 member report over HTTP with every service a real process: in a fresh tenant, customers
registered by the owner and a salesperson, a recharge reaching the "pay 500 get 80" rule and one
that does not, a spend and points earned and redeemed; GET /api/v1/reports/members shows today's
row (China day) with the exact counts and amounts and what members hold now.

Decided: the report is a money report, so a salesperson gets 403 (the coupons service refuses
before any customer is counted); the owner, store managers and finance read it. store_id narrows
only the new-member count: the ledger knows no store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from journey import PASSWORD, create_staff, login, phone, sign_up

CHINA = timezone(timedelta(hours=8))
ZERO_DAY = {
    "new_members": 0,
    "recharges": 0,
    "recharge_paid_fen": 0,
    "recharge_bonus_fen": 0,
    "stored_value_spent_fen": 0,
    "points_earned": 0,
    "points_spent": 0,
}


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


def test_e6_member_report_journey(platform, world):
    anon = world["anon"]
    signed = sign_up(anon, "七号商贸")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store_id = signed["head_store"]["id"]
    seller = anon.as_(login(anon, create_staff(owner, "周业务", ["salesperson"], store_id, password=PASSWORD)["phone"]))
    finance = anon.as_(login(anon, create_staff(owner, "吴财务", ["finance"], store_id, password=PASSWORD)["phone"]))

    def customer(api, name):
        return ok(api.post("/api/v1/customers", json={"name": name, "phone": phone(), "store_id": store_id}), 201)["id"]

    alice, bob = customer(owner, "会员甲"), customer(owner, "会员乙")
    customer(seller, "业务的会员")

    rule = {"name": "充500送80", "member_type": "in_store", "pay_fen": 50_000, "bonus_fen": 8_000}
    ok(owner.post("/api/v1/recharge-rules", json=rule), 201)
    paid = ok(owner.post(f"/api/v1/customers/{alice}/recharges", json={"paid_fen": 50_000}), 201)
    assert paid["bonus_fen"] == 8_000
    ok(owner.post(f"/api/v1/customers/{bob}/recharges", json={"paid_fen": 10_000}), 201)
    ok(owner.post(f"/api/v1/customers/{alice}/stored-value/debits", json={"amount": 3_000, "reason": "spend"}), 201)
    assert owner.put("/api/v1/points-rule", json={"points_per_yuan": 2}).status_code == 200
    earn = {"order_id": "order-1", "order_amount_fen": 12_345}
    ok(owner.post(f"/api/v1/customers/{bob}/points/earnings", json=earn), 201)
    redeem = {"amount": 46, "kind": "points", "reason": "redeem_points"}
    ok(owner.post(f"/api/v1/customers/{bob}/stored-value/debits", json=redeem), 201)

    today = datetime.now(CHINA).date().isoformat()
    expected_today = {
        "date": today,
        "new_members": 3,
        "recharges": 2,
        "recharge_paid_fen": 60_000,
        "recharge_bonus_fen": 8_000,
        "stored_value_spent_fen": 3_000,
        "points_earned": 246,
        "points_spent": 46,
    }
    # Alice holds 500 + 80 - 30, Bob 100 yuan; Bob 246 - 46 points.
    totals = {"balance_fen": 65_000, "accounts_with_balance": 2, "points_outstanding": 200}

    report = ok(owner.get("/api/v1/reports/members", params={"date_from": today, "date_to": today}))
    assert report["days"] == [expected_today]
    assert report["totals"] == totals
    # The default period: the last 30 China days, today last, the earlier days empty.
    default = ok(finance.get("/api/v1/reports/members"))
    assert len(default["days"]) == 30 and default["date_to"] == today
    assert default["days"][-1] == expected_today
    assert all(d | {"date": ""} == ZERO_DAY | {"date": ""} for d in default["days"][:-1])
    # One store: only the new-member count narrows.
    elsewhere = ok(owner.get("/api/v1/reports/members", params={"date_from": today, "store_id": "no-such-store"}))
    assert elsewhere["days"] == [expected_today | {"new_members": 0}]
    assert elsewhere["totals"] == totals

    # A salesperson: 403, no figures at all.
    refused = seller.get("/api/v1/reports/members")
    assert refused.status_code == 403, refused.text
    # Bad dates are named; the period is at most 366 days.
    bad = owner.get("/api/v1/reports/members", params={"date_from": "2026-02-30"})
    assert bad.status_code == 400 and "date_from" in bad.json()["error"]["fields"]
    long = owner.get("/api/v1/reports/members", params={"date_from": "2024-01-01", "date_to": "2025-01-01"})
    assert long.status_code == 400 and list(long.json()["error"]["fields"]) == ["date_to"]

    # Another tenant sees none of it.
    stranger = anon.as_(login(anon, sign_up(anon, "八号商贸")["owner_phone"]))
    theirs = ok(stranger.get("/api/v1/reports/members", params={"date_from": today, "date_to": today}))
    assert theirs["days"] == [{"date": today, **ZERO_DAY}]
    assert theirs["totals"] == {"balance_fen": 0, "accounts_with_balance": 0, "points_outstanding": 0}
