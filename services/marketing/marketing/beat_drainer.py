"""The loop that applies queued reading beats in batches (P7, ADR 0017), on crmkit.batch_loops.

Runs beside the gRPC server (a thread of the server process, started by crmkit.runtime.serve and
by the embedded launcher): every replica joins one Redis consumer group, so each beat goes to one
drainer. A batch is acknowledged only after its transaction commits; a drainer that dies holding
a batch leaves it pending, and any drainer takes it over once it has been idle for CLAIM_IDLE_MS.
Applying a batch twice adds nothing (service.beats), so the hand-over needs no coordination.
"""

from __future__ import annotations

import redis
from sqlalchemy.exc import SQLAlchemyError

from crmkit.batch_loops import Pace, StreamBatchLoop
from crmkit.db import Database
from crmkit.reading_beats import CLAIM_IDLE_MS, BeatStream, Delivery

from .metrics import BEAT_BACKLOG, BEATS
from .service.beats import BatchResult, apply_beats

BATCH = 500
# A real Redis holds the read open this long when nothing is queued; the in-process stand-in
# answers at once, so an empty read also waits IDLE_SECONDS before the next.
BLOCK_MS = 500
IDLE_SECONDS = 0.05
BACKLOG_EVERY_SECONDS = 5.0
# How often a drainer looks for beats another one abandoned (one XAUTOCLAIM).
TAKE_OVER_EVERY_SECONDS = 5.0


class BeatDrainer(StreamBatchLoop[Delivery]):
    stream: BeatStream
    thread_name = "marketing-beat-drainer"
    # Nothing is acknowledged then: the batch stays pending and is taken over again.
    retry_on = (redis.RedisError, SQLAlchemyError)
    failure = "reading beats not applied"
    backlog_gauge = BEAT_BACKLOG

    def __init__(
        self,
        db: Database,
        stream: BeatStream,
        *,
        consumer: str | None = None,
        batch: int = BATCH,
        claim_idle_ms: int = CLAIM_IDLE_MS,
    ):
        super().__init__(stream, consumer=consumer, batch=batch, claim_idle_ms=claim_idle_ms)
        self.db = db

    def pace(self) -> Pace:
        # Read at every step, so that this module's constants, set by a test, take effect.
        return Pace(BLOCK_MS, IDLE_SECONDS, BACKLOG_EVERY_SECONDS, TAKE_OVER_EVERY_SECONDS)

    def drain_once(self, *, block_ms: int = 0) -> BatchResult:
        """Apply what is waiting (one batch; beats another drainer abandoned first). Raises on
        Redis or database errors, leaving the batch pending."""
        deliveries = self.take(block_ms=block_ms)
        if not deliveries:
            return BatchResult(0, 0)
        result = apply_beats(self.db, [d.beat for d in deliveries if d.beat is not None])
        self.stream.acknowledge(d.entry_id for d in deliveries)
        result = BatchResult(result.applied, len(deliveries) - result.applied)
        BEATS.labels("applied").inc(result.applied)
        BEATS.labels("dropped").inc(result.dropped)
        return result

    def batch_once(self, *, block_ms: int) -> int:
        result = self.drain_once(block_ms=block_ms)
        return result.applied + result.dropped
