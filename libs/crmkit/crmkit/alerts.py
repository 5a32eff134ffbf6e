"""Real-time alerts for a staff member's open apps (F4, ADR 0016): a short Redis stream per person.

messaging appends an alert when it stores a notification; the gateway answers
`GET /api/v1/alerts?after=<id>` from the stream alone, one round trip and no gRPC, so an app can
ask every second. The stream is a hint for what is open now, not a record: it keeps the newest
`MAX_LENGTH` alerts for `TTL_SECONDS` after the last one; the inbox (messaging's notifications
table) is the record.

One stream per (tenant, staff member), `{prefix}alerts:<tenant id>:<staff id>`: a reader is given
the key of the token's own tenant and person, never one named in a request. Entry ids are Redis
stream ids (`<ms>-<seq>`), increasing within a stream, so "after this id" is a cursor that needs
no bookkeeping; a stream that expired (TTL_SECONDS after its last alert) and starts again gets
ids from the clock, which has moved on past any cursor it handed out before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import redis

from crmkit.redis_client import Keys

NAMESPACE = "alerts"
# The newest alerts an app can still catch up on after a pause (a hidden tab, a locked phone).
MAX_LENGTH = 50
# An app away longer than this is shown the inbox count, not a burst of stale alerts.
TTL_SECONDS = 3600
# The most alerts one read answers; an app that fell further behind reads again from the last.
READ_LIMIT = 20
# The cursor of an empty stream: every alert is after it.
START = "0-0"
# Both parts fit the 64-bit numbers Redis keeps them in.
CURSOR = re.compile(r"^\d{1,19}-\d{1,19}$")


@dataclass(frozen=True)
class AlertDraft:
    """What messaging tells one person: the stored notification, as the inbox lists it."""

    tenant_id: str
    staff_id: str
    notification_id: str
    kind: str
    title_key: str
    params: Mapping[str, str]
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class Alert:
    id: str
    notification_id: str
    kind: str
    title_key: str
    params: dict[str, str]
    subject: str
    created_at: datetime


def is_cursor(text: str) -> bool:
    return bool(CURSOR.match(text))


class AlertFeed:
    def __init__(
        self, client: redis.Redis, prefix: str, *, max_length: int = MAX_LENGTH, ttl_seconds: int = TTL_SECONDS
    ):
        self._redis = client
        self._keys = Keys(prefix, NAMESPACE)
        self.max_length = max_length
        self.ttl_seconds = ttl_seconds

    def key(self, tenant_id: str, staff_id: str) -> str:
        return self._keys(tenant_id, staff_id)

    def push(self, drafts: Iterable[AlertDraft]) -> list[str]:
        """Append each draft to its recipient's stream, trimmed and with a fresh TTL, in one
        MULTI/EXEC: a stream is never left without its TTL. Returns the ids given. Raises
        redis.RedisError when Redis cannot take them."""
        drafts = list(drafts)
        if not drafts:
            return []
        pipe = self._redis.pipeline(transaction=True)
        for draft in drafts:
            key = self.key(draft.tenant_id, draft.staff_id)
            pipe.xadd(key, _fields(draft), maxlen=self.max_length, approximate=False)
            pipe.expire(key, self.ttl_seconds)
        replies = pipe.execute()
        return [_text(r) for r in replies[::2]]

    def latest(self, tenant_id: str, staff_id: str) -> str:
        """The id of the newest alert, or START: where an app that opens now begins."""
        newest = self._redis.xrevrange(self.key(tenant_id, staff_id), count=1)
        return _text(newest[0][0]) if newest else START

    def after(self, tenant_id: str, staff_id: str, cursor: str, *, limit: int = READ_LIMIT) -> list[Alert]:
        """The alerts after `cursor` (an id this feed gave, or START), oldest first, at most
        `limit`. XREAD without BLOCK: it answers at once and is exclusive of the cursor on every
        Redis since 5.0."""
        if not is_cursor(cursor):
            raise ValueError(f"not an alert id: {cursor!r}")
        reply = self._redis.xread({self.key(tenant_id, staff_id): cursor}, count=limit)
        if not reply:
            return []
        _key, entries = reply[0]
        return [_alert(_text(entry_id), fields) for entry_id, fields in entries]


def _fields(draft: AlertDraft) -> dict[str, str]:
    return {
        "notification_id": draft.notification_id,
        "kind": draft.kind,
        "title_key": draft.title_key,
        "params": json.dumps(dict(draft.params), ensure_ascii=False, sort_keys=True),
        "subject": draft.subject,
        "created_at": draft.created_at.isoformat(),
    }


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _alert(entry_id: str, fields: Mapping) -> Alert:
    plain = {_text(k): _text(v) for k, v in fields.items()}
    try:
        params = json.loads(plain.get("params") or "{}")
    except ValueError:
        params = {}
    return Alert(
        id=entry_id,
        notification_id=plain.get("notification_id", ""),
        kind=plain.get("kind", ""),
        title_key=plain.get("title_key", ""),
        params={str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {},
        subject=plain.get("subject", ""),
        created_at=datetime.fromisoformat(plain["created_at"]),
    )
