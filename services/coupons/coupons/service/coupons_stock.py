"""Claim stock in Redis (E2): one atomic Lua script decides whether a holder may get one more
coupon of a template (total stock and per-person limit), so concurrent claims never over-issue;
the database keeps the record (a coupon row and a claim slot row per coupon)."""

from __future__ import annotations

from collections.abc import Callable

import redis as redis_lib

from crmkit.redis_client import Keys

# KEYS: stock (remaining, -1 = unlimited), held (hash holder -> coupons held).
# ARGV: holder, per-person limit. Returns the holder's new count (the claim slot) when reserved;
# 0 sold out, -1 per-person limit reached, -2 stock not loaded, -3 holder not loaded.
RESERVE = """
local stock = redis.call('GET', KEYS[1])
if not stock then return -2 end
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return -3 end
held = tonumber(held)
if held >= tonumber(ARGV[2]) then return -1 end
stock = tonumber(stock)
if stock == 0 then return 0 end
if stock > 0 then redis.call('DECR', KEYS[1]) end
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
"""

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

SOLD_OUT = 0
PER_PERSON = -1
_NO_STOCK = -2
_NO_HOLDER = -3


class ClaimStock:
    def __init__(self, redis: redis_lib.Redis, keys: Keys):
        self.redis = redis
        self.keys = keys
        self._reserve = redis.register_script(RESERVE)
        self._release = redis.register_script(RELEASE)
        self._load_stock = redis.register_script(LOAD_STOCK)
        self._load_holder = redis.register_script(LOAD_HOLDER)

    def _keys(self, template_id: str) -> list[str]:
        return [self.keys("stock", template_id), self.keys("held", template_id)]

    def reserve(
        self,
        template_id: str,
        holder: str,
        per_person_limit: int,
        *,
        remaining: Callable[[], int],
        held: Callable[[], int],
    ) -> int:
        """The claim slot (1..limit) when reserved, else SOLD_OUT or PER_PERSON. `remaining`
        (-1 unlimited) and `held` read the database when Redis has no counters yet."""
        keys = self._keys(template_id)
        for _ in range(3):
            result = int(self._reserve(keys=keys, args=[holder, per_person_limit]))
            if result == _NO_STOCK:
                self._load_stock(keys=keys, args=[remaining()])
            elif result == _NO_HOLDER:
                self._load_holder(keys=keys, args=[holder, held()])
            else:
                return result
        return int(self._reserve(keys=keys, args=[holder, per_person_limit]))

    def release(self, template_id: str, holder: str) -> None:
        self._release(keys=self._keys(template_id), args=[holder])
