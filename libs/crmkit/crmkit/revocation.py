"""Revoked login sessions: access tokens of a session issued up to a moment are refused at once.

identity writes a session here when it ends one (logout, a reused refresh token) or when it
narrows what a person may do (a permission switch taken away); the gateway and every service
read it wherever a token is verified (`crmkit.auth.TokenVerifier`). One key per session
(`{prefix}auth:revoked:<session id>`) holds the cutoff: tokens issued at or before it are
refused, tokens the session issues after it (a refresh after a switch was taken away) pass. A
key lives as long as the newest access token it can concern, so the store stays as small as the
number of sessions revoked in the last 15 minutes.

Checking costs one GET per verified staff token; see docs/adr/0011 for the measured cost and why
a Redis that cannot answer refuses the token rather than letting it through. The gateway reads
the same key (`key`) and applies the same rule inside the one script that admits a request
(gateway.admission, issue 16), so there it costs no round trip of its own. The answer is never
cached: a revocation takes effect on the next call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import timedelta

import redis

from crmkit.errors import Unavailable
from crmkit.redis_client import Keys

NAMESPACE = "auth"

# KEYS: one per session.  ARGV: cutoff (epoch seconds), TTL seconds.  Keeps the latest cutoff:
# two revocations racing must not leave the earlier one in place.
_REVOKE = """
for _, key in ipairs(KEYS) do
  local current = tonumber(redis.call('GET', key) or '0')
  if tonumber(ARGV[1]) > current then
    redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
  end
end
return #KEYS
"""


def store_unavailable() -> Unavailable:
    return Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")


class RevokedSessions:
    def __init__(self, client: redis.Redis, prefix: str, *, clock=time.time):
        self._redis = client
        self._keys = Keys(prefix, NAMESPACE)
        self._revoke = client.register_script(_REVOKE)
        self._clock = clock

    @property
    def client(self) -> redis.Redis:
        return self._redis

    def key(self, session_id: str) -> str:
        """Where the session's cutoff is kept: the gateway reads it in its own round trip."""
        return self._keys("revoked", session_id)

    def revoke(self, session_ids: Iterable[str], *, token_ttl: timedelta, leeway_seconds: int = 5) -> float:
        """Refuse every access token these sessions issued until now; returns the cutoff.

        The cutoff is read from the clock here, when the call is made, not passed in: called
        after the change that caused it has committed, it then follows every token issued from
        the old state (a refresh that read the old switches carries an earlier `iat`)."""
        keys = [self.key(s) for s in dict.fromkeys(session_ids) if s]
        cutoff = self._clock()
        if keys:
            ttl = math.ceil(token_ttl.total_seconds()) + leeway_seconds + 1
            try:
                self._revoke(keys=keys, args=[f"{cutoff:.6f}", ttl])
            except redis.RedisError:
                raise store_unavailable() from None
        return cutoff

    def cutoff(self, session_id: str) -> float | None:
        """The session's cutoff, None if it was never revoked (or all its tokens are past)."""
        try:
            raw = self._redis.get(self.key(session_id))
        except redis.RedisError:
            # Refuse rather than let a possibly revoked token through: see ADR 0011.
            raise store_unavailable() from None
        return float(raw) if raw is not None else None

    def is_revoked(self, session_id: str, issued_at: float) -> bool:
        cutoff = self.cutoff(session_id)
        return cutoff is not None and issued_at <= cutoff
