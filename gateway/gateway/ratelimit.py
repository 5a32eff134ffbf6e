"""Fixed-window rate limits in Redis, shared by every gateway replica, and what rides on the same
round trip.

One counter per (bucket, minute): INCR and EXPIRE run in one script, so a counter can never be
left without a TTL. A fixed window lets a client burst up to twice the limit across a window
edge; for abuse protection of login and SMS endpoints that is an accepted trade for one round
trip and one key per client.

The same script answers, before counting, whether the token's login session was revoked
(crmkit.revocation's key and rule), and after counting claims the request's Idempotency-Key
(gateway.idempotency's "processing" marker), so a request is admitted in one round trip instead
of three (issue 16). A revoked session is not counted in the actor's bucket, and a request over
its limit claims no key: each step runs only if the one before let the request through, as when
they were separate calls.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import redis

from crmkit.redis_client import Keys
from gateway.errors import ApiError

WINDOW_SECONDS = 60

# KEYS[1] the rate counter; ARGV[1] the limit, ARGV[2] the counter's TTL.
# ARGV[3] the position in KEYS of the session's revocation key (0: no check), ARGV[4] the token's
# iat: a cutoff at or after it refuses the token (crmkit.revocation.RevokedSessions.is_revoked).
# ARGV[5] the position in KEYS of the Idempotency-Key (0: none), ARGV[6] the marker, ARGV[7] its TTL.
_ADMIT = """
local session_at = tonumber(ARGV[3])
if session_at > 0 then
  local cutoff = redis.call('GET', KEYS[session_at])
  if cutoff and tonumber(ARGV[4]) <= tonumber(cutoff) then
    return {'revoked', 0}
  end
end
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if count > tonumber(ARGV[1]) then
  return {'limited', count}
end
local claim_at = tonumber(ARGV[5])
if claim_at > 0 then
  if redis.call('SET', KEYS[claim_at], ARGV[6], 'NX', 'EX', ARGV[7]) then
    return {'claimed', count}
  end
  return {'taken', count, redis.call('GET', KEYS[claim_at])}
end
return {'counted', count}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int


@dataclass(frozen=True)
class SessionCheck:
    """Whether a token's session was revoked: its key in crmkit.revocation, the token's iat."""

    key: str
    issued_at: float


@dataclass(frozen=True)
class KeyClaim:
    """An Idempotency-Key to claim: its storage key, the "processing" marker and its TTL."""

    key: str
    marker: str
    ttl: int


@dataclass(frozen=True)
class Admission:
    """What the one round trip found. `revoked`: nothing was counted or claimed. `claimed`: this
    request set the key's marker; otherwise, if a claim was asked and the request was allowed,
    `stored` is what the key already held (None if it lapsed in between)."""

    revoked: bool
    verdict: Verdict | None
    claimed: bool = False
    stored: str | None = None


class RateLimiter:
    def __init__(self, client: redis.Redis, keys: Keys, *, window: int = WINDOW_SECONDS, clock=time.time):
        self.redis = client
        self.keys = keys
        self.window = window
        self.clock = clock
        self._admit = client.register_script(_ADMIT)

    def admit(
        self,
        bucket: str,
        limit: int,
        *,
        session: SessionCheck | None = None,
        claim: KeyClaim | None = None,
        client: redis.Redis | None = None,
    ) -> Admission:
        """`client`: the Redis to ask, when not the one this limiter was built with."""
        now = self.clock()
        window_index = int(now // self.window)
        keys = [self.keys("rl", bucket, window_index)]
        # One window of slack past the end, so a slow clock on one replica still sees the key.
        args: list = [limit, self.window * 2, 0, "", 0, "", 0]
        if session is not None:
            keys.append(session.key)
            args[2:4] = [len(keys), repr(float(session.issued_at))]
        if claim is not None:
            keys.append(claim.key)
            args[4:7] = [len(keys), claim.marker, claim.ttl]
        outcome, count, *stored = self._admit(keys=keys, args=args, client=client or self.redis)
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        if outcome == "revoked":
            return Admission(revoked=True, verdict=None)
        retry_after = max(1, math.ceil((window_index + 1) * self.window - now))
        verdict = Verdict(allowed=outcome != "limited", count=count, limit=limit, retry_after=retry_after)
        found = stored[0] if stored else None
        return Admission(
            revoked=False,
            verdict=verdict,
            claimed=outcome == "claimed",
            stored=found.decode() if isinstance(found, bytes) else found,
        )

    def hit(self, bucket: str, limit: int) -> Verdict:
        return self.admit(bucket, limit).verdict

    def enforce(self, bucket: str, limit: int) -> Verdict:
        return refuse_over_limit(self.hit(bucket, limit))


def refuse_over_limit(verdict: Verdict) -> Verdict:
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
