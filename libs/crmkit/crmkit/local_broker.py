"""The embedded mode's broker: RabbitMQ's guarantees in one SQLite file, in one process.

`make run` has no RabbitMQ, but it must behave like the distributed mode (ADR 0008):
- **Durable queues.** A subscription is a queue named after its consumer and event
  (`<consumer>:<source>.<type>`, like nameko's `evt-<source>-<type>--<consumer>...`), declared in
  the file the first time it is bound and kept there. Publishing copies the event into every
  queue declared for its (source, type), in one transaction of the broker's own file, and returns
  only then: the relay marks the outbox row published after that, so an event is never marked
  sent before a queue holds it, and a queue bound in an earlier run receives events published
  before its handler is registered again after a restart.
- **Delivery outside the publisher's transaction.** A thread per queue takes the oldest due
  message and runs the handler with no lock held (neither the broker file's nor the publishing
  service's database's), so a handler may write to the very database whose relay published the
  event. The message is removed (acknowledged) after the handler returns; a failing handler's
  message is tried again later with a growing pause, as a broker redelivers an unacknowledged
  message. Handlers are idempotent on `event_id` (H3), so a crash between the handler's commit and
  the acknowledgement delivers the event again and changes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from crmkit.events import Event
from crmkit.metrics import EVENTS_CONSUMED
from crmkit.relay import PublishFailed

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name   TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    type   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS queues_by_event ON queues (source, type);
CREATE TABLE IF NOT EXISTS messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    queue      TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    body       BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    UNIQUE (queue, event_id)
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (queue, not_before, id);
"""


def queue_name(consumer: str, source: str, type: str) -> str:
    return f"{consumer}:{source}.{type}"


class LocalBroker:
    """Durable queues in `path`; `publish` is what the outbox relay calls, `bind` what a
    consumer calls. Thread-safe: one connection behind one lock, every statement short."""

    def __init__(self, path: Path | str, *, first_pause: float = 0.5, max_pause: float = 30.0):
        self.first_pause = first_pause
        self.max_pause = max_pause
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A message is in the file once publish returns, as a confirmed message is on disk in
        # RabbitMQ: a process killed after that loses nothing (an OS crash may lose the last ones).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._wake: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._started = False

    # -- declaring and consuming -------------------------------------------------------------

    def bind(self, consumer: str, source: str, type: str, handler: Handler) -> str:
        """Declare the consumer's durable queue for (source, type) and deliver it to `handler`."""
        name = queue_name(consumer, source, type)
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO queues (name, source, type) VALUES (?, ?, ?)", (name, source, type))
            self._handlers[name] = handler
            self._wake[name] = threading.Event()
        if self._started:
            self._start_consumer(name)
        return name

    def start(self) -> LocalBroker:
        """Start delivering (after every consumer is bound, so none misses its backlog's order)."""
        self._started = True
        for name in list(self._handlers):
            self._start_consumer(name)
        return self

    def _start_consumer(self, name: str) -> None:
        thread = threading.Thread(target=self._consume, args=(name,), name=f"broker-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, evt: Event) -> None:
        """Copy the event into every queue declared for it; returns once they are committed.
        Publishing the same event again (a relay that crashed before marking it) adds nothing."""
        body = evt.to_json()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                queues = [
                    row[0]
                    for row in self._db.execute(
                        "SELECT name FROM queues WHERE source = ? AND type = ?", (evt.source, evt.type)
                    )
                ]
                self._db.executemany(
                    "INSERT OR IGNORE INTO messages (queue, event_id, body) VALUES (?, ?, ?)",
                    [(q, evt.event_id, body) for q in queues],
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise PublishFailed(str(exc)) from exc
        for name in queues:
            wake = self._wake.get(name)
            if wake is not None:
                wake.set()

    def close(self) -> None:
        """The relay's publisher interface; the broker itself is closed by `stop`."""

    # -- delivering ----------------------------------------------------------------------------

    def _next(self, name: str) -> tuple[int, bytes, int] | None:
        with self._lock:
            return self._db.execute(
                "SELECT id, body, attempts FROM messages WHERE queue = ? AND not_before <= ? ORDER BY id LIMIT 1",
                (name, time.time()),
            ).fetchone()

    def _ack(self, message_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def _retry_later(self, message_id: int, attempts: int) -> None:
        pause = min(self.first_pause * 2**attempts, self.max_pause)
        with self._lock:
            self._db.execute(
                "UPDATE messages SET attempts = attempts + 1, not_before = ? WHERE id = ?",
                (time.time() + pause, message_id),
            )

    def _consume(self, name: str) -> None:
        handler, wake = self._handlers[name], self._wake[name]
        consumer = name.split(":", 1)[0]
        while not self._stopping.is_set():
            message = self._next(name)
            if message is None:
                # Sleep until a publish wakes us or a delayed redelivery may be due.
                wake.wait(self.first_pause)
                wake.clear()
                continue
            message_id, body, attempts = message
            evt = Event.from_message(body)
            try:
                handler(evt)
            except Exception:
                log.exception(
                    "handler failed; the event is delivered again later",
                    extra={"queue": name, "event_id": evt.event_id, "attempts": attempts + 1},
                )
                EVENTS_CONSUMED.labels(consumer, evt.type, "failed").inc()
                self._retry_later(message_id, attempts)
                continue
            EVENTS_CONSUMED.labels(consumer, evt.type, "handled").inc()
            self._ack(message_id)

    # -- inspecting and stopping ---------------------------------------------------------------

    def pending(self, name: str | None = None) -> int:
        """Messages not yet acknowledged (in one queue, or in all)."""
        with self._lock:
            if name is None:
                return self._db.execute("SELECT count(*) FROM messages").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM messages WHERE queue = ?", (name,)).fetchone()[0]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop delivering; a handler running now finishes first (its message stays if it fails)."""
        self._stopping.set()
        for wake in self._wake.values():
            wake.set()
        for thread in self._threads:
            thread.join(timeout)
        with self._lock:
            self._db.close()
