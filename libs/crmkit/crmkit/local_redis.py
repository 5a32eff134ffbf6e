"""The embedded mode's Redis: fakeredis whose keys survive a restart (ADR 0008).

Idempotency keys, SMS codes, rate limits, revoked sessions and claim counters live in Redis. A
stand-in that forgot them on every restart would answer a retried create twice, so the embedded
mode keeps a journal beside its SQLite files, the way Redis keeps an append-only file:

- every key a command changed is appended to the journal as its new state (value and absolute
  expiry, or "gone") before the command's lock is released, so the journal's order is the order
  of the changes and replaying it rebuilds the same keys; a state, not the command, is written,
  so scripts, relative expiries and the clock need no replaying;
- the journal is flushed to the OS after each command: a killed process loses nothing (like
  `appendfsync everysec`, an OS crash may lose the last writes);
- when the journal has grown to several times the live data, it is rewritten as one snapshot.

The hook sits on fakeredis's server lock and database change notification (pinned version; the
tests in `test_local_redis.py` fail if an upgrade moves them).
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
import time
from pathlib import Path
from typing import Any

import fakeredis
from fakeredis._core._database import Database, Item

_LENGTH = struct.Struct(">I")
# Rewrite the journal once it is this many times the size of the last snapshot (and at least
# COMPACT_MIN_BYTES), so a key written a million times does not cost a million records at start.
COMPACT_FACTOR = 4
COMPACT_MIN_BYTES = 1 << 20


class _TrackedDatabase(Database):
    def __init__(self, lock, index: int, dirty: set[tuple[int, bytes]]):
        super().__init__(lock)
        self._index = index
        self._dirty = dirty

    def notify_watch(self, key: bytes) -> None:
        # fakeredis calls this for every key a command writes or deletes, before the write.
        self._dirty.add((self._index, key))
        super().notify_watch(key)


class _Databases(dict):
    def __init__(self, lock, dirty):
        super().__init__()
        self._lock = lock
        self._dirty = dirty

    def __missing__(self, index: int) -> Database:
        db = self[index] = _TrackedDatabase(self._lock, index, self._dirty)
        return db


class _JournalingLock:
    """The server's command lock; what a command changed is journaled before it is released."""

    def __init__(self, journal: _Journal):
        self._lock = threading.Lock()
        self._journal = journal

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        try:
            self._journal.write_dirty()
        finally:
            self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


class _Journal:
    def __init__(self, server: fakeredis.FakeServer, path: Path):
        self.server = server
        self.path = path
        self.dirty: set[tuple[int, bytes]] = set()
        self.snapshot_bytes = 0
        self._file = None

    def load(self) -> None:
        """Apply the journal's records in order; a record cut short by a crash ends it."""
        if self.path.exists():
            data = self.path.read_bytes()
            offset = 0
            while offset + _LENGTH.size <= len(data):
                (length,) = _LENGTH.unpack_from(data, offset)
                start, offset = offset + _LENGTH.size, offset + _LENGTH.size + length
                if offset > len(data):
                    break
                index, key, value, expireat = pickle.loads(data[start:offset])
                db = self.server.dbs[index]
                if value is None:
                    db._dict.pop(key, None)
                else:
                    item = Item(value)
                    item.expireat = expireat
                    db[key] = item
        now = time.time()
        for db in self.server.dbs.values():
            db.time = now  # so the snapshot leaves out what expired while the process was down
        self._rewrite()

    def write_dirty(self) -> None:
        if not self.dirty:
            return
        records = []
        for index, key in sorted(self.dirty):
            item = self.server.dbs[index]._dict.get(key)
            state = (index, key, None, None) if item is None else (index, key, item.value, item.expireat)
            records.append(self._record(state))
        self.dirty.clear()
        self._file.write(b"".join(records))
        self._file.flush()
        if self._file.tell() > max(COMPACT_MIN_BYTES, COMPACT_FACTOR * self.snapshot_bytes):
            self._rewrite()

    @staticmethod
    def _record(state: tuple[int, bytes, Any, float | None]) -> bytes:
        body = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        return _LENGTH.pack(len(body)) + body

    def _rewrite(self) -> None:
        """One record per live key, written aside and renamed over the journal."""
        tmp = self.path.with_suffix(".rewrite")
        with open(tmp, "wb") as out:
            for index, db in list(self.server.dbs.items()):
                for key, item in list(db._dict.items()):
                    if not db.expired(item):
                        out.write(self._record((index, key, item.value, item.expireat)))
            out.flush()
            os.fsync(out.fileno())
            self.snapshot_bytes = out.tell()
        if self._file is not None:
            self._file.close()
        os.replace(tmp, self.path)
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open for the process's life


def journaled_server(path: Path) -> fakeredis.FakeServer:
    """A fakeredis server loaded from `path` that journals every change to it."""
    server = fakeredis.FakeServer()
    journal = _Journal(server, Path(path))
    server.lock = _JournalingLock(journal)
    server.dbs = _Databases(server.lock, journal.dirty)
    with server.lock:
        journal.load()
    return server
