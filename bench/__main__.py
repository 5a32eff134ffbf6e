"""`make bench`: platform figures beside a baseline measured in the same run on this machine.

P0  customer registrations per second through the gateway, p50/p99
P1  5-line orders placed per second through the gateway, p50/p99 (goal: >= 0.30 of pgbench TPS)
P3  segment "sleeping members and spend > X" over 1,000,000 customers / 10,000,000 order lines,
    p50/p95 (goal p95 < 300 ms), and a "near me" bounding box over 100,000 customers of a tenant
    (bench/p3_segments.py; BENCH_P3=0 skips it, BENCH_P3_CUSTOMERS / BENCH_P3_LINES size it)
Baseline: pgbench TPS (TPC-B-like) with the same number of clients.
Environment: BENCH_SECONDS (default 15), BENCH_CLIENTS (default 16).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench import figures
from bench.baselines import pgbench_tps
from bench.tenant import set_up
from launcher.cluster import Cluster


def _row(label: str, value: str) -> None:
    print(f"{label:<48}{value:>12}")


def _report(name: str, result, tps: float) -> None:
    _row(f"{name} per second via gateway", f"{result.rate:.1f}")
    _row(f"{name} ratio to pgbench TPS", f"{result.rate / tps:.3f}")
    _row(f"{name} latency p50 (ms)", f"{result.p50 * 1000:.1f}")
    _row(f"{name} latency p99 (ms)", f"{result.percentile(99) * 1000:.1f}")
    _row(f"{name} requests failed", f"{result.failed}")


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_CLIENTS", "16"))
    print(f"bench: {clients} clients, {seconds} s per measurement, this machine: {os.cpu_count()} CPUs")
    tps = pgbench_tps(clients=clients, seconds=seconds)
    with tempfile.TemporaryDirectory() as tmp:
        # One salesperson sending thousands a minute is the load test, not a user: lift the limit.
        cluster = Cluster(workdir=Path(tmp), extra_env={"RATE_LIMIT_ACTOR_PER_MIN": "1000000"})
        try:
            cluster.start()
            tenant = set_up(cluster.gateway_url)
            figures.registrations(tenant, clients=clients, seconds=2, run_digit=1)  # warm-up
            p0 = figures.registrations(tenant, clients=clients, seconds=seconds, run_digit=2)
            figures.orders(tenant, clients=clients, seconds=2)  # warm-up
            p1 = figures.orders(tenant, clients=clients, seconds=seconds)
        finally:
            cluster.stop()
    print()
    _row("figure", "value")
    _row("pgbench TPS (TPC-B-like, same clients)", f"{tps:.1f}")
    _report("P0 customer registrations", p0, tps)
    _report("P1 orders (5 lines)", p1, tps)
    print("P1 goal: ratio >= 0.30 -", "met" if p1.rate / tps >= 0.30 else "NOT met")
    if os.environ.get("BENCH_P3", "1") != "0":
        # After the cluster has stopped: the load and the timings get the machine to themselves.
        from bench import p3_segments

        p3_segments.report(p3_segments.run(), tps, _row)


if __name__ == "__main__":
    main()
