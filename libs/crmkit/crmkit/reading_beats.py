"""Reading beats on their way from the gateway to the marketing service (D2, P7, ADR 0017).

A reader's page sends a beat every few seconds; one database transaction per beat would cap the
platform at the database's write rate. The gateway appends each beat to one Redis stream and
answers at once; marketing's drainer reads the stream in batches through a consumer group and
applies a batch in one transaction, then acknowledges it. A beat carries running totals (the
view's visible seconds and link clicks so far), so a beat applied twice (a drainer killed between
its commit and its acknowledgement) changes nothing the second time, and a beat lost in a
backlog trimmed under MAX_LENGTH is covered by the reader's next one.

A beat's time is its stream id's milliseconds: Redis's clock when the gateway appended it, not
when a drainer got to it, so a backlog does not change what a beat may add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from crmkit.batch_loops import GroupStream, make_deliveries, text
from crmkit.redis_client import Keys

NAMESPACE = "marketing"
GROUP = "beat-drainers"
# A drainer stopped for a long while must not grow Redis without bound: beyond this the oldest
# beats go (each reader's newer beats still carry their totals).
MAX_LENGTH = 500_000
# A beat read by a drainer that died unacknowledged is taken over after this long.
CLAIM_IDLE_MS = 30_000


@dataclass(frozen=True)
class Beat:
    view_id: str
    visitor_key: str
    seconds: int
    clicks: int
    # Redis's time when the beat arrived.
    at: datetime


@dataclass(frozen=True)
class Delivery:
    """A beat as a drainer received it: acknowledge `entry_id` once it is applied (or refused)."""

    entry_id: str
    beat: Beat | None  # None: an entry that does not parse, acknowledged and dropped


class BeatStream(GroupStream[Delivery]):
    """The beats stream and its drainers' consumer group (reading, take-over and backlog are
    crmkit.batch_loops.GroupStream's). An entry that does not parse is acknowledged with its
    batch and dropped: the reader's next beat carries the same totals."""

    group = GROUP
    claim_idle_ms = CLAIM_IDLE_MS

    def __init__(self, client: redis.Redis, prefix: str, *, max_length: int = MAX_LENGTH):
        super().__init__(client, Keys(prefix, NAMESPACE)("beats"))
        self.max_length = max_length

    def append(self, view_id: str, visitor_key: str, seconds: int, clicks: int) -> str:
        """One round trip; raises redis.RedisError when Redis cannot take it."""
        fields = {"v": view_id, "k": visitor_key, "s": seconds, "c": clicks}
        return text(self._redis.xadd(self.key, fields, maxlen=self.max_length, approximate=True))

    def _deliveries(self, entries) -> list[Delivery]:
        return _deliveries(entries)

    def acknowledge(self, entry_ids: Iterable[str]) -> None:
        """Done with these: acknowledged and deleted in one round trip (an acknowledged entry is
        kept by a stream until trimmed; deleting keeps memory at the backlog's size)."""
        ids = list(entry_ids)
        if not ids:
            return
        pipe = self._redis.pipeline(transaction=False)
        pipe.xack(self.key, GROUP, *ids)
        pipe.xdel(self.key, *ids)
        pipe.execute()


def _deliveries(entries) -> list[Delivery]:
    return make_deliveries(entries, lambda entry_id, fields: Delivery(entry_id, _beat(entry_id, fields)))


def _beat(entry_id: str, fields) -> Beat | None:
    try:
        fields = {text(k): text(v) for k, v in fields.items()}
        millis = int(entry_id.split("-", 1)[0])
        return Beat(
            view_id=fields["v"],
            visitor_key=fields["k"],
            seconds=int(fields["s"]),
            clicks=int(fields["c"]),
            at=datetime.fromtimestamp(millis / 1000, tz=UTC),
        )
    except (KeyError, ValueError):
        return None
