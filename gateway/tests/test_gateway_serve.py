"""Issue 16 (P2): `python -m gateway.serve`, the gateway process of the cluster and the chart,
served by gunicorn's threaded worker: it holds many idle connections and still answers, passes
X-Forwarded-For to the app (which decides whom to believe), writes JSON lines, and stops at once
on SIGTERM though idle keep-alive connections are open. A real process, a real Redis; the peers
are addresses nothing listens on (no route here calls them)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
import redis

from crmkit import testing
from crmkit.auth import TokenIssuer

DEPLOYABLES = ("identity", "customers", "messaging", "orders", "coupons", "marketing", "printing")


@pytest.fixture
def served(keys, closed_port, tmp_path):
    port = testing.free_port()
    prefix = f"gwserve-{uuid.uuid4().hex[:10]}:"
    env = {
        **os.environ,
        "PORT": str(port),
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "JWT_PUBLIC_KEY": keys[1],
        "SERVICE_TOKEN": TokenIssuer(keys[0]).service_token("gateway"),
        "PEERS": ",".join(DEPLOYABLES),
        **{f"{name.upper()}_ADDR": closed_port for name in DEPLOYABLES},
        "TRUSTED_PROXY_HOPS": "1",
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "HTTP_THREADS": "4",
    }
    log_path = tmp_path / "gateway.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gateway.serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    testing.wait_for(lambda: _healthy(port), timeout=30, what="gateway.serve on /healthz", log=log_path.read_text)
    store = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    yield proc, port, store, prefix, log_path
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)
    testing.delete_redis_prefix(store, prefix)
    store.close()


def _healthy(port: int) -> bool:
    try:
        return _get(port, "/healthz").status == 200
    except OSError:
        return False


def _get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_p2_many_idle_keep_alive_clients_do_not_keep_a_request_waiting(served):
    _, port, *_ = served
    # 300 clients that asked once and keep their connection open, silent (waitress served at
    # most 100 connections at once: a new client waited for one of them to time out)
    idle = []
    try:
        for _ in range(300):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            idle.append(conn)
        assert _get(port, "/healthz").status == 200
        # and each of them can still ask again on its connection
        idle[0].request("GET", "/healthz")
        assert idle[0].getresponse().status == 200
    finally:
        for conn in idle:
            conn.close()


def test_i11_x_forwarded_for_reaches_the_app_which_trusts_only_its_proxy(served):
    _, port, store, prefix, _ = served
    # A request without a token is counted per client address (gateway.admission)
    answer = _get(port, "/api/v1/me", {"X-Forwarded-For": "198.51.100.7"})
    assert answer.status == 401
    counters = list(store.scan_iter(match=f"{prefix}gateway:rl:*"))
    assert len(counters) == 1 and ":anon:198.51.100.7:" in counters[0]


def test_p16_the_process_logs_json_and_stops_at_once_on_sigterm(served):
    proc, port, _, _, log_path = served
    # An idle keep-alive connection, as an Ingress keeps one
    keep_alive = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    keep_alive.request("GET", "/healthz")
    keep_alive.getresponse().read()

    proc.send_signal(signal.SIGTERM)
    # The idle connection (kept for a minute otherwise) does not hold the worker back
    assert proc.wait(10) == 0
    keep_alive.close()
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert all(line["service"] == "gateway" for line in lines)
