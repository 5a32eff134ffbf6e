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


class BeatStream:
    def __init__(self, client: redis.Redis, prefix: str, *, max_length: int = MAX_LENGTH):
        self._redis = client
        self.key = Keys(prefix, NAMESPACE)("beats")
        self.max_length = max_length

    def append(self, view_id: str, visitor_key: str, seconds: int, clicks: int) -> str:
        """One round trip; raises redis.RedisError when Redis cannot take it."""
        fields = {"v": view_id, "k": visitor_key, "s": seconds, "c": clicks}
        return _text(self._redis.xadd(self.key, fields, maxlen=self.max_length, approximate=True))

    def ensure_group(self) -> None:
        try:
            # From the stream's start: beats appended before the first drainer ever ran count too.
            self._redis.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, consumer: str, *, count: int, block_ms: int) -> list[Delivery]:
        """New beats for this consumer, oldest first; waits up to `block_ms` on a real Redis when
        none are queued (0: answers at once; Redis's own BLOCK 0 would wait for ever)."""
        reply = self._redis.xreadgroup(GROUP, consumer, {self.key: ">"}, count=count, block=block_ms or None)
        return _deliveries(reply[0][1] if reply else [])

    def take_over(self, consumer: str, *, count: int, min_idle_ms: int = CLAIM_IDLE_MS) -> list[Delivery]:
        """Beats another drainer read and never acknowledged (it died), now this consumer's."""
        reply = self._redis.xautoclaim(self.key, GROUP, consumer, min_idle_time=min_idle_ms, count=count)
        return _deliveries(reply[1])

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

    def backlog(self) -> int:
        return int(self._redis.xlen(self.key))


def _deliveries(entries) -> list[Delivery]:
    return [Delivery(_text(entry_id), _beat(_text(entry_id), fields)) for entry_id, fields in entries if fields]


def _beat(entry_id: str, fields) -> Beat | None:
    try:
        fields = {_text(k): _text(v) for k, v in fields.items()}
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


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
