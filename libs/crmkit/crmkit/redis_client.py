"""Redis: the real server when REDIS_URL is set, otherwise fakeredis with the same API.

All in-process users share one FakeServer, so the embedded gateway and services see the same
keys, as they would on a real server. The embedded launcher calls `keep_local_redis_in` first,
so that server's keys survive a restart (crmkit.local_redis); tests get a plain in-memory one.
"""

from __future__ import annotations

import threading
from pathlib import Path

import fakeredis
import redis

from crmkit.local_redis import journaled_server

_fake_server: fakeredis.FakeServer | None = None
_lock = threading.Lock()


def make_redis(redis_url: str | None) -> redis.Redis:
    if redis_url:
        return redis.Redis.from_url(redis_url, decode_responses=True, health_check_interval=30)
    global _fake_server
    with _lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_server, decode_responses=True)


def keep_local_redis_in(path: Path) -> None:
    """Embedded mode: the shared stand-in loads its keys from `path` and journals every change."""
    global _fake_server
    with _lock:
        if _fake_server is not None:
            raise RuntimeError("the local Redis stand-in is already in use; call this before make_redis")
        _fake_server = journaled_server(path)


class Keys:
    """Builds prefixed keys, so tests and tenants of one Redis never collide: keys("sms", phone)."""

    def __init__(self, prefix: str, namespace: str):
        self._base = f"{prefix}{namespace}:"

    def __call__(self, *parts: object) -> str:
        return self._base + ":".join(str(p) for p in parts)
