"""The loop that writes queued claims in batches (E2 P2, ADR 0021), built like marketing's beat
drainer (ADR 0017).

Runs beside the gRPC server (a thread of the server process, started by crmkit.runtime.serve and
by the embedded launcher): every replica joins one Redis consumer group, so each claim goes to
one writer. A batch is acknowledged only after its transaction commits; a writer that dies
holding a batch leaves it pending, and any writer takes it over once it has been idle for
CLAIM_IDLE_MS. Writing a batch twice writes nothing twice (service.claims_record), so the
hand-over needs no coordination.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time

import redis
from sqlalchemy.exc import SQLAlchemyError

from coupons.metrics import CLAIM_BACKLOG, CLAIMS_WRITTEN
from coupons.service.claims_record import Recorded, record_claims
from coupons.service.claims_stream import CLAIM_IDLE_MS, ClaimStream
from crmkit.db import Database

log = logging.getLogger(__name__)

BATCH = 500
# A real Redis holds the read open this long when nothing is queued (a claim arriving ends the
# wait at once); the in-process stand-in answers at once, so an empty read waits IDLE_SECONDS.
BLOCK_MS = 500
IDLE_SECONDS = 0.05
BACKLOG_EVERY_SECONDS = 5.0
# How often a writer looks for claims another one abandoned (one XAUTOCLAIM).
TAKE_OVER_EVERY_SECONDS = 5.0


class ClaimWriter:
    def __init__(
        self,
        db: Database,
        stream: ClaimStream,
        *,
        consumer: str | None = None,
        batch: int = BATCH,
        claim_idle_ms: int = CLAIM_IDLE_MS,
    ):
        self.db = db
        self.stream = stream
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._grouped = False
        self._took_over_at = float("-inf")

    def write_once(self, *, block_ms: int = 0) -> Recorded:
        """Write what is waiting (one batch; claims another writer abandoned first). Raises on
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
            return Recorded()
        readable = [d for d in deliveries if d.claim is not None]
        unreadable = len(deliveries) - len(readable)
        if unreadable:
            # Answered claims all the same (a writer older than the server that queued them,
            # during a rolling upgrade): left pending for a writer that can read them.
            log.error("%d queued claims this writer cannot read; left pending", unreadable)
        result = dataclasses.replace(record_claims(self.db, [d.claim for d in readable]), unreadable=unreadable)
        self.stream.acknowledge(readable)
        CLAIMS_WRITTEN.labels("written").inc(result.written)
        CLAIMS_WRITTEN.labels("already").inc(result.already)
        CLAIMS_WRITTEN.labels("refused").inc(result.refused)
        CLAIMS_WRITTEN.labels("unreadable").inc(unreadable)
        return result

    def drain(self) -> int:
        """Write until nothing is waiting (tests, shutdown); answers the claims written."""
        total = 0
        while True:
            result = self.write_once()
            if not result.handled:
                return total
            total += result.written

    def run(self) -> None:
        backoff, measured_at = 0.5, 0.0
        while not self._stop.is_set():
            try:
                result = self.write_once(block_ms=BLOCK_MS)
                backoff = 0.5
                if time.monotonic() - measured_at >= BACKLOG_EVERY_SECONDS:
                    measured_at = time.monotonic()
                    CLAIM_BACKLOG.set(self.stream.backlog())
            except (redis.RedisError, SQLAlchemyError):
                # Nothing is acknowledged: the batch stays pending and is taken over again.
                log.exception("claims not written; retrying in %.1f s", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not result.handled:
                self._stop.wait(IDLE_SECONDS)

    def start(self) -> ClaimWriter:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="coupons-claim-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
