"""The foundation journey (A1 A2 A3 C1 C2 F4 H1 H3), over HTTP only, against every service as
its own process on PostgreSQL, RabbitMQ and Redis, and against the embedded platform."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from client import Api, eventually
from journey import PASSWORD, about, create_staff, login, notifications, phone


def sms_login(platform, anon: Api, staff_phone: str) -> str:
    resp = anon.post("/api/v1/auth/sms-codes", json={"phone": staff_phone})
    assert resp.status_code == 202, resp.text
    sent = eventually(lambda: platform.sms_server.messages(phone=staff_phone), timeout=10)
    assert sent, "the fake SMS provider received no code"
    code = sent[-1]["params"]["code"]
    resp = anon.post("/api/v1/auth/login/sms", json={"phone": staff_phone, "code": code})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def test_foundation_journey(platform, world):
    anon, manager = world["anon"], world["manager"]
    # A2: the salesperson (no password) asks for an SMS code, reads it, logs in.
    sales_a = anon.as_(sms_login(platform, anon, world["sales_a"]["phone"]))

    # C1/H1: a missing required field is a 400 naming the field, and nothing is written.
    resp = sales_a.post("/api/v1/customers", json={"name": "华联超市", "phone": phone()})
    assert resp.status_code == 400, resp.text
    assert "fields.shop_type" in resp.json()["error"]["fields"]
    assert sales_a.get("/api/v1/customers").json()["page"]["total"] == 0

    # C2: registered on the spot, bound to the salesperson; a repeated POST with the same
    # Idempotency-Key returns the first response and creates nothing more.
    key = uuid.uuid4().hex
    body = {"name": "华联超市", "phone": phone(), "fields": {"shop_type": "超市"}}
    first = sales_a.post("/api/v1/customers", json=body, idempotency_key=key)
    assert first.status_code == 201, first.text
    again = sales_a.post("/api/v1/customers", json=body, idempotency_key=key)
    assert (again.status_code, again.json()) == (201, first.json())
    customer = first.json()
    assert customer["owner_staff_id"] == world["sales_a"]["id"]
    assert sales_a.get("/api/v1/customers").json()["page"]["total"] == 1

    # F4/H3: the salesperson and the store manager are notified, through RabbitMQ, once each.
    for who in (sales_a, manager):
        got = eventually(lambda who=who: about(notifications(who), customer["id"]))
        assert len(got) == 1, got
        assert got[0]["kind"] == "customer_registered" and got[0]["read"] is False
        assert customer["name"] in got[0]["title"]

    # C1: another salesperson cannot see the customer; the manager can; another tenant gets 404.
    assert world["sales_b"].get(f"/api/v1/customers/{customer['id']}").status_code == 404
    # (Other journeys share this tenant: sales_b may hold customers of their own.)
    seen_by_b = world["sales_b"].get("/api/v1/customers", params={"q": customer["phone"]}).json()
    assert seen_by_b["page"]["total"] == 0 and seen_by_b["customers"] == []
    assert manager.get(f"/api/v1/customers/{customer['id']}").status_code == 200
    resp = world["other_owner"].get(f"/api/v1/customers/{customer['id']}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "CUSTOMER_NOT_FOUND"


def test_a3_token_of_an_expired_trial_seat_is_refused(platform, world):
    staff = create_staff(world["owner"], "钱业务", ["salesperson"], world["store_id"], password=PASSWORD)
    # Time is the test's: the seat's trial is moved to end two seconds from now, as if 30 days had passed.
    ends = datetime.now(UTC) + timedelta(seconds=2)
    updated = platform.execute(
        "identity",
        "UPDATE seats SET trial_ends_at = :ends WHERE staff_id = :staff",
        {"ends": ends, "staff": staff["id"]},
    )
    assert updated == 1
    token = login(world["anon"], staff["phone"])
    sales = world["anon"].as_(token)
    assert sales.get("/api/v1/customers").status_code == 200
    time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.5)
    resp = sales.get("/api/v1/customers")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "SEAT_EXPIRED", resp.text
    resp = world["anon"].post("/api/v1/auth/login/password", json={"phone": staff["phone"], "password": PASSWORD})
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "SEAT_EXPIRED", resp.text


def _rabbit(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=60)


@pytest.mark.cluster_only
def test_h3_broker_restart_delivers_the_notification_exactly_once(platform, world):
    sales_b, manager = world["sales_b"], world["manager"]
    _rabbit("stop_app")
    try:
        # Written while the broker is down: the event waits in the customers outbox.
        resp = sales_b.post(
            "/api/v1/customers", json={"name": "好邻居", "phone": phone(), "fields": {"shop_type": "便利店"}}
        )
        assert resp.status_code == 201, resp.text
        customer = resp.json()
        time.sleep(1)
        assert about(notifications(manager), customer["id"]) == []
    finally:
        _rabbit("start_app")
    got = eventually(lambda: about(notifications(manager), customer["id"]), timeout=60)
    assert len(got) == 1, got
    time.sleep(2)  # a duplicate delivery, if any, would land now
    assert len(about(notifications(manager), customer["id"])) == 1
    assert len(about(notifications(sales_b), customer["id"])) == 1
