"""The claim writer as a process of its own, for the kill -9 tests (ADR 0021): the same
ClaimWriter loop the coupons server runs beside its gRPC server, nothing else.

Settings from the environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX, CONSUMER, CLAIM_IDLE_MS,
BATCH. With STALL_AT the process stops at one point of its first batch and waits to be killed,
after touching STALL_FILE: `before_commit` (every row inserted, the transaction still open) or
`after_commit` (committed, not yet acknowledged in Redis). The points are hooked from here, so
the writer's code is the server's, unchanged."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from sqlalchemy import event

from coupons.claims_writer import ClaimWriter
from coupons.models import Outbox, ProcessedEvent
from coupons.service.claims_stream import ClaimStream
from crmkit.db import Database
from crmkit.redis_client import Keys, make_redis


def stall() -> None:
    Path(os.environ["STALL_FILE"]).write_text(str(os.getpid()))
    while True:
        time.sleep(60)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    db = Database(os.environ["DATABASE_URL"], service="coupons", outbox=Outbox, processed=ProcessedEvent, pool_size=2)
    stream = ClaimStream(make_redis(os.environ["REDIS_URL"]), Keys(os.environ["REDIS_PREFIX"], "coupons"))
    stall_at = os.environ.get("STALL_AT", "")
    if stall_at == "before_commit":
        # The engine's "commit" event fires before COMMIT is sent: the batch's rows are inserted.
        event.listen(db.engine, "commit", lambda conn: stall())
    elif stall_at == "after_commit":
        stream.acknowledge = lambda deliveries: stall()
    writer = ClaimWriter(
        db,
        stream,
        consumer=os.environ["CONSUMER"],
        batch=int(os.environ.get("BATCH", "100")),
        claim_idle_ms=int(os.environ.get("CLAIM_IDLE_MS", "1000")),
    )
    writer.run()


if __name__ == "__main__":
    main()
