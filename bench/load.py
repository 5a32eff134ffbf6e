"""A closed-loop HTTP load generator: N client threads, each sending its next request as soon as
the previous one answers, for a fixed time; records every latency."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests


@dataclass
class LoadResult:
    ok: int
    failed: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


def run_load(send: Callable[[requests.Session, int], bool], *, clients: int, seconds: float) -> LoadResult:
    """`send(session, n)` performs request number n of its thread and says whether it succeeded."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}

    def worker(index: int) -> None:
        session = requests.Session()
        n = 0
        local, ok, failed = [], 0, 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            success = send(session, index * 1_000_000 + n)
            local.append(time.perf_counter() - start)
            ok, failed = (ok + 1, failed) if success else (ok, failed + 1)
            n += 1
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["failed"] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(counts["ok"], counts["failed"], time.monotonic() - started, latencies)
