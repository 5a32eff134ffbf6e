"""`make bench`: platform figures beside a baseline measured in the same run on this machine.

P0  customer registrations per second through the gateway, p50/p99
P1  5-line orders placed per second through the gateway, p50/p99 (goal: >= 0.30 of pgbench TPS)
P7  readers' reading beats per second through the gateway beside its trivial /healthz in the same
    run, p50/p99 (goal: >= 0.5 of the trivial rate), the time marketing's drainer needed to empty
    the queue after the load, and marketing's committed transactions per beat (bench/reading.py)
P3  segment "sleeping members and spend > X" over 1,000,000 customers / 10,000,000 order lines,
    p50/p95 (goal p95 < 300 ms), and a "near me" bounding box over 100,000 customers of a tenant
    (bench/p3_segments.py; BENCH_P3=0 skips it, BENCH_P3_CUSTOMERS / BENCH_P3_LINES size it)
Baselines: pgbench TPS (TPC-B-like) with the same number of clients (P0, P1); redis-benchmark
EVALSHA ops/s of the coupons' claim script (P2).
Environment: BENCH_SECONDS (default 15), BENCH_CLIENTS (default 16).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench import claims, figures, reading
from bench.baselines import pgbench_tps, redis_evalsha_ops
from bench.cpu import CpuSampler
from bench.tenant import set_up
from crmkit import testing
from launcher.cluster import Cluster


def _row(label: str, value: str) -> None:
    print(f"{label:<48}{value:>12}")


def _report(name: str, result, tps: float) -> None:
    _row(f"{name} per second via gateway", f"{result.rate:.1f}")
    _row(f"{name} ratio to pgbench TPS", f"{result.rate / tps:.3f}")
    _row(f"{name} latency p50 (ms)", f"{result.p50 * 1000:.1f}")
    _row(f"{name} latency p99 (ms)", f"{result.percentile(99) * 1000:.1f}")
    _row(f"{name} requests failed", f"{result.failed}")


def _report_p2(p2, ops: float, recorded: int, issued: int, cpu: dict[str, float]) -> None:
    name = "P2 coupon claims"
    _row(f"{name} per second via gateway", f"{p2.rate:.1f}")
    _row(f"{name} ratio to Redis EVALSHA ops/s", f"{p2.rate / ops:.4f}")
    _row(f"{name} latency p50 (ms)", f"{p2.p50 * 1000:.1f}")
    _row(f"{name} latency p99 (ms)", f"{p2.percentile(99) * 1000:.1f}")
    _row(f"{name} requests failed", f"{p2.failed}")
    _row(f"{name} answered sold out", f"{p2.sold_out}")
    _row("P2 clients in flight, mean over the window", f"{p2.mean_clients:.0f}")
    _row("P2 clients in flight, peak", f"{p2.peak_clients}")
    _row("P2 run incl. draining the last answers (s)", f"{p2.seconds:.1f}")
    # Exactness under load: every 201 is one coupon in the service's record, and nothing more.
    _row("P2 coupons recorded / 201 answers", f"{recorded} / {issued}")
    print("P2 goal: ratio >= 0.20 -", "met" if p2.rate / ops >= 0.20 else "NOT met")
    print("P2 CPU per issued claim (ms), shared servers and machine include anything else running:")
    for part, seconds in cpu.items():
        if seconds > 0:
            _row(f"  {part}", f"{seconds * 1000 / max(p2.ok, 1):.2f}")


def _report_p7(p7) -> None:
    for name, result in (("gateway /healthz (trivial)", p7.trivial), ("P7 reading beats", p7.beats)):
        _row(f"{name} req/s", f"{result.rate:.1f}")
        _row(f"{name} p50 / p99 (ms)", f"{result.p50 * 1000:.1f} / {result.percentile(99) * 1000:.1f}")
        _row(f"{name} failed", f"{result.failed}")
    ratio = p7.beats.rate / p7.trivial.rate if p7.trivial.rate else 0.0
    _row("P7 ratio beats / trivial", f"{ratio:.2f}")
    _row("P7 queue emptied after the load (s)", f"{p7.drain_seconds:.2f}")
    _row("P7 marketing transactions per beat", f"{p7.transactions / max(p7.queued, 1):.4f}")
    print("P7 goal: ratio >= 0.5 -", "met" if ratio >= 0.5 else "NOT met")


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_CLIENTS", "16"))
    print(f"bench: {clients} clients, {seconds} s per measurement, this machine: {os.cpu_count()} CPUs")
    run_p2 = os.environ.get("BENCH_P2", "1") != "0"
    p2_clients = int(os.environ.get("BENCH_P2_CLIENTS", "1000"))
    # Other work on the machine skews every figure: say how busy it was when the run began.
    print(f"P2: {p2_clients} clients" if run_p2 else "P2: skipped", f"- load average: {os.getloadavg()[0]:.1f}")
    tps = pgbench_tps(clients=clients, seconds=seconds)
    ops = redis_evalsha_ops(clients=p2_clients, seconds=seconds) if run_p2 else 0.0
    with tempfile.TemporaryDirectory() as tmp:
        # One salesperson sending thousands a minute, and a thousand phones behind one address
        # (the load generator's), are the load test, not abuse: lift both limits.
        limits = {"RATE_LIMIT_ACTOR_PER_MIN": "1000000", "RATE_LIMIT_PUBLIC_PER_MIN": "100000000"}
        cluster = Cluster(workdir=Path(tmp), extra_env=limits)
        try:
            cluster.start()
            tenant = set_up(cluster.gateway_url, cluster.sms_server)
            figures.registrations(tenant, clients=clients, seconds=2, run_digit=1)  # warm-up
            p0 = figures.registrations(tenant, clients=clients, seconds=seconds, run_digit=2)
            figures.orders(tenant, clients=clients, seconds=2)  # warm-up
            p1 = figures.orders(tenant, clients=clients, seconds=seconds)
            p7 = reading.run(
                tenant,
                redis_url=testing.REDIS_URL,
                prefix=cluster.redis_prefix,
                database_url=cluster.databases["marketing"],
                clients=clients,
                seconds=seconds,
            )
            if run_p2:
                template = claims.create_template(tenant)
                claim_url = cluster.gateway_url + template["claim_path"]
                warm = claims.claims(claim_url, clients=p2_clients, seconds=2, run_digit=8)  # warm-up
                sampler = CpuSampler({name: proc.popen.pid for name, proc in cluster.procs.items()})
                sampler.start()
                p2 = claims.claims(claim_url, clients=p2_clients, seconds=seconds, run_digit=9)
                cpu = sampler.stop()
                issued = warm.ok + p2.ok
                recorded = claims.claimed_count(tenant, template["id"], expected=issued)
        finally:
            cluster.stop()
    print()
    _row("figure", "value")
    _row("pgbench TPS (TPC-B-like, same clients)", f"{tps:.1f}")
    _report("P0 customer registrations", p0, tps)
    _report("P1 orders (5 lines)", p1, tps)
    print("P1 goal: ratio >= 0.30 -", "met" if p1.rate / tps >= 0.30 else "NOT met")
    print()
    _report_p7(p7)
    if run_p2:
        print()
        _row(f"Redis EVALSHA ops/s (claim script, {p2_clients} clients)", f"{ops:.1f}")
        _report_p2(p2, ops, recorded, issued, cpu)
    if os.environ.get("BENCH_P3", "1") != "0":
        # After the cluster has stopped: the load and the timings get the machine to themselves.
        from bench import p3_segments

        p3_segments.report(p3_segments.run(), tps, _row)


if __name__ == "__main__":
    main()
