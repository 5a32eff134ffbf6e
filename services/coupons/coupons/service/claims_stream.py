"""Claims on their way from the answer to the database (E2, P2, ADR 0021).

A public claim is decided and queued in one atomic Redis script (coupons_stock.CLAIM): the stock
and per-person counters move and the claim is appended to one stream, `{prefix}coupons:claims`,
with everything the record needs (claim id = coupon id, code, holder, slot, validity), and its
code is noted in a hash of codes not yet written, so a lookup can answer "not yet" instead of
"unknown". The claim writer (coupons.claims_writer) reads the stream in batches through a
consumer group, writes each batch in one transaction, then acknowledges and deletes the entries
and their codes. Nothing trims the stream: an entry leaves it only once its claim is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import redis

from crmkit.batch_loops import GroupStream, make_deliveries, text
from crmkit.redis_client import Keys

GROUP = "claim-writers"
# A batch read by a writer that died unacknowledged is taken over after this long.
CLAIM_IDLE_MS = 30_000
# A writer down for long must not fill Redis (it runs with noeviction, ADR 0021): past this many
# unwritten claims, new claims are refused as "busy, try again" rather than queued.
MAX_BACKLOG = 1_000_000


@dataclass(frozen=True)
class PendingClaim:
    """One claim answered to its holder and not yet known to be written. `id` is the coupon's id;
    `seq` the holder's claim slot the script gave (0 before the script ran)."""

    id: str
    tenant_id: str
    template_id: str
    template_name: str
    holder: str
    phone: str
    code: str
    claimed_at: datetime
    valid_from: datetime
    valid_until: datetime
    channel: str
    seq: int = 0
    request_id: str = ""

    def fields(self) -> list[str]:
        """The stream entry's fields as name, value pairs (the script adds `seq`)."""
        return [
            "id", self.id, "t", self.tenant_id, "tp", self.template_id, "tn", self.template_name,
            "h", self.holder, "ph", self.phone, "c", self.code, "ch", self.channel,
            "at", self.claimed_at.isoformat(), "vf", self.valid_from.isoformat(),
            "vu", self.valid_until.isoformat(), "r", self.request_id,
        ]  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    """An entry as a writer received it: acknowledge `entry_id` once its claim is written (or
    refused). `claim` is None for an entry this writer cannot parse: never acknowledged by it."""

    entry_id: str
    claim: PendingClaim | None


class ClaimStream(GroupStream[Delivery]):
    """The claims stream and its writers' consumer group (reading, take-over and backlog are
    crmkit.batch_loops.GroupStream's). Unlike a reading beat, an entry that does not parse is
    never acknowledged: it is a claim already answered, left pending for a writer that can read
    it."""

    group = GROUP
    claim_idle_ms = CLAIM_IDLE_MS

    def __init__(self, client: redis.Redis, keys: Keys):
        super().__init__(client, keys("claims"))
        # code -> tenant id, for each claim in the stream: "not yet written" rather than "unknown".
        self.pending_key = keys("claims-pending")

    def _deliveries(self, entries) -> list[Delivery]:
        return _deliveries(entries)

    def acknowledge(self, deliveries: Iterable[Delivery]) -> None:
        """Written: acknowledged, deleted and their codes forgotten in one round trip, all or
        none (MULTI: a writer killed mid-send leaves no entry acknowledged and not deleted)."""
        deliveries = [d for d in deliveries if d.claim is not None]
        if not deliveries:
            return
        ids = [d.entry_id for d in deliveries]
        codes = [d.claim.code for d in deliveries]
        pipe = self._redis.pipeline(transaction=True)
        pipe.xack(self.key, GROUP, *ids)
        pipe.xdel(self.key, *ids)
        pipe.hdel(self.pending_key, *codes)
        pipe.execute()

    def pending_tenant(self, code: str) -> str | None:
        """The tenant of a claimed code whose coupon is not written yet, else None."""
        return self._redis.hget(self.pending_key, code)

    def unwritten(self, template_id: str) -> list[PendingClaim]:
        """Every claim of a template still in the stream (written or not: a writer may have
        committed and not yet deleted it). Read when counters are reloaded, which is rare."""
        found, start = [], "-"
        while True:
            entries = self._redis.xrange(self.key, min=start, count=5_000)
            for d in _deliveries(entries):
                if d.claim is not None and d.claim.template_id == template_id:
                    found.append(d.claim)
            if len(entries) < 5_000:
                return found
            start = "(" + text(entries[-1][0])


def durability_problems(client: redis.Redis) -> list[str]:
    """What keeps this Redis from holding answered claims safely (ADR 0021): an append-only
    file fsynced on every write, and no eviction. Empty when all is well."""
    persistence, memory = client.info("persistence"), client.info("memory")
    problems = []
    if int(persistence.get("aof_enabled", 0)) != 1:
        problems.append("appendonly is off: a Redis restart loses the claims not yet written")
    try:
        fsync = client.config_get("appendfsync").get("appendfsync")
    except redis.ResponseError:  # managed services may refuse CONFIG; nothing to add then
        fsync = None
    if fsync not in (None, "always"):
        problems.append(f"appendfsync is {fsync}: a crash may lose the last seconds of answered claims")
    if memory.get("maxmemory_policy", "noeviction") != "noeviction":
        problems.append(f"maxmemory-policy is {memory['maxmemory_policy']}: evicted counters or claims are lost")
    return problems


def _deliveries(entries) -> list[Delivery]:
    return make_deliveries(entries, lambda entry_id, fields: Delivery(entry_id, _claim(fields)))


def _claim(fields) -> PendingClaim | None:
    try:
        f = {text(k): text(v) for k, v in fields.items()}
        return PendingClaim(
            id=f["id"],
            tenant_id=f["t"],
            template_id=f["tp"],
            template_name=f["tn"],
            holder=f["h"],
            phone=f["ph"],
            code=f["c"],
            claimed_at=datetime.fromisoformat(f["at"]),
            valid_from=datetime.fromisoformat(f["vf"]),
            valid_until=datetime.fromisoformat(f["vu"]),
            channel=f["ch"],
            seq=int(f["seq"]),
            request_id=f.get("r", ""),
        )
    except (KeyError, ValueError):
        return None
