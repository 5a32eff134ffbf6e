"""The loop that sends queued texts in batches (E2 E5, P2; ADR 0021), beside the messaging gRPC
server (crmkit.runtime.serve and the embedded launcher start it through ServiceRuntime.background).

Every FLUSH_SECONDS it sends what is queued, in batches of up to MAX_BATCH of one template; a full
batch is followed by the next at once, so a burst goes out at the provider's pace and a lone text
waits at most FLUSH_SECONDS. Replicas share the queue (rows taken with SKIP LOCKED)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from crmkit.db import Database

from .service.sms_batches import BatchResult, send_queued
from .sms.port import MAX_BATCH, SmsSender, SmsUnavailable

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2


class SmsBatchSender:
    def __init__(
        self, db: Database, sender: SmsSender, *, batch: int = MAX_BATCH, flush_seconds: float = FLUSH_SECONDS
    ):
        self.db = db
        self.sender = sender
        self.batch = batch
        self.flush_seconds = flush_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send_once(self) -> BatchResult:
        return send_queued(self.db, self.sender, batch=self.batch)

    def drain(self) -> int:
        """Send until nothing is queued (tests, shutdown); answers the texts taken."""
        total = 0
        while taken := self.send_once().taken:
            total += taken
        return total

    def run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                result = self.send_once()
                backoff = 1.0
            except (SmsUnavailable, SQLAlchemyError):
                # The batch went back to the queue; the provider or the database is down.
                log.exception("queued texts not sent; retrying in %.0f s", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if result.taken < self.batch:
                self._stop.wait(self.flush_seconds)

    def start(self) -> SmsBatchSender:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="messaging-sms-batches", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
