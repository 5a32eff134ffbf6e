"""The gateway alone: its CPU per request for P1-like and P2-like requests (issue 16).

`python -m bench.gateway_cpu p1|p2 [--requests N] [--clients C]` starts `python -m gateway.serve`
in front of the gateway tests' fake services (real gRPC servers in this process) and the local
Redis, sends the requests, and prints the CPU the gateway process and its children spent per
answered request, from /proc. Only the gateway is measured, so the figure does not depend on what
else the machine runs (its latency does). To measure another tree: GATEWAY_PYTHON and
GATEWAY_PYTHONPATH; another server: GATEWAY_COMMAND (`{port}` is replaced by the port).

- p1: a salesperson's 5-line order, with a session token and an Idempotency-Key, over C
  keep-alive connections (default 16), as `make bench`'s P1 sends it.
- p2: public coupon claims, C clients at once (default 1,000), each claim on a new connection
  closed after the answer, as `make bench`'s P2 sends them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import redis

from bench.claims import _post, claim_request, outcome, phone_for
from bench.cpu import snapshot, tree_cpu
from crmkit import testing
from crmkit.auth import TokenIssuer, TokenVerifier, generate_keypair
from crmkit.grpc_server import build_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway" / "tests"))

from coupons_fakes import FakeCoupons  # noqa: E402
from coupons_fakes import registration as coupons_registration  # noqa: E402
from gateway_fakes import FakeCustomers, FakeIdentity, FakeMessaging, Recorder, registrations  # noqa: E402
from orders_fakes import FakeOrders  # noqa: E402
from orders_fakes import registration as orders_registration  # noqa: E402

DEPLOYABLES = ("identity", "customers", "messaging", "orders", "coupons", "marketing", "printing")
ORDER = {"customer_id": "c-1", "lines": [{"product_id": f"p-{i}", "quantity": 2} for i in range(5)]}


def start_fakes(public_key: str) -> tuple[list, dict[str, str]]:
    regs = registrations(FakeIdentity(), FakeCustomers(), FakeMessaging())
    regs["orders"] = orders_registration(FakeOrders())
    regs["coupons"] = coupons_registration(FakeCoupons())
    servers, addrs = [], {}
    for name, reg in regs.items():
        server, port, _ = build_server(name, [reg], verifier=TokenVerifier(public_key), port=0, host="127.0.0.1")
        server.start()
        servers.append(server)
        addrs[name] = f"127.0.0.1:{port}"
    closed = f"127.0.0.1:{testing.free_port()}"
    return servers, {name: addrs.get(name, closed) for name in DEPLOYABLES}


def slow_down(seconds: float) -> None:
    """Every fake answers after `seconds`: requests then stay open in the gateway as long as they
    do under load, and so do their connections."""
    record = Recorder.record

    def slowly(self, *args, **kwargs):
        time.sleep(seconds)
        return record(self, *args, **kwargs)

    Recorder.record = slowly


def start_gateway(keys, addrs: dict[str, str], prefix: str, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = testing.free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "JWT_PUBLIC_KEY": keys[1],
        "SERVICE_TOKEN": TokenIssuer(keys[0]).service_token("gateway"),
        "PEERS": ",".join(DEPLOYABLES),
        **{f"{name.upper()}_ADDR": addr for name, addr in addrs.items()},
        "RATE_LIMIT_PUBLIC_PER_MIN": "100000000",
        "RATE_LIMIT_ACTOR_PER_MIN": "100000000",
    }
    if os.environ.get("GATEWAY_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["GATEWAY_PYTHONPATH"]
    python = os.environ.get("GATEWAY_PYTHON", sys.executable)
    command = [python, "-m", "gateway.serve"]
    if os.environ.get("GATEWAY_COMMAND"):
        # Another server for comparison, e.g. "gunicorn -k gevent -b 127.0.0.1:{port} module:app".
        command = os.environ["GATEWAY_COMMAND"].format(port=port).split()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    testing.wait_for(lambda: _healthy(port), timeout=30, what="the gateway", log=log_path.read_text)
    return proc, port


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def keep_alive(port: int) -> http.client.HTTPConnection:
    """A client that asked once and keeps its connection open, silent (as apps and proxies do)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    return conn


def p1(port: int, token: str, *, requests: int, clients: int) -> int:
    """Keyed 5-line orders over keep-alive connections; answers 201 counted."""
    body = json.dumps(ORDER)
    left = [requests]
    lock = threading.Lock()
    ok = [0]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            conn.request("POST", "/api/v1/orders", body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status == 201:
                with lock:
                    ok[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok[0]


def p2(port: int, *, requests: int, clients: int) -> int:
    """Public claims, each on its own connection, `clients` at once; answers 201 counted."""

    async def run() -> int:
        state = {"next": 0, "ok": 0}

        async def client():
            while state["next"] < requests:
                n = state["next"]
                state["next"] += 1
                raw = claim_request(f"127.0.0.1:{port}", "/api/v1/public/coupons/tok-1/claim", phone_for(9, n))
                try:
                    if outcome(*await asyncio.wait_for(_post("127.0.0.1", port, raw), 60)) == "ok":
                        state["ok"] += 1
                except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError):
                    pass

        await asyncio.gather(*(client() for _ in range(clients)))
        return state["ok"]

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["p1", "p2"])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--idle", type=int, default=0, help="keep-alive clients that asked once and stay silent")
    parser.add_argument(
        "--service-ms",
        type=float,
        default=0.0,
        help="each fake service call waits this long, as a loaded service answers",
    )
    args = parser.parse_args()
    clients = args.clients or (16 if args.kind == "p1" else 1000)
    keys = generate_keypair()
    token = TokenIssuer(keys[0]).issue(
        kind="staff",
        subject_id="s-1",
        tenant_id="t-1",
        roles=("salesperson",),
        session_id="sess-1",
        ttl=timedelta(minutes=15),
    )[0]
    if args.service_ms:
        slow_down(args.service_ms / 1000)
    servers, addrs = start_fakes(keys[1])
    prefix = f"bench-gw-{uuid.uuid4().hex[:8]}:"
    log_path = Path(tempfile.mkdtemp(prefix="bench-gw-")) / "gateway.log"
    proc, port = start_gateway(keys, addrs, prefix, log_path)
    print(f"gateway pid {proc.pid} on port {port}", flush=True)  # for py-spy
    try:
        send = (
            (lambda n: p1(port, token, requests=n, clients=clients))
            if args.kind == "p1"
            else (lambda n: p2(port, requests=n, clients=clients))
        )
        send(min(200, args.requests))  # warm up: imports, connections, the token cache
        idle = [keep_alive(port) for _ in range(args.idle)]
        before = tree_cpu(proc.pid, snapshot())
        started = time.monotonic()
        ok = send(args.requests)
        seconds = time.monotonic() - started
        spent = tree_cpu(proc.pid, snapshot()) - before
        for conn in idle:
            conn.close()
        print(
            f"{args.kind}: {ok}/{args.requests} answered 201 in {seconds:.1f} s ({clients} clients, "
            f"{args.idle} idle); "
            f"gateway CPU {spent:.2f} s = {spent / max(ok, 1) * 1000:.2f} ms per request"
        )
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        for server in servers:
            server.stop(0)
        store = redis.Redis.from_url(testing.REDIS_URL)
        testing.delete_redis_prefix(store, prefix)


if __name__ == "__main__":
    main()
