"""How `make bench` prints P1 and P2 (issue 16): each at its peak and at half the peak rate side
by side, the ratios against the goals, and the CPU each process spent per request in each run.
Pure formatting and arithmetic, tested in bench/tests."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bench.cpu import LOAD, MACHINE, POSTGRES, POSTGRES_EXITED, REDIS, SESSIONS
from bench.load import LoadResult

# Issue 16's goals, as ratios to the baselines measured in the same run.
P1_RATIO, P1_P99 = 0.10, 0.100  # of pgbench TPS; p99 at half the peak rate, seconds
P2_RATIO, P2_P99 = 0.02, 0.250  # of redis-benchmark EVALSHA ops/s; p99 at half the peak, seconds

LABEL = 44
COLUMN = 14


def line(label: str, *values: str) -> str:
    return f"{label:<{LABEL}}" + "".join(f"{v:>{COLUMN}}" for v in values)


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def half_rate(peak: LoadResult) -> float:
    """The open-loop rate of the second run: half of what the closed loop reached."""
    return peak.rate / 2


@dataclass(frozen=True)
class Run:
    """One measurement window: its load result and CPU per request of every part (ms)."""

    name: str  # column heading: "peak", "half"
    result: LoadResult
    clients: int
    cpu: Mapping[str, float]


def load_table(title: str, runs: list[Run], baseline: float) -> list[str]:
    out = [line(title, *(r.name for r in runs))]
    out.append(line("  load", *(_how(r) for r in runs)))
    out.append(line("  answered OK per second", *(f"{r.result.rate:.1f}" for r in runs)))
    out.append(
        line("  ratio of the peak to the baseline", f"{runs[0].result.rate / baseline:.4f}" if baseline else "-")
    )
    latencies = (f"{ms(r.result.p50)} / {ms(r.result.percentile(99))}" for r in runs)
    out.append(line("  latency p50 / p99 (ms)", *latencies))
    out.append(line("  failed", *(str(r.result.failed) for r in runs)))
    out.append(line("  sent late (open loop: no client free)", *(_late(r) for r in runs)))
    return out


def _how(run: Run) -> str:
    result = run.result
    if result.target_rate:
        return f"{result.target_rate:.1f}/s due"
    return f"{run.clients} clients"


def _late(run: Run) -> str:
    return f"{run.result.late} of {run.result.issued}" if run.result.target_rate else "-"


# Shared servers and totals go last, in this order; the cluster's own processes first, by name.
_LAST = (POSTGRES, POSTGRES_EXITED, REDIS, LOAD, MACHINE, SESSIONS)


def cpu_table(runs: list[Run], idle: Mapping[str, float]) -> list[str]:
    """CPU per answered request (ms) of every part in every run, the shared servers' less their
    idle rate, and that idle rate (ms of CPU per second) beside them."""
    names = sorted({n for r in runs for n in r.cpu} - set(_LAST)) + [n for n in _LAST if any(n in r.cpu for r in runs)]
    out = [line("CPU per request (ms), shared: less idle", *(r.name for r in runs), "idle ms/s")]
    for name in names:
        per_run = [r.cpu.get(name, float("nan")) for r in runs]
        idle_rate = "-" if name == SESSIONS else f"{idle.get(name, 0.0) * 1000:.1f}"
        if name == SESSIONS:
            out.append(line("  new PostgreSQL sessions per request", *(f"{v:.3f}" for v in per_run), idle_rate))
        else:
            out.append(line(f"  {name}"[:LABEL], *(f"{v:.2f}" for v in per_run), idle_rate))
    return out


def p1_goal(peak: LoadResult, half: LoadResult, tps: float) -> str:
    ratio = peak.rate / tps if tps else 0.0
    p99 = half.percentile(99)
    met = ratio >= P1_RATIO and p99 < P1_P99
    return (
        f"P1 goal: ratio >= {P1_RATIO:.2f} of pgbench ({ratio:.4f}) and p99 < {P1_P99 * 1000:.0f} ms at half the peak "
        f"({ms(p99)} ms) - {'met' if met else 'NOT met'}"
    )


def p2_goal(peak: LoadResult, half: LoadResult, ops: float, recorded: int, answered: int) -> str:
    ratio = peak.rate / ops if ops else 0.0
    p99 = half.percentile(99)
    exact = recorded == answered
    met = ratio >= P2_RATIO and p99 < P2_P99 and exact
    return (
        f"P2 goal: ratio >= {P2_RATIO:.2f} of EVALSHA ({ratio:.4f}), p99 < {P2_P99 * 1000:.0f} ms at half the peak "
        f"({ms(p99)} ms), never over-issued ({recorded} coupons / {answered} answers) - {'met' if met else 'NOT met'}"
    )
