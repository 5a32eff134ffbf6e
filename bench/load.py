"""HTTP load generators that record every latency.

Closed loop (`run_load`): N client threads, each sending its next request as soon as the previous
one answers, for a fixed time: the rate it reaches is the system's peak for N clients.

Open loop (`Schedule`, run by bench.keepalive and bench.claims on an event loop): requests are
due at a fixed rate, request k at start + k / rate, whether or not earlier ones have answered; up
to N are in flight at once. A request's latency is counted from when it was due, not from when a
client got round to sending it: a system that falls behind shows it in the latency rather than
slowing the generator down (no coordinated omission)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


@dataclass
class LoadResult:
    ok: int
    failed: int
    seconds: float
    latencies: list[float]
    # Open loop only: the rate requests were due at, how many were sent, and how many left more
    # than LATE after they were due (every client busy: the generator, not the schedule, lagged).
    target_rate: float = 0.0
    issued: int = 0
    late: int = 0

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


# A request sent more than this after it was due counts as late.
LATE = 0.010


@dataclass
class Schedule:
    """When each request of an open-loop run is due: k / rate seconds after the start, for
    `seconds`. `take()` hands out the next (k, due offset), or None once the run's time is up;
    callers serialise it (a lock, or one event loop)."""

    rate: float
    seconds: float
    taken: int = field(default=0, init=False)

    def __post_init__(self):
        if self.rate <= 0 or self.seconds <= 0:
            raise ValueError("an open loop needs a positive rate and duration")

    @property
    def total(self) -> int:
        return int(self.rate * self.seconds)

    def take(self) -> tuple[int, float] | None:
        if self.taken >= self.total:
            return None
        k = self.taken
        self.taken += 1
        return k, k / self.rate


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


class Pacer:
    """When each request of a run on one event loop is due (the loop's clock): a closed loop's
    next request at once until `seconds` are up, or an open loop's `Schedule` at `rate`. One
    event loop thread: the counters need no lock."""

    def __init__(self, loop, seconds: float, rate: float | None):
        self.loop = loop
        self.schedule = Schedule(rate, seconds) if rate else None
        # Open loop: every client waiting before the first request is due.
        self.window_start = loop.time() + (0.05 if self.schedule else 0.0)
        self.window_end = self.window_start + seconds
        self.late = 0
        self._next = 0

    def take(self) -> tuple[int, float] | None:
        """(request number, when it is due), or None when the run is over."""
        if self.schedule is None:
            if self.loop.time() >= self.window_end:
                return None
            n, self._next = self._next, self._next + 1
            return n, self.loop.time()
        slot = self.schedule.take()
        return None if slot is None else (slot[0], self.window_start + slot[1])

    async def wait(self, due: float) -> None:
        """Until `due`; a request whose client was free only later than LATE counts as late."""
        if due > self.loop.time():
            await asyncio.sleep(due - self.loop.time())
        elif self.loop.time() - due > LATE:
            self.late += 1

    @property
    def issued(self) -> int:
        return self.schedule.taken if self.schedule else self._next
