"""Counting wrong passwords, SMS codes and sign-ups in Redis (issue 11); the numbers and their
reasons are in identity.domain.throttling.

Each check-and-count is one Lua script: two requests racing for one phone can never both slip
under a limit, since Redis runs a script without interleaving other commands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from crmkit.redis_client import Keys
from identity.domain.throttling import KNOWN_SOURCE_DAYS, KNOWN_SOURCES_KEPT, Limit, Limits

# KEYS: failures of (phone, source), failures of the phone, sources the phone logged in from.
# ARGV: source, per-source limit, per-phone limit, per-source window, per-phone window (seconds).
# Returns {1, 0} counted and allowed; {-1, ttl} this source is locked out of this phone;
# {-2, ttl} the phone is under attack and this source is not one it logged in from before.
# The try is counted before the password is checked (racing guesses cannot pass the limit
# together); a right password takes it back (_SUCCEEDED).
_ATTEMPT = """
local mine = tonumber(redis.call('GET', KEYS[1]) or '0')
if mine >= tonumber(ARGV[2]) then return {-1, redis.call('TTL', KEYS[1])} end
local all = tonumber(redis.call('GET', KEYS[2]) or '0')
if all >= tonumber(ARGV[3]) and not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return {-2, redis.call('TTL', KEYS[2])}
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
return {1, 0}
"""

# KEYS: as _ATTEMPT.  ARGV: source, now, kept seconds, kept count, undo (1: a counted password try).
_SUCCEEDED = """
if ARGV[5] == '1' then
  redis.call('DEL', KEYS[1])
  if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
"""

# KEYS: counter.  ARGV: limit, window seconds.  A fixed window that starts with the first request.
# Returns 0 allowed (and counted), else the seconds until the window ends.
_HIT = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return math.max(1, redis.call('TTL', KEYS[1])) end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

ALLOWED = "allowed"
SOURCE_LOCKED = "source_locked"
PHONE_UNDER_ATTACK = "phone_under_attack"


@dataclass(frozen=True)
class AttemptVerdict:
    status: str
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.status == ALLOWED


class PasswordAttempts:
    def __init__(self, client: redis.Redis, keys: Keys, limits: Limits = Limits(), *, clock=time.time):
        self._keys = keys
        self.limits = limits
        self._attempt = client.register_script(_ATTEMPT)
        self._succeeded = client.register_script(_SUCCEEDED)
        self._clock = clock

    def _keys_of(self, phone: str, source: str) -> list[str]:
        return [
            self._keys("pwd", "fail", phone, source),
            self._keys("pwd", "fail", phone),
            self._keys("pwd", "known", phone),
        ]

    def attempt(self, phone: str, source: str) -> AttemptVerdict:
        """Counts one password try for the phone from the source, or says why it must wait."""
        per_source, per_phone = self.limits.passwords_per_phone_and_source, self.limits.passwords_per_phone
        status, ttl = self._attempt(
            keys=self._keys_of(phone, source),
            args=[source, per_source.count, per_phone.count, per_source.window_seconds, per_phone.window_seconds],
        )
        status = int(status)
        if status == 1:
            return AttemptVerdict(ALLOWED)
        return AttemptVerdict(SOURCE_LOCKED if status == -1 else PHONE_UNDER_ATTACK, max(1, int(ttl)))

    def succeeded(self, phone: str, source: str, *, counted: bool) -> None:
        """The phone's owner proved themself from this source (password: counted=True, the try is
        taken back; SMS code: counted=False): from now on the source may try even while the phone
        is under attack."""
        self._succeeded(
            keys=self._keys_of(phone, source),
            args=[source, self._clock(), KNOWN_SOURCE_DAYS * 86400, KNOWN_SOURCES_KEPT, "1" if counted else "0"],
        )


class WindowCounters:
    """Fixed-window request counters: `hit("sms", source, limit)` -> 0, or seconds to wait."""

    def __init__(self, client: redis.Redis, keys: Keys):
        self._keys = keys
        self._hit = client.register_script(_HIT)

    def hit(self, name: str, subject: str, limit: Limit) -> int:
        return int(self._hit(keys=[self._keys("limit", name, subject)], args=[limit.count, limit.window_seconds]))
