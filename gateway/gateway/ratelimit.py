"""Fixed-window rate limits in Redis, shared by every gateway replica.

One counter per (bucket, minute): INCR and EXPIRE go in one MULTI/EXEC so a counter can never be
left without a TTL. A fixed window lets a client burst up to twice the limit across a window
edge; for abuse protection of login and SMS endpoints that is an accepted trade for one round
trip and one key per client.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import redis

from crmkit.redis_client import Keys
from gateway.errors import ApiError

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int


class RateLimiter:
    def __init__(self, client: redis.Redis, keys: Keys, *, window: int = WINDOW_SECONDS, clock=time.time):
        self.redis = client
        self.keys = keys
        self.window = window
        self.clock = clock

    def hit(self, bucket: str, limit: int) -> Verdict:
        now = self.clock()
        window_index = int(now // self.window)
        key = self.keys("rl", bucket, window_index)
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        # One window of slack past the end, so a slow clock on one replica still sees the key.
        pipe.expire(key, self.window * 2)
        count, _ = pipe.execute()
        retry_after = max(1, math.ceil((window_index + 1) * self.window - now))
        return Verdict(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)

    def enforce(self, bucket: str, limit: int) -> Verdict:
        verdict = self.hit(bucket, limit)
        if not verdict.allowed:
            raise ApiError(
                429,
                "RATE_LIMITED",
                "error.rate_limited",
                params={"retry_after": verdict.retry_after},
                headers={"Retry-After": str(verdict.retry_after)},
            )
        return verdict


PUBLIC = "public"


def public_limit(view):
    """Marks a public endpoint (login, SMS codes, sign-up): limited per client IP, more tightly,
    because it is where passwords are guessed and SMS costs money."""
    view._gateway_rate_limit = PUBLIC
    return view


ALERTS = "alerts"


def alerts_limit(view):
    """Marks the real-time alert poll (F4, ADR 0016): an open app asks about every second, so
    it is counted in a bucket of its own per staff member, and the person's work does not share
    the budget of their polling."""
    view._gateway_rate_limit = ALERTS
    return view


CALLBACKS = "callbacks"


def callback_limit(view):
    """Marks a payment or delivery provider's callback (B6 B12): public and limited per client IP
    like the public endpoints, in a bucket of its own with room for a busy merchant's payments,
    which all arrive from a few of the provider's addresses."""
    view._gateway_rate_limit = CALLBACKS
    return view
