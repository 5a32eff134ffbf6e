"""`make bench`: platform figures beside a baseline measured in the same run on this machine.

P0  customer registrations per second through the gateway, p50/p99
P1  5-line orders placed per second through the gateway at the peak (closed loop) and at half the
    peak rate (open loop), p50/p99 of both (goal: >= 0.10 of pgbench TPS, p99 < 100 ms at half)
P7  readers' reading beats per second through the gateway beside its trivial /healthz in the same
    run, p50/p99 (goal: >= 0.5 of the trivial rate), the time marketing's drainer needed to empty
    the queue after the load, and marketing's committed transactions per beat (bench/reading.py)
P3  segment "sleeping members and spend > X" over 1,000,000 customers / 10,000,000 order lines,
    p50/p95 (goal p95 < 300 ms), and a "near me" bounding box over 100,000 customers of a tenant
    (bench/p3_segments.py; BENCH_P3=0 skips it, BENCH_P3_CUSTOMERS / BENCH_P3_LINES size it)
P2  coupon claims per second through the public claim API, 1,000 clients, at the peak (closed
    loop) and at half the peak rate (open loop), p50/p99 of both (goal: >= 0.02 of EVALSHA ops/s,
    p99 < 250 ms at half, every 201 exactly one coupon) (bench/claims.py)
Baselines: pgbench TPS (TPC-B-like) with the same number of clients (P0, P1); redis-benchmark
EVALSHA ops/s of the coupons' claim script (P2).
For every P1 and P2 run, the CPU each process spent per answered request (bench/cpu.py: process
trees, PostgreSQL with its exited backends; the shared servers less their rate in an idle window
measured first), each window opened once the cluster is quiet again.
Environment: BENCH_SECONDS (default 15), BENCH_CLIENTS (default 16), BENCH_IDLE_SECONDS (3).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench import claims, figures, reading, report
from bench.baselines import pgbench_tps, redis_evalsha_ops
from bench.cpu import CpuSampler, per_request, wait_quiet
from bench.tenant import set_up
from crmkit import testing
from launcher.cluster import Cluster

# Seconds at least between two measurement windows (then until the cluster is quiet).
SETTLE = 1.0


def _row(label: str, value: str) -> None:
    print(f"{label:<48}{value:>12}")


def _report(name: str, result, tps: float) -> None:
    _row(f"{name} per second via gateway", f"{result.rate:.1f}")
    _row(f"{name} ratio to pgbench TPS", f"{result.rate / tps:.3f}")
    _row(f"{name} latency p50 (ms)", f"{result.p50 * 1000:.1f}")
    _row(f"{name} latency p99 (ms)", f"{result.percentile(99) * 1000:.1f}")
    _row(f"{name} requests failed", f"{result.failed}")


def _report_p2_extra(p2, recorded: int, answered: int, persisted_after: float) -> None:
    name = "P2 coupon claims"
    _row(f"{name} answered sold out (peak)", f"{p2.sold_out}")
    _row("P2 clients in flight, mean over the window", f"{p2.mean_clients:.0f}")
    _row("P2 clients in flight, peak", f"{p2.peak_clients}")
    # Exactness under load: every 201 is one coupon in the service's record, and nothing more.
    _row("P2 coupons recorded / 201 answers", f"{recorded} / {answered}")
    _row("P2 coupons all recorded, s after the load", f"{persisted_after:.1f}")


def _measure(name: str, clients: int, sampler: CpuSampler, idle: dict, load) -> report.Run:
    """One window of `load()` with the CPU of every part sampled around it, opened once the
    previous run's outbox, events and texts have drained (the cluster's processes near idle)."""
    time.sleep(SETTLE)
    settled = wait_quiet(sampler)
    if settled > 1:
        print(f"{name}: the cluster was busy with the previous run for another {settled:.1f} s")
    sampler.start()
    result = load()
    spent = sampler.stop()
    return report.Run(name, result, clients, per_request(spent, result.ok, window=sampler.window, idle=idle))


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
    idle_seconds = float(os.environ.get("BENCH_IDLE_SECONDS", "3"))
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
            sampler = CpuSampler(
                {name: proc.popen.pid for name, proc in cluster.procs.items()}, cluster.databases.values()
            )
            tenant = set_up(cluster.gateway_url, cluster.sms_server)
            figures.registrations(tenant, clients=clients, seconds=2, run_digit=1)  # warm-up
            p0 = figures.registrations(tenant, clients=clients, seconds=seconds, run_digit=2)
            figures.orders(tenant, clients=clients, seconds=2)  # warm-up
            time.sleep(SETTLE)
            wait_quiet(sampler)
            idle = sampler.idle(idle_seconds)
            p1_peak = _measure(
                "peak", clients, sampler, idle, lambda: figures.orders(tenant, clients=clients, seconds=seconds)
            )
            rate = report.half_rate(p1_peak.result)
            # Open loop: enough threads that a slow answer never holds back the next order due.
            open_clients = clients * 4
            p1_half = _measure(
                "half",
                open_clients,
                sampler,
                idle,
                lambda: figures.orders(tenant, clients=open_clients, seconds=seconds, rate=rate),
            )
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
                p2_peak = _measure(
                    "peak",
                    p2_clients,
                    sampler,
                    idle,
                    lambda: claims.claims(claim_url, clients=p2_clients, seconds=seconds, run_digit=9),
                )
                rate = report.half_rate(p2_peak.result)
                p2_half = _measure(
                    "half",
                    p2_clients,
                    sampler,
                    idle,
                    lambda: claims.claims(claim_url, clients=p2_clients, seconds=seconds, run_digit=7, rate=rate),
                )
                answered = warm.ok + p2_peak.result.ok + p2_half.result.ok
                recorded, persisted_after = claims.wait_recorded(tenant, template["id"], answered)
        finally:
            cluster.stop()
    print()
    _row("figure", "value")
    _row("pgbench TPS (TPC-B-like, same clients)", f"{tps:.1f}")
    _report("P0 customer registrations", p0, tps)
    print()
    print("\n".join(report.load_table(f"P1 orders (5 lines), pgbench {tps:.0f} TPS", [p1_peak, p1_half], tps)))
    print(report.p1_goal(p1_peak.result, p1_half.result, tps))
    print("\n".join(report.cpu_table([p1_peak, p1_half], idle)))
    print()
    _report_p7(p7)
    if run_p2:
        print()
        title = f"P2 claims, EVALSHA {ops:.0f} ops/s ({p2_clients} cl.)"
        print("\n".join(report.load_table(title, [p2_peak, p2_half], ops)))
        _report_p2_extra(p2_peak.result, recorded, answered, persisted_after)
        print(report.p2_goal(p2_peak.result, p2_half.result, ops, recorded, answered))
        print("\n".join(report.cpu_table([p2_peak, p2_half], idle)))
    if os.environ.get("BENCH_P3", "1") != "0":
        # After the cluster has stopped: the load and the timings get the machine to themselves.
        from bench import p3_segments

        p3_segments.report(p3_segments.run(), tps, _row)


if __name__ == "__main__":
    main()
