"""Claim stock in Redis (E2): one atomic Lua script decides whether a holder may get one more
coupon of a template (total stock and per-person limit), so concurrent claims never over-issue.
Staff sends and gifts then write their rows in their own transaction (RESERVE); a public claim is
queued for the claim writer by the same script that decides it (CLAIM, ADR 0021)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import redis as redis_lib

from coupons.service.claims_stream import MAX_BACKLOG, ClaimStream, PendingClaim
from crmkit.redis_client import Keys

# KEYS: stock (remaining, -1 = unlimited), held (hash holder -> coupons held), holders loaded
# (set once every holder's count from the database is in `held`: a holder missing from it then
# holds none, so a new phone costs one call, not a database count and two more).
# ARGV: holder, per-person limit. Answers the holder's new count (the claim slot) when reserved;
# 0 sold out, -1 per-person limit reached, -2 stock not loaded, -3 holder not loaded.
_DECIDE = """
local stock = redis.call('GET', KEYS[1])
if not stock then return -2 end
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then
  if redis.call('EXISTS', KEYS[3]) == 0 then return -3 end
  held = 0
end
held = tonumber(held)
if held >= tonumber(ARGV[2]) then return -1 end
stock = tonumber(stock)
if stock == 0 then return 0 end
"""
RESERVE = (
    _DECIDE
    + """if stock > 0 then redis.call('DECR', KEYS[1]) end
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
"""
)

# A public claim: RESERVE and, in the same atomic step, the claim queued for the writer, so a
# claim is counted exactly when it is queued (a Redis restart from its append-only file keeps
# both or neither). KEYS 4 and 5: the claims stream and the hash of codes not yet written.
# ARGV 3: the most unwritten claims allowed (-4 past it), 4: the code, 5: the tenant, 6...: the
# entry's fields as name, value pairs; the slot is added as `seq`.
CLAIM = (
    _DECIDE
    + """if redis.call('XLEN', KEYS[4]) >= tonumber(ARGV[3]) then return -4 end
if stock > 0 then redis.call('DECR', KEYS[1]) end
local slot = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local entry = {'XADD', KEYS[4], '*', 'seq', slot}
for i = 6, #ARGV do entry[#entry + 1] = ARGV[i] end
redis.call(unpack(entry))
redis.call('HSET', KEYS[5], ARGV[4], ARGV[5])
return slot
"""
)

# Undo one reservation whose database write failed.
RELEASE = """
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
if stock >= 0 then redis.call('INCR', KEYS[1]) end
if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) < 0 then redis.call('HSET', KEYS[2], ARGV[1], 0) end
return 1
"""

# First use after a start or a lost Redis: the values come from the database (the record);
# NX, so a concurrent loader never overwrites counters already in use.
LOAD_STOCK = "return redis.call('SET', KEYS[1], ARGV[1], 'NX') and 1 or 0"
LOAD_HOLDER = "return redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])"
# Holders in chunks (ARGV: holder, count, holder, count, ...); the last chunk names the "loaded"
# mark as KEYS[3] and sets it. NX per holder: a count already in use is newer than the database's.
LOAD_HOLDERS = """
for i = 1, #ARGV, 2 do redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) end
if KEYS[3] then redis.call('SET', KEYS[3], 1) end
return 1
"""
# Holders loaded per call of LOAD_HOLDERS, and how long one loader keeps the others off.
LOAD_CHUNK = 5_000
LOADING_SECONDS = 60

SOLD_OUT = 0
PER_PERSON = -1
_NO_STOCK = -2
_NO_HOLDER = -3
BUSY = -4  # too many claims waiting for the writer


class ClaimStock:
    def __init__(self, redis: redis_lib.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._reserve = redis.register_script(RESERVE)
        self._release = redis.register_script(RELEASE)
        self._load_stock = redis.register_script(LOAD_STOCK)
        self._load_holder = redis.register_script(LOAD_HOLDER)
        self._load_holders = redis.register_script(LOAD_HOLDERS)
        self._claim = redis.register_script(CLAIM)
        self.claims = ClaimStream(redis, keys)
        self.max_backlog = MAX_BACKLOG

    def _keys(self, template_id: str) -> list[str]:
        return [self.keys("stock", template_id), self.keys("held", template_id), self.keys("held-loaded", template_id)]

    def reserve(
        self,
        template_id: str,
        holder: str,
        per_person_limit: int,
        *,
        remaining: Callable[[], int],
        held: Callable[[], int],
        all_held: Callable[[], Iterable[tuple[str, int]]],
    ) -> int:
        """The claim slot (1..limit) when reserved, else SOLD_OUT or PER_PERSON. `remaining`
        (-1 unlimited), `all_held` (every holder's count) and `held` (this holder's) read the
        database when Redis has no counters yet: the first caller loads every holder, while it
        does, the others load just their own."""
        return self._decide(
            self._reserve, template_id, [holder, per_person_limit], remaining=remaining, held=held, all_held=all_held
        )

    def claim(
        self,
        claim: PendingClaim,
        per_person_limit: int,
        *,
        remaining: Callable[[], int],
        held: Callable[[], int],
        all_held: Callable[[], Iterable[tuple[str, int]]],
    ) -> int:
        """Like `reserve`, and a reserved claim is queued for the claim writer in the same atomic
        step; BUSY when the writer is too far behind (nothing reserved then)."""
        args = [claim.holder, per_person_limit, self.max_backlog, claim.code, claim.tenant_id, *claim.fields()]
        keys = [self.claims.key, self.claims.pending_key]
        return self._decide(
            self._claim, claim.template_id, args, remaining=remaining, held=held, all_held=all_held, extra_keys=keys
        )

    def _decide(self, script, template_id: str, args: list, *, remaining, held, all_held, extra_keys=()) -> int:
        keys = self._keys(template_id)
        holder = args[0]
        for _ in range(3):
            result = int(script(keys=[*keys, *extra_keys], args=args))
            if result == _NO_STOCK:
                self._load_stock(keys=keys, args=[remaining()])
            elif result == _NO_HOLDER:
                loading = self.keys("held-loading", template_id)
                if self.redis.set(loading, 1, nx=True, ex=LOADING_SECONDS):
                    try:
                        self._load_all(keys, all_held())
                    finally:
                        self.redis.delete(loading)
                else:
                    self._load_holder(keys=keys, args=[holder, held()])
            else:
                return result
        return int(script(keys=[*keys, *extra_keys], args=args))

    def remaining(self, template_id: str) -> int | None:
        """What Redis says is left (-1 unlimited), or None before the counters are loaded."""
        value = self.redis.get(self._keys(template_id)[0])
        return None if value is None else int(value)

    def _load_all(self, keys: list[str], counts: Iterable[tuple[str, int]]) -> None:
        chunk: list = []
        for holder, count in counts:
            chunk += [holder, count]
            if len(chunk) >= 2 * LOAD_CHUNK:
                self._load_holders(keys=keys[:2], args=chunk)
                chunk = []
        # The last call sets the mark: only once every holder is in.
        self._load_holders(keys=keys, args=chunk)

    def release(self, template_id: str, holder: str) -> None:
        self._release(keys=self._keys(template_id), args=[holder])
