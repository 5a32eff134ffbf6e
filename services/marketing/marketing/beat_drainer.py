"""The loop that applies queued reading beats in batches (P7, ADR 0017).

Runs beside the gRPC server (a thread of the server process, started by crmkit.runtime.serve and
by the embedded launcher): every replica joins one Redis consumer group, so each beat goes to one
drainer. A batch is acknowledged only after its transaction commits; a drainer that dies holding
a batch leaves it pending, and any drainer takes it over once it has been idle for CLAIM_IDLE_MS. Applying a batch
twice adds nothing (service.beats), so the hand-over needs no coordination.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import redis
from sqlalchemy.exc import SQLAlchemyError

from crmkit.db import Database
from crmkit.reading_beats import CLAIM_IDLE_MS, BeatStream

from .metrics import BEAT_BACKLOG, BEATS
from .service.beats import BatchResult, apply_beats

log = logging.getLogger(__name__)

BATCH = 500
# A real Redis holds the read open this long when nothing is queued; the in-process stand-in
# answers at once, so an empty read also waits IDLE_SECONDS before the next.
BLOCK_MS = 500
IDLE_SECONDS = 0.05
BACKLOG_EVERY_SECONDS = 5.0
# How often a drainer looks for beats another one abandoned (one XAUTOCLAIM).
TAKE_OVER_EVERY_SECONDS = 5.0


class BeatDrainer:
    def __init__(
        self,
        db: Database,
        stream: BeatStream,
        *,
        consumer: str | None = None,
        batch: int = BATCH,
        claim_idle_ms: int = CLAIM_IDLE_MS,
    ):
        self.db = db
        self.claim_idle_ms = claim_idle_ms
        self.stream = stream
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._grouped = False
        self._took_over_at = float("-inf")

    def drain_once(self, *, block_ms: int = 0) -> BatchResult:
        """Apply what is waiting (one batch; beats another drainer abandoned first). Raises on
        Redis or database errors, leaving the batch pending."""
        if not self._grouped:
            self.stream.ensure_group()
            self._grouped = True
        deliveries = []
        if time.monotonic() - self._took_over_at >= TAKE_OVER_EVERY_SECONDS:
            self._took_over_at = time.monotonic()
            deliveries = self.stream.take_over(self.consumer, count=self.batch, min_idle_ms=self.claim_idle_ms)
        if not deliveries:
            deliveries = self.stream.read(self.consumer, count=self.batch, block_ms=block_ms)
        if not deliveries:
            return BatchResult(0, 0)
        result = apply_beats(self.db, [d.beat for d in deliveries if d.beat is not None])
        self.stream.acknowledge(d.entry_id for d in deliveries)
        result = BatchResult(result.applied, len(deliveries) - result.applied)
        BEATS.labels("applied").inc(result.applied)
        BEATS.labels("dropped").inc(result.dropped)
        return result

    def run(self) -> None:
        backoff, measured_at = 0.5, 0.0
        while not self._stop.is_set():
            try:
                result = self.drain_once(block_ms=BLOCK_MS)
                backoff = 0.5
                if time.monotonic() - measured_at >= BACKLOG_EVERY_SECONDS:
                    measured_at = time.monotonic()
                    BEAT_BACKLOG.set(self.stream.backlog())
            except (redis.RedisError, SQLAlchemyError):
                # Nothing is acknowledged: the batch stays pending and is taken over again.
                log.exception("reading beats not applied; retrying in %.1f s", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not result.applied + result.dropped:
                self._stop.wait(IDLE_SECONDS)

    def start(self) -> BeatDrainer:
        self._thread = threading.Thread(target=self.run, name="marketing-beat-drainer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
