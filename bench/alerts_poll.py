"""`python -m bench.alerts_poll`: what the real-time alert poll (F4, ADR 0016) costs a gateway.

Serves the real gateway app under waitress (HTTP_THREADS threads, default 16, as `gateway.serve`)
in a child process against the real Redis (REDIS_URL, default the local server), then:

1. closed loop: BENCH_CLIENTS (default 16) clients poll `GET /api/v1/alerts?after=…` as fast as
   the gateway answers, each as its own staff member, for BENCH_SECONDS (default 10) while an
   alert is appended every 100 ms; prints polls per second, latency p50/p99 and the gateway's CPU
   per poll (from /proc), i.e. how many open apps polling once a second one core carries;
2. held threads: how long an ordinary request waits while long-polls hold every waitress thread
   (what a long-poll design would do at HTTP_THREADS open apps), each held request being a
   `/bench/hold` that sleeps in the server (a route of this bench's child app only).

No service is running: an alert poll calls none (the app's peers point at a closed port).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import redis
import requests

from bench.cpu import _proc_cpu
from bench.load import run_load
from crmkit.alerts import AlertDraft, AlertFeed
from crmkit.auth import STAFF, TokenIssuer, generate_keypair

SERVICES = ("identity", "customers", "messaging", "orders", "coupons", "marketing")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, public_key: str, prefix: str, threads: int) -> None:
    """The child: the gateway app as `gateway.serve` runs it, plus a /bench/hold route."""
    import logging

    from flask import request
    from waitress import serve as waitress_serve

    from crmkit.settings import Settings
    from gateway.app import create_app
    from gateway.config import GatewayConfig
    from gateway.serve import WAITRESS_OPTIONS

    closed = f"127.0.0.1:{_free_port()}"
    settings = Settings(
        service="gateway",
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        redis_prefix=prefix,
        jwt_public_key=public_key,
        service_token="bench",
        peers=dict.fromkeys(SERVICES, closed),
    )
    config = GatewayConfig.from_settings(settings, rate_limit_actor_per_min=10**9, rate_limit_public_per_min=10**9)
    config.rate_limit_alerts_per_min = 10**9
    app = create_app(config)

    @app.get("/bench/hold")
    def hold():
        # Stands for a long-poll waiting for its alert: the thread is taken, doing nothing.
        time.sleep(float(request.args.get("seconds", "1")))
        return {"held": True}

    # A closed loop of as many clients as threads queues a request now and then: not news here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress_serve(app, host="127.0.0.1", port=port, threads=threads, **WAITRESS_OPTIONS)


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the bench gateway did not start")


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    clients = int(os.environ.get("BENCH_CLIENTS", "16"))
    threads = int(os.environ.get("HTTP_THREADS", "16"))
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    private, public = generate_keypair()
    issuer = TokenIssuer(private)
    prefix = f"bench-alerts-{os.getpid()}:"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.alerts_poll", "--serve", str(port), prefix, str(threads)],
        env={**os.environ, "BENCH_PUBLIC_KEY": public, "LOG_LEVEL": "WARNING"},
    )
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    feed = AlertFeed(client, prefix)
    stop = threading.Event()
    try:
        _wait_up(url)
        tokens = [
            # A session id, as every login's token has: the revoked-session check is paid as in production.
            issuer.issue(
                kind=STAFF,
                subject_id=f"s{i}",
                tenant_id="t1",
                roles=["salesperson"],
                session_id=f"bench-session-{i}",
                ttl=timedelta(hours=1),
            )[0]
            for i in range(clients)
        ]
        cursors = ["0-0"] * clients

        def writer():
            n = 0
            while not stop.wait(0.1):
                feed.push(
                    [
                        AlertDraft(
                            "t1",
                            f"s{n % clients}",
                            f"n{n}",
                            "article_opened",
                            "notification.article_opened_new_visitor",
                            {"title": "春季订货会"},
                            "",
                            datetime.now(UTC),
                        )
                    ]
                )
                n += 1

        def send(session: requests.Session, n: int) -> bool:
            index = n // 1_000_000
            resp = session.get(
                f"{url}/api/v1/alerts",
                params={"after": cursors[index]},
                headers={"Authorization": f"Bearer {tokens[index]}"},
                timeout=10,
            )
            if resp.status_code != 200:
                return False
            cursors[index] = resp.json()["cursor"]
            return True

        threading.Thread(target=writer, daemon=True).start()
        run_load(send, clients=clients, seconds=1.0)  # warm-up: connections, imports
        cpu_before = _proc_cpu(child.pid)
        result = run_load(send, clients=clients, seconds=seconds)
        cpu = _proc_cpu(child.pid) - cpu_before
        per_poll = cpu / max(result.ok, 1)
        print(
            f"alert polls, {clients} clients, {threads} waitress threads, {seconds:.0f} s "
            f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs shared)"
        )
        print(f"  polls per second          {result.rate:9.0f}   failed {result.failed}")
        print(f"  latency p50 / p99 (ms)    {result.p50 * 1000:9.1f} / {result.percentile(99) * 1000:.1f}")
        print(f"  gateway CPU per poll (ms) {per_poll * 1000:9.2f}")
        print(f"  open apps at 1 poll/s per gateway core: about {1 / per_poll:.0f}")

        # Long-poll: every thread held by an app waiting for its alert; one ordinary request arrives.
        holders = [
            threading.Thread(target=requests.get, args=(f"{url}/bench/hold?seconds=3",), kwargs={"timeout": 10})
            for _ in range(threads)
        ]
        for t in holders:
            t.start()
        time.sleep(0.5)
        start = time.perf_counter()
        requests.get(f"{url}/api/v1/alerts", headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=10)
        waited = time.perf_counter() - start
        for t in holders:
            t.join()
        print(f"  with {threads} long-polls held for 3 s, the next request waited {waited * 1000:.0f} ms")
    finally:
        stop.set()
        child.terminate()
        child.wait(10)
        from crmkit import testing

        testing.delete_redis_prefix(client, prefix)
        client.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), os.environ["BENCH_PUBLIC_KEY"], sys.argv[3], int(sys.argv[4]))
    else:
        main()
