"""SMS codes in Redis (A2; sign-up codes, issue 11).

Each check-and-change is one Lua script, so two requests racing for the same phone can never
both pass a limit or both use one code: Redis runs a script without interleaving other commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis

from crmkit.redis_client import Keys
from identity.domain import sms_codes

# KEYS: cooldown, daily counter, code.  ARGV: code hash, code ttl, resend seconds, daily limit,
# seconds to the end of the day.  Returns {status, seconds}: 1 stored; -1 too soon (seconds left
# of the cooldown); -2 daily limit reached (seconds until the day ends).
_ISSUE = """
local cooldown = redis.call('PTTL', KEYS[1])
if cooldown > 0 then return {-1, math.ceil(cooldown / 1000)} end
local sent = tonumber(redis.call('GET', KEYS[2]) or '0')
if sent >= tonumber(ARGV[4]) then return {-2, tonumber(ARGV[5])} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[3])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'hash', ARGV[1], 'wrong', 0)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {1, 0}
"""

# KEYS: code.  ARGV: hash of the presented code, max wrong tries.
# Returns 1 right code (now used up); 0 no live code; -1 wrong code (the 5th wrong one also voids
# the code).
_CHECK = """
local stored = redis.call('HGET', KEYS[1], 'hash')
if not stored then return 0 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
local wrong = redis.call('HINCRBY', KEYS[1], 'wrong', 1)
if wrong >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return -1
"""

ISSUED = "issued"
TOO_SOON = "too_soon"
DAILY_LIMIT = "daily_limit"

CODE_OK = "ok"
CODE_WRONG = "wrong"
CODE_GONE = "gone"


@dataclass(frozen=True)
class IssueResult:
    status: str
    retry_after: int = 0


class SmsCodeStore:
    def __init__(self, client: redis.Redis, keys: Keys):
        self._keys = keys
        self._issue = client.register_script(_ISSUE)
        self._check = client.register_script(_CHECK)

    def issue(self, phone: str, purpose: str, code_hash: str, *, now: datetime) -> IssueResult:
        """Each purpose has its own code and cooldown, so asking for a sign-up code does not void a
        login code; the daily limit counts every code sent to the phone (SMS bombing)."""
        status, seconds = self._issue(
            keys=[
                self._keys("sms", "cooldown", purpose, phone),
                self._keys("sms", "day", sms_codes.day_key(now), phone),
                self._keys("sms", "code", purpose, phone),
            ],
            args=[
                code_hash,
                sms_codes.CODE_TTL_SECONDS,
                sms_codes.RESEND_AFTER_SECONDS,
                sms_codes.DAILY_LIMIT,
                sms_codes.seconds_until_day_ends(now),
            ],
        )
        status = int(status)
        if status == -1:
            return IssueResult(TOO_SOON, int(seconds))
        if status == -2:
            return IssueResult(DAILY_LIMIT, int(seconds))
        return IssueResult(ISSUED)

    def check(self, phone: str, purpose: str, code: str) -> str:
        """A right code is used up at once (a person with several tenants then picks one with a
        choice ticket, not with the code again); a wrong one counts as a wrong try, and the
        MAX_WRONG_TRIES-th voids the code."""
        result = int(
            self._check(
                keys=[self._keys("sms", "code", purpose, phone)],
                args=[sms_codes.hash_code(phone, code), sms_codes.MAX_WRONG_TRIES],
            )
        )
        return {1: CODE_OK, 0: CODE_GONE}.get(result, CODE_WRONG)
