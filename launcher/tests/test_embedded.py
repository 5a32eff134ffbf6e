"""H1 A2: `make run` as a new user meets it: one process, no servers, demo logins that work."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from launcher import declarations


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_block(size: int) -> int:
    for _ in range(200):
        base = random.randint(20000, 60000)
        if all(_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free ports")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    span = declarations.port_span(declarations.load())  # every declared service's gRPC port
    base = _free_block(span + 2)  # and the HTTP port and the fake SMS server's
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL", "REDIS_URL")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launcher",
            "--var-dir",
            str(var_dir),
            "--port",
            str(base + span),
            "--grpc-base-port",
            str(base),
            "--sms-port",
            str(base + span + 1),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    url = f"http://127.0.0.1:{base + span}"
    deadline = time.monotonic() + 90
    while not any("Stop with Ctrl-C" in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("launcher did not start:\n" + "".join(lines))
        time.sleep(0.2)
    yield url, lines, var_dir
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("launcher ignored SIGTERM")


def test_h1_banner_shows_url_docs_and_demo_logins(embedded):
    url, lines, _ = embedded
    text = "".join(lines)
    assert f"{url}/docs" in text and "13800000002" in text and "demo1234" in text


def test_h1_docs_and_openapi_are_served(embedded):
    url, _, _ = embedded
    assert requests.get(f"{url}/docs", timeout=5).status_code == 200
    spec = requests.get(f"{url}/openapi.json", timeout=5).json()
    assert spec["openapi"].startswith("3.") and "/api/v1/customers" in spec["paths"]


def test_a2_demo_password_login_sees_own_seeded_customers(embedded):
    url, _, _ = embedded
    resp = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000002", "password": "demo1234"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    customers = requests.get(f"{url}/api/v1/customers", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert customers.status_code == 200 and customers.json()["page"]["total"] == 3


def test_a2_sms_code_printed_on_the_console_logs_in(embedded):
    url, lines, _ = embedded
    resp = requests.post(f"{url}/api/v1/auth/sms-codes", json={"phone": "13800000003"}, timeout=10)
    assert resp.status_code == 202, resp.text
    deadline = time.monotonic() + 10
    code = None
    while code is None and time.monotonic() < deadline:
        for line in lines:
            match = re.search(r"\[fake SMS\] 13800000003 .*\"code\": \"(\d{6})\"", line)
            if match:
                code = match.group(1)
        time.sleep(0.1)
    assert code, "no code printed:\n" + "".join(lines[-20:])
    resp = requests.post(f"{url}/api/v1/auth/login/sms", json={"phone": "13800000003", "code": code}, timeout=10)
    assert resp.status_code == 200, resp.text


def test_r6_logout_ends_the_access_token_in_embedded_mode(embedded):
    # The in-process servers and the gateway share the stand-in Redis that identity revokes in.
    url, _, _ = embedded
    login = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000002", "password": "demo1234"}, timeout=10
    ).json()
    mine = {"Authorization": f"Bearer {login['access_token']}"}
    assert requests.get(f"{url}/api/v1/customers", headers=mine, timeout=10).status_code == 200
    out = requests.post(f"{url}/api/v1/auth/logout", json={"refresh_token": login["refresh_token"]}, headers=mine)
    assert out.status_code == 204, out.text
    resp = requests.get(f"{url}/api/v1/customers", headers=mine, timeout=10)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "TOKEN_REVOKED", resp.text


def test_f4_registering_in_embedded_mode_notifies_the_store_manager(embedded):
    url, _, _ = embedded

    def token(phone):
        return requests.post(
            f"{url}/api/v1/auth/login/password", json={"phone": phone, "password": "demo1234"}, timeout=10
        ).json()["access_token"]

    sales = {"Authorization": f"Bearer {token('13800000002')}"}
    resp = requests.post(
        f"{url}/api/v1/customers",
        headers=sales,
        timeout=10,
        json={"name": "新客户", "phone": "13911112222", "fields": {"shop_type": "超市"}},
    )
    assert resp.status_code == 201, resp.text
    manager = {"Authorization": f"Bearer {token('13800000001')}"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = requests.get(f"{url}/api/v1/notifications", headers=manager, timeout=10).json()["notifications"]
        if any(n["subject"] == f"customer:{resp.json()['id']}" for n in items):
            return
        time.sleep(0.2)
    pytest.fail("the store manager got no notification")


def test_h1_sqlite_files_live_under_the_var_folder(embedded):
    _, _, var_dir = embedded
    expected = {"identity.db", "customers.db", "messaging.db", "orders.db", "coupons.db", "demo.json"}
    assert expected <= {p.name for p in var_dir.iterdir()}


def test_b2_demo_salesperson_places_an_order_from_the_seeded_catalogue(embedded):
    url, _, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000002", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    products = requests.get(f"{url}/api/v1/products", headers=auth, params={"listed_only": "true"}, timeout=10).json()
    customers = requests.get(f"{url}/api/v1/customers", headers=auth, timeout=10).json()["customers"]
    assert products["page"]["total"] >= 4 and customers
    resp = requests.post(
        f"{url}/api/v1/orders",
        timeout=10,
        headers={**auth, "Idempotency-Key": "demo-order-1"},
        json={
            "customer_id": customers[0]["id"],
            "lines": [{"product_id": p["id"], "quantity": 2} for p in products["products"][:2]],
        },
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["total_fen"] == 2 * sum(p["wholesale_price_fen"] for p in products["products"][:2])


def test_e7_embedded_recharge_writes_paid_and_bonus_entries_on_sqlite(embedded):
    url, _, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000000", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    customer = requests.get(f"{url}/api/v1/customers", headers=auth, timeout=10).json()["customers"][0]
    rule = {"name": "充500送80", "member_type": "in_store", "pay_fen": 50_000, "bonus_fen": 8_000}
    assert requests.post(f"{url}/api/v1/recharge-rules", json=rule, headers=auth, timeout=10).status_code == 201
    paid = requests.post(
        f"{url}/api/v1/customers/{customer['id']}/recharges", json={"paid_fen": 50_000}, headers=auth, timeout=10
    )
    assert paid.status_code == 201, paid.text
    assert [(e["reason"], e["amount"]) for e in paid.json()["entries"]] == [
        ("recharge", 50_000),
        ("recharge_bonus", 8_000),
    ]
    account = requests.get(f"{url}/api/v1/customers/{customer['id']}/stored-value", headers=auth, timeout=10).json()
    assert account["balance_fen"] == 58_000


def test_e2_embedded_coupon_send_texts_the_holder_through_the_fake_sms(embedded):
    url, lines, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000000", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    customer = next(
        c for c in requests.get(f"{url}/api/v1/customers", headers=auth, timeout=10).json()["customers"] if c["phone"]
    )
    template = {"name": "嵌入式券", "kind": "cash", "value_fen": 500, "valid_days": 30, "per_person_limit": 5}
    tpl = requests.post(f"{url}/api/v1/coupon-templates", json=template, headers=auth, timeout=10)
    assert tpl.status_code == 201, tpl.text
    sent = requests.post(
        f"{url}/api/v1/coupon-templates/{tpl.json()['id']}/send",
        json={"customer_ids": [customer["id"]]},
        headers={**auth, "Idempotency-Key": "embedded-coupon-send-1"},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    (coupon,) = sent.json()["coupons"]
    wanted = re.compile(rf"\[fake SMS\] {customer['phone']} coupon_issued .*\"code\": \"{coupon['code']}\"")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(wanted.search(line) for line in lines):
            return
        time.sleep(0.2)
    pytest.fail("the holder was not texted:\n" + "".join(lines[-20:]))


def test_e2_embedded_public_claim_is_answered_from_the_stand_in_then_written_and_redeemable(embedded):
    """ADR 0021 in one process: the claim writer runs beside the coupons server on the Redis
    stand-in and SQLite; a code redeemed at once is retried until written, and the holder texted."""
    url, lines, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000000", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    template = {"name": "领券", "kind": "cash", "value_fen": 500, "valid_days": 30, "total_quantity": 3}
    tpl = requests.post(f"{url}/api/v1/coupon-templates", json=template, headers=auth, timeout=10).json()
    phones = [f"1390000{n:04d}" for n in random.sample(range(10_000), 4)]
    answers = [requests.post(f"{url}{tpl['claim_path']}", json={"phone": p}, timeout=10) for p in phones]
    assert [a.status_code for a in answers] == [201, 201, 201, 409]
    first = answers[0].json()
    line = {"product_id": "p", "category_id": "c", "quantity": 1, "amount_fen": 800}
    done = requests.post(
        f"{url}/api/v1/coupons/redeem",
        json={"code": first["code"], "order_id": "o-claim", "lines": [line]},
        headers=auth,
    )
    assert done.status_code == 200, done.text
    stats = requests.get(f"{url}/api/v1/coupon-templates/{tpl['id']}/stats", headers=auth, timeout=10).json()
    deadline = time.monotonic() + 10
    while stats["claimed"] < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        stats = requests.get(f"{url}/api/v1/coupon-templates/{tpl['id']}/stats", headers=auth, timeout=10).json()
    assert (stats["claimed"], stats["redeemed"]) == (3, 1)
    wanted = re.compile(rf"\[fake SMS\] {phones[1]} coupon_issued .*\"code\": \"{answers[1].json()['code']}\"")
    while time.monotonic() < deadline + 10:
        if any(wanted.search(text) for text in lines):
            return
        time.sleep(0.2)
    pytest.fail("the claimer was not texted:\n" + "".join(lines[-20:]))


def test_e7_embedded_recharge_gift_products_leave_the_store_stock(embedded):
    """The local broker runs the coupons handler, which calls the orders gRPC server."""
    url, _, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000000", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    product = requests.get(f"{url}/api/v1/products", headers=auth, timeout=10).json()["products"][0]
    (level,) = product["stock"]
    customer = requests.get(f"{url}/api/v1/customers", headers=auth, timeout=10).json()["customers"][-1]
    rule = {
        "name": "充5000送货",
        "member_type": "in_store",
        "pay_fen": 500_000,
        "gift_products": [{"product_id": product["id"], "quantity": 3}],
    }
    assert requests.post(f"{url}/api/v1/recharge-rules", json=rule, headers=auth, timeout=10).status_code == 201
    paid = requests.post(
        f"{url}/api/v1/customers/{customer['id']}/recharges", json={"paid_fen": 500_000}, headers=auth, timeout=10
    )
    assert paid.status_code == 201, paid.text

    def status():
        shown = requests.get(f"{url}/api/v1/recharges/{paid.json()['id']}", headers=auth, timeout=10).json()
        return [o["status"] for o in shown["gift_outcomes"]]

    deadline = time.monotonic() + 20
    while status() != ["handed_out"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status() == ["handed_out"]
    after = requests.get(f"{url}/api/v1/products/{product['id']}", headers=auth, timeout=10).json()["stock"]
    assert [(s["store_id"], s["quantity"]) for s in after] == [(level["store_id"], level["quantity"] - 3)]


def test_c4_embedded_coupon_events_reach_the_customers_segments(embedded):
    """The local broker delivers the coupons service's events to the customers handlers too
    (directly: they write to customers.db, not to the publishing coupons.db)."""
    url, _, _ = embedded
    token = requests.post(
        f"{url}/api/v1/auth/login/password", json={"phone": "13800000000", "password": "demo1234"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    customer = requests.get(f"{url}/api/v1/customers", headers=auth, timeout=10).json()["customers"][0]
    template = {"name": "分群券", "kind": "cash", "value_fen": 300, "valid_days": 30}
    tpl = requests.post(f"{url}/api/v1/coupon-templates", json=template, headers=auth, timeout=10).json()
    sent = requests.post(
        f"{url}/api/v1/coupon-templates/{tpl['id']}/send",
        json={"customer_ids": [customer["id"]]},
        headers=auth,
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    holds = {"filter": {"coupons_unused_min": 1, "coupon_template_ids": [tpl["id"]]}, "page_size": 100}

    def members():
        body = requests.post(f"{url}/api/v1/segments/evaluate", json=holds, headers=auth, timeout=10).json()
        return [m["id"] for m in body["members"]]

    deadline = time.monotonic() + 20
    while members() != [customer["id"]] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert members() == [customer["id"]]


def _login(url, phone):
    resp = requests.post(f"{url}/api/v1/auth/login/password", json={"phone": phone, "password": "demo1234"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_b2_approving_an_order_keeps_the_orders_service_answering_and_feeds_the_ranking(embedded):
    """Issue 11.1: the orders service's own order_approved handler writes to orders.db; it runs
    after the relay's transaction, so approving never wedges the service."""
    url, lines, _ = embedded
    sales, owner = _login(url, "13800000003"), _login(url, "13800000000")
    product = requests.get(f"{url}/api/v1/products", headers=sales, timeout=10).json()["products"][0]
    customer = requests.get(f"{url}/api/v1/customers", headers=sales, timeout=10).json()["customers"][0]
    placed = requests.post(
        f"{url}/api/v1/orders",
        headers={**sales, "Idempotency-Key": "approval-wedge-1"},
        json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}]},
        timeout=10,
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    approved = requests.post(f"{url}/api/v1/orders/{order['id']}/approve", headers=owner, timeout=10)
    assert approved.status_code == 200, approved.text
    month = approved.json()["submitted_at"][:7]

    def ranked():
        resp = requests.get(f"{url}/api/v1/performance/ranking", headers=sales, params={"month": month}, timeout=10)
        assert resp.status_code == 200, resp.text + "".join(lines[-40:])
        return resp.json()["my_rank"] > 0

    deadline = time.monotonic() + 20
    while not ranked() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ranked()
    again = requests.get(f"{url}/api/v1/orders/{order['id']}", headers=sales, timeout=5)
    assert again.status_code == 200 and again.json()["status"] == "approved", again.text


def _second_launcher(var_dir, http_port: int) -> subprocess.CompletedProcess:
    span = declarations.port_span(declarations.load())
    base = http_port - span  # the fixture's block: the gRPC ports, HTTP, fake SMS
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL", "REDIS_URL")}
    args = ["--var-dir", str(var_dir), "--port", str(http_port), "--grpc-base-port", str(base)]
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args, "--sms-port", str(base + span + 1)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_h1_a_second_run_on_busy_ports_names_the_port_and_the_option(embedded, tmp_path):
    url, _, _ = embedded
    http_port = int(url.rsplit(":", 1)[1])
    second = _second_launcher(tmp_path, http_port)
    assert second.returncode != 0
    assert f"port {http_port}" in second.stderr and "--port" in second.stderr
    assert "Traceback" not in second.stderr, second.stderr


def test_h1_a_second_run_on_the_same_var_folder_is_refused(embedded):
    url, _, var_dir = embedded
    second = _second_launcher(var_dir, int(url.rsplit(":", 1)[1]))
    assert second.returncode != 0
    assert "--var-dir" in second.stderr and "Traceback" not in second.stderr, second.stderr


def test_e3_making_100000_codes_leaves_the_coupons_service_answering(embedded):
    """Issue 11.4: the codes are written by the worker in short transactions (ADR 0009), so
    every other coupons call goes on answering while they are written."""
    url, _, _ = embedded
    owner = _login(url, "13800000000")
    template = {"name": "印刷券", "kind": "cash", "value_fen": 500, "valid_days": 30}
    tpl = requests.post(f"{url}/api/v1/coupon-templates", json=template, headers=owner, timeout=10).json()
    made = requests.post(
        f"{url}/api/v1/coupon-batches", json={"template_id": tpl["id"], "quantity": 100_000}, headers=owner, timeout=10
    )
    assert made.status_code == 201 and made.json()["status"] == "making", made.text
    answers, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        created = requests.post(f"{url}/api/v1/coupon-templates", json=template, headers=owner, timeout=10)
        batch = requests.get(f"{url}/api/v1/coupon-batches/{made.json()['id']}", headers=owner, timeout=10)
        answers += [created.status_code, batch.status_code]
        if batch.json().get("status") == "made":
            break
    assert batch.json()["status"] == "made" and batch.json()["made"] == 100_000, batch.text
    assert set(answers) == {200, 201} and len(answers) > 4
