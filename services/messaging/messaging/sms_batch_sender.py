"""The loop that sends queued texts in batches (E2 E5, P2; ADR 0021), beside the messaging gRPC
server (crmkit.runtime.serve and the embedded launcher start it through ServiceRuntime.background;
the thread and its backoff are crmkit.batch_loops.BatchLoop's).

Every FLUSH_SECONDS it sends what is queued, in batches of up to MAX_BATCH of one template; a full
batch is followed by the next at once, so a burst goes out at the provider's pace and a lone text
waits at most FLUSH_SECONDS. Replicas share the queue (rows taken with SKIP LOCKED)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from crmkit.batch_loops import BatchLoop
from crmkit.db import Database

from .service.sms_batches import BatchResult, send_queued
from .sms.port import MAX_BATCH, SmsSender, SmsUnavailable

FLUSH_SECONDS = 0.2


class SmsBatchSender(BatchLoop):
    thread_name = "messaging-sms-batches"
    # The batch went back to the queue; the provider or the database is down.
    retry_on = (SmsUnavailable, SQLAlchemyError)
    failure = "queued texts not sent"
    first_backoff = 1.0
    max_backoff = 60.0
    stop_timeout = 10.0

    def __init__(
        self, db: Database, sender: SmsSender, *, batch: int = MAX_BATCH, flush_seconds: float = FLUSH_SECONDS
    ):
        super().__init__()
        self.db = db
        self.sender = sender
        self.batch = batch
        self.flush_seconds = flush_seconds

    def send_once(self) -> BatchResult:
        return send_queued(self.db, self.sender, batch=self.batch)

    def drain(self) -> int:
        """Send until nothing is queued (tests, shutdown); answers the texts taken."""
        total = 0
        while taken := self.send_once().taken:
            total += taken
        return total

    def step(self) -> bool:
        return self.send_once().taken >= self.batch

    def idle_seconds(self) -> float:
        return self.flush_seconds
