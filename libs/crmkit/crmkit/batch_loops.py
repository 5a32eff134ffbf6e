"""Loops that run beside a gRPC server and do queued work in batches, and the Redis streams some
of them read through a consumer group (ADR 0017, ADR 0021).

A request that only queues its work answers at once; a thread of the same server process
(started by crmkit.runtime.serve and by the embedded launcher through ServiceRuntime.background)
does the work later, many items in one database transaction, so the platform is not held to one
transaction per request.

- BatchLoop is the thread: one batch after another, a pause when nothing more waits, and a
  growing pause while a dependency is down. Messaging's SMS batch sender uses it as it is (its
  queue is a table).
- GroupStream and StreamBatchLoop add the Redis side, shared by marketing's beat drainer
  (ADR 0017) and coupons' claim writer (ADR 0021): every replica joins one consumer group, so each
  entry goes to one loop. A batch is acknowledged only after its transaction commits; a loop that
  dies holding a batch leaves it pending, and any loop takes it over once it has been idle for
  `claim_idle_ms`. Each service's batch step changes nothing when it handles a batch twice, so
  the hand-over needs no coordination.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar

import redis
from prometheus_client import Gauge

D = TypeVar("D")


class BatchLoop:
    """A thread that handles one batch after another until stopped. A subclass gives `step` and
    `idle_seconds`, and names in `retry_on` the errors that mean a dependency is down: those are
    logged and the loop waits, twice as long each time up to `max_backoff`, rather than spin
    against a database, Redis or provider that is down. Any other error ends the thread: a bug,
    not an outage."""

    thread_name: ClassVar[str] = "batch-loop"
    retry_on: ClassVar[tuple[type[BaseException], ...]] = ()
    # Logged as "<failure>; retrying in <backoff> s".
    failure: ClassVar[str] = "batch not handled"
    first_backoff: ClassVar[float] = 0.5
    max_backoff: ClassVar[float] = 30.0
    stop_timeout: ClassVar[float] = 5.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> bool:
        """Handle one batch; True when more may be waiting, so the next step follows at once."""
        raise NotImplementedError

    def idle_seconds(self) -> float:
        """The pause after a step that left nothing waiting."""
        raise NotImplementedError

    def run(self) -> None:
        # Logged under the subclass's module, where its operators look for it.
        log = logging.getLogger(type(self).__module__)
        backoff = self.first_backoff
        while not self._stop.is_set():
            try:
                busy = self.step()
            except self.retry_on:
                log.exception("%s; retrying in %.1f s", self.failure, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = self.first_backoff
            if not busy:
                self._stop.wait(self.idle_seconds())

    def start(self) -> Self:
        self._stop.clear()  # a loop stopped and started again runs again
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(self.stop_timeout if timeout is None else timeout)


class GroupStream(Generic[D]):
    """A Redis stream read in batches through one consumer group. A subclass names its `group` and
    `claim_idle_ms` (how long an entry read and never acknowledged waits before another consumer
    may take it over), makes its deliveries (`_deliveries`, usually through `make_deliveries`), and
    gives its own `acknowledge`: what goes with an acknowledgement, and whether an entry that
    does not parse is acknowledged at all, is the subclass's to say."""

    group: ClassVar[str]
    claim_idle_ms: ClassVar[int]

    def __init__(self, client: redis.Redis, key: str):
        self._redis = client
        self.key = key

    def _deliveries(self, entries: Iterable) -> list[D]:
        """Entries as XREADGROUP and XAUTOCLAIM answer them, as this stream's deliveries."""
        raise NotImplementedError

    def ensure_group(self) -> None:
        try:
            # From the stream's start: entries added before the group's first consumer ran count too.
            self._redis.xgroup_create(self.key, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # BUSYGROUP: another consumer created it first
                raise

    def read(self, consumer: str, *, count: int, block_ms: int) -> list[D]:
        """New entries for this consumer, oldest first; waits up to `block_ms` on a real Redis when
        none are queued (0: answers at once; Redis's own BLOCK 0 would wait for ever)."""
        reply = self._redis.xreadgroup(self.group, consumer, {self.key: ">"}, count=count, block=block_ms or None)
        return self._deliveries(reply[0][1] if reply else [])

    def take_over(self, consumer: str, *, count: int, min_idle_ms: int | None = None) -> list[D]:
        """Entries another consumer read and never acknowledged (it died) for `min_idle_ms`
        (default `claim_idle_ms`), now this consumer's."""
        idle = self.claim_idle_ms if min_idle_ms is None else min_idle_ms
        reply = self._redis.xautoclaim(self.key, self.group, consumer, min_idle_time=idle, count=count)
        return self._deliveries(reply[1])

    def backlog(self) -> int:
        """Entries in the stream: waiting, being handled, or handled and not yet deleted."""
        return int(self._redis.xlen(self.key))


def make_deliveries(entries: Iterable, make: Callable[[str, Mapping], D]) -> list[D]:
    """Each entry made a delivery from its id (as text) and its fields. An entry deleted after it
    was read may come back from XAUTOCLAIM without fields (before Redis 7): nothing to deliver."""
    return [make(text(entry_id), fields) for entry_id, fields in entries if fields]


def text(value: Any) -> str:
    """A value as a client with or without decode_responses answers it, as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Pace:
    """A stream loop's timing."""

    # A real Redis holds an empty read open this long (an entry arriving ends the wait at once).
    block_ms: int
    # The in-process stand-in answers an empty read at once: the pause before the next read.
    idle_seconds: float
    # Between two readings of the backlog gauge.
    backlog_every: float
    # Between two looks for entries another consumer abandoned (one XAUTOCLAIM each).
    take_over_every: float


class StreamBatchLoop(BatchLoop, Generic[D]):
    """A BatchLoop that takes its batches from a GroupStream. A subclass gives `pace` and
    `batch_once`, its service's step: take a batch (`take`), handle it in one transaction, and
    only then acknowledge it; raising instead leaves the batch pending for a take-over."""

    # Set to the stream's backlog every `Pace.backlog_every` seconds (None: not measured).
    backlog_gauge: ClassVar[Gauge | None] = None

    def __init__(self, stream: GroupStream[D], *, consumer: str | None, batch: int, claim_idle_ms: int):
        super().__init__()
        self.stream = stream
        # One consumer a process: a restarted process joins as a new one, and any consumer takes
        # over what the old one held once it has been idle for claim_idle_ms.
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self._grouped = False
        self._took_over_at = float("-inf")
        self._measured_at = float("-inf")

    def pace(self) -> Pace:
        raise NotImplementedError

    def batch_once(self, *, block_ms: int) -> int:
        """One batch taken, handled and acknowledged; answers how many entries it handled (0: none
        were waiting)."""
        raise NotImplementedError

    def take(self, *, block_ms: int) -> list[D]:
        """The next batch: entries another consumer abandoned, looked for every
        `Pace.take_over_every` seconds, else new ones (waiting up to `block_ms` for them)."""
        if not self._grouped:
            self.stream.ensure_group()
            self._grouped = True
        if time.monotonic() - self._took_over_at >= self.pace().take_over_every:
            self._took_over_at = time.monotonic()
            taken = self.stream.take_over(self.consumer, count=self.batch, min_idle_ms=self.claim_idle_ms)
            if taken:
                return taken
        return self.stream.read(self.consumer, count=self.batch, block_ms=block_ms)

    def step(self) -> bool:
        pace = self.pace()
        handled = self.batch_once(block_ms=pace.block_ms)
        if self.backlog_gauge is not None and time.monotonic() - self._measured_at >= pace.backlog_every:
            self._measured_at = time.monotonic()
            self.backlog_gauge.set(self.stream.backlog())
        return handled > 0

    def idle_seconds(self) -> float:
        return self.pace().idle_seconds
