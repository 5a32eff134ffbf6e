"""Jobs were queued: the dispatchers hear it at once instead of at their next look (every second).

The worker process queues the jobs of paid orders (G3) and the server's dispatchers print them, so
the wake-up has to cross processes: the transaction that queues jobs sends PostgreSQL's NOTIFY,
which PostgreSQL delivers when that transaction commits (never for one rolled back), and each
dispatcher keeps a LISTEN connection beside it. A dispatcher of the same process (the gRPC
PrintTicket; the embedded launcher, which runs the handlers beside the server on SQLite, where
there is no NOTIFY) is woken directly after the commit. A lost wake-up costs time, not tickets: a
dispatcher still looks every `interval` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import text

from crmkit.db import Database, UnitOfWork

log = logging.getLogger(__name__)

CHANNEL = "printing_jobs_queued"

_local: list[Callable[[], None]] = []
_lock = threading.Lock()


def announce(uow: UnitOfWork) -> None:
    """Inside the transaction that queues jobs, before its commit."""
    if uow.db.dialect == "postgresql":
        uow.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def wake_local() -> None:
    """After that commit: the dispatchers running in this process."""
    with _lock:
        callbacks = list(_local)
    for callback in callbacks:
        callback()


def subscribe(callback: Callable[[], None]) -> None:
    with _lock:
        _local.append(callback)


def unsubscribe(callback: Callable[[], None]) -> None:
    with _lock:
        if callback in _local:
            _local.remove(callback)


def listen_url(db: Database) -> str | None:
    """The psycopg address of the database, or None where there is no LISTEN (SQLite)."""
    if db.dialect != "postgresql":
        return None
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """LISTEN on a connection of its own (autocommit, outside the pool), calling `wake` for each
    notification. When the connection breaks it connects again after a pause, and wakes once on
    every (re)connection: jobs queued while it was away are looked at now."""

    def __init__(self, url: str, wake: Callable[[], None], *, pause: float = 1.0, poll: float = 1.0):
        self.url = url
        self.wake = wake
        self.pause = pause
        self.poll = poll  # how often a quiet connection looks whether it is stopping
        self.listening = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Listener:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue-listener", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll + 5)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wake()
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=self.poll):
                            self.wake()
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("print queue listener lost its connection (%s); the dispatcher polls meanwhile", exc)
                self._stopping.wait(self.pause)
        self.listening.clear()
