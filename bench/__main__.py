"""`make bench`: platform figures beside baselines measured in the same run.

P0 customer registrations per second through the gateway (gateway -> customers gRPC ->
PostgreSQL + outbox -> RabbitMQ -> messaging worker), with p50/p99, beside pgbench's TPS.
Environment: BENCH_SECONDS (default 15), BENCH_CLIENTS (default 16).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from bench.baselines import pgbench_tps
from bench.load import run_load
from launcher.cluster import Cluster

PASSWORD = "bench1234"


def _setup_salesperson(base: str) -> str:
    import requests

    owner_phone = "137" + str(uuid.uuid4().int)[:8]
    resp = requests.post(
        f"{base}/api/v1/tenants",
        json={
            "tenant_name": "压测商贸",
            "owner_name": "老板",
            "owner_phone": owner_phone,
            "owner_password": PASSWORD,
            "head_store_name": "总店",
        },
        timeout=10,
    )
    resp.raise_for_status()
    store_id = resp.json()["head_store"]["id"]
    owner = requests.post(
        f"{base}/api/v1/auth/login/password", json={"phone": owner_phone, "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    sales_phone = "136" + str(uuid.uuid4().int)[:8]
    resp = requests.post(
        f"{base}/api/v1/staff",
        headers={"Authorization": f"Bearer {owner}"},
        timeout=10,
        json={
            "name": "压测业务员",
            "phone": sales_phone,
            "password": PASSWORD,
            "roles": ["salesperson"],
            "store_ids": [store_id],
        },
    )
    resp.raise_for_status()
    return requests.post(
        f"{base}/api/v1/auth/login/password", json={"phone": sales_phone, "password": PASSWORD}, timeout=10
    ).json()["access_token"]


def bench_registrations(seconds: int, clients: int):
    with tempfile.TemporaryDirectory() as tmp:
        # One salesperson sending thousands a minute is the load test, not a user: lift the limit.
        cluster = Cluster(workdir=Path(tmp), extra_env={"RATE_LIMIT_ACTOR_PER_MIN": "1000000"})
        try:
            cluster.start()
            base = cluster.gateway_url
            token = _setup_salesperson(base)

            def sender(run_digit: int):
                def send(session, n: int) -> bool:
                    # Unique per run, thread and request: 15 + run + thread (2) + count (6).
                    number = f"15{run_digit}{n // 1_000_000:02d}{n % 1_000_000:06d}"
                    resp = session.post(
                        f"{base}/api/v1/customers",
                        timeout=30,
                        json={"name": f"客户{n}", "phone": number},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                    )
                    return resp.status_code == 201

                return send

            run_load(sender(1), clients=clients, seconds=2)  # warm-up: connections, caches
            return run_load(sender(2), clients=clients, seconds=seconds)
        finally:
            cluster.stop()


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_CLIENTS", "16"))
    print(f"bench: {clients} clients, {seconds} s per measurement, this machine: {os.cpu_count()} CPUs")
    tps = pgbench_tps(clients=clients, seconds=seconds)
    result = bench_registrations(seconds, clients)
    print()
    print(f"{'figure':<46}{'value':>12}")
    print(f"{'pgbench TPS (TPC-B-like, same clients)':<46}{tps:>12.1f}")
    print(f"{'P0 customer registrations/s via gateway':<46}{result.rate:>12.1f}")
    print(f"{'P0 ratio to pgbench TPS':<46}{result.rate / tps:>12.3f}")
    print(f"{'P0 latency p50 (ms)':<46}{result.p50 * 1000:>12.1f}")
    print(f"{'P0 latency p99 (ms)':<46}{result.percentile(99) * 1000:>12.1f}")
    print(f"{'P0 requests failed':<46}{result.failed:>12d}")


if __name__ == "__main__":
    main()
