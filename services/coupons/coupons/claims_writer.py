"""The loop that writes queued claims in batches (E2 P2, ADR 0021), built like marketing's beat
drainer (ADR 0017) on crmkit.batch_loops.

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

import redis
from sqlalchemy.exc import SQLAlchemyError

from coupons.metrics import CLAIM_BACKLOG, CLAIMS_WRITTEN
from coupons.service.claims_record import Recorded, record_claims
from coupons.service.claims_stream import CLAIM_IDLE_MS, ClaimStream, Delivery
from crmkit.batch_loops import Pace, StreamBatchLoop
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


class ClaimWriter(StreamBatchLoop[Delivery]):
    stream: ClaimStream
    thread_name = "coupons-claim-writer"
    # Nothing is acknowledged then: the batch stays pending and is taken over again.
    retry_on = (redis.RedisError, SQLAlchemyError)
    failure = "claims not written"
    backlog_gauge = CLAIM_BACKLOG

    def __init__(
        self,
        db: Database,
        stream: ClaimStream,
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

    def write_once(self, *, block_ms: int = 0) -> Recorded:
        """Write what is waiting (one batch; claims another writer abandoned first). Raises on
        Redis or database errors, leaving the batch pending."""
        deliveries = self.take(block_ms=block_ms)
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

    def batch_once(self, *, block_ms: int) -> int:
        return self.write_once(block_ms=block_ms).handled

    def drain(self) -> int:
        """Write until nothing is waiting (tests, shutdown); answers the claims written."""
        total = 0
        while True:
            result = self.write_once()
            if not result.handled:
                return total
            total += result.written
