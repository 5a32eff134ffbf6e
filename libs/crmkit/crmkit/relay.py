"""Transactional outbox relay and RabbitMQ publisher (the embedded mode passes a
crmkit.local_broker.LocalBroker instead).

The relay reads unpublished outbox rows (locked with SKIP LOCKED, so several replicas can run),
hands them to the publisher and marks the published ones in the same transaction. A broker
outage leaves the rows in place to be published later: events are delayed, never lost. A crash
between publish and commit publishes again; consumers are idempotent on event_id.

RabbitMQ's publisher confirms are awaited once per batch, not once per event (issue 16): the
batch is sent, then the relay waits until the broker has confirmed every message of it. A row is
marked published only once the broker confirmed it and every row before it; a nack, a closed
channel or a lost connection leaves the rest unpublished, to be sent again. A batch publisher is
handed each row as an `Envelope`: its payload goes on the wire as written, never decoded and
encoded again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime

import pika
from pika.exceptions import AMQPError
from sqlalchemy import bindparam, func, select, update

from crmkit.db import Database, utcnow
from crmkit.events import Envelope, Event
from crmkit.metrics import EVENTS_PUBLISH_FAILED, EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PENDING

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    """The publisher could not hand every event to the broker. `published`: how many of the
    first events it was given the broker did confirm (they may be marked published)."""

    def __init__(self, message: str = "", *, published: int = 0):
        super().__init__(message)
        self.published = published


class PikaPublisher:
    """Publishes to RabbitMQ with publisher confirms (persistent messages, on a durable exchange
    declared as nameko declares it): `publish_batch` sends a batch and returns once the broker
    has confirmed all of it.

    pika's BlockingChannel in confirm mode waits for the broker after every message, and even
    without confirms it runs its I/O loop until each message is written; here confirm mode is
    switched on in the channel beneath it with a callback of our own and the messages are queued
    on that channel, so they go out back to back, written and confirmed in one wait per batch.
    That channel is pika's `_impl` (pinned in requirements.txt; the real-broker tests in
    test_relay_confirms.py cover it)."""

    def __init__(self, amqp_url: str, *, confirm_timeout: float = 30.0):
        self._params = pika.URLParameters(amqp_url)
        self._params.heartbeat = 30
        self._params.blocked_connection_timeout = 30
        self.confirm_timeout = confirm_timeout
        self._conn: pika.BlockingConnection | None = None
        self._channel = None
        self._declared: set[str] = set()
        # Delivery tags of the channel in confirm mode count its messages from 1.
        self._sent = 0
        self._outcome: dict[int, bool | None] = {}  # delivery tag -> acked, nacked, not yet known
        self._select_ok = False

    def _ensure(self):
        if self._conn is None or self._conn.is_closed or self._channel is None or self._channel.is_closed:
            self.close()
            self._conn = pika.BlockingConnection(self._params)
            self._channel = self._conn.channel()
            self._sent, self._outcome, self._select_ok = 0, {}, False
            self._channel._impl.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_select_ok)
            self._wait(lambda: self._select_ok, "confirm mode not acknowledged")
            self._declared.clear()
        return self._channel

    def _on_select_ok(self, _frame) -> None:
        self._select_ok = True
        self._wake()

    def _on_confirm(self, frame) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        tags = [t for t in self._outcome if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in tags:
            if tag in self._outcome and self._outcome[tag] is None:
                self._outcome[tag] = acked
        self._wake()

    def _wake(self) -> None:
        """End the current `process_data_events` wait: it returns early only for events of
        pika's own channels, and these callbacks are not theirs (pika: call_later(0) from the
        connection's thread)."""
        if self._conn is not None and self._conn.is_open:
            self._conn.call_later(0, _nothing)

    def _wait(self, done, what: str) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while not done():
            if self._channel.is_closed:
                raise PublishFailed("channel closed by the broker")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(what)
            self._conn.process_data_events(time_limit=min(remaining, 1.0))

    def publish(self, evt: Event) -> None:
        self.publish_batch([evt.envelope()])

    def publish_batch(self, events: Sequence[Envelope]) -> int:
        """Sends the events in order and waits once for the broker's confirms of all of them;
        returns how many (all). Raises PublishFailed naming how many of the first were confirmed."""
        first_tag = 0
        try:
            channel = self._ensure()
            first_tag = self._sent + 1
            for evt in events:
                if evt.exchange not in self._declared:
                    channel.exchange_declare(evt.exchange, exchange_type="topic", durable=True)
                    self._declared.add(evt.exchange)
                self._sent += 1
                self._outcome[self._sent] = None
                # Queued, not yet written: the wait below writes the batch and reads its confirms.
                channel._impl.basic_publish(
                    exchange=evt.exchange,
                    routing_key=evt.type,
                    body=evt.body,
                    properties=pika.BasicProperties(
                        content_type="application/json",
                        content_encoding="utf-8",
                        delivery_mode=2,
                        message_id=evt.event_id,
                    ),
                )
            tags = range(first_tag, self._sent + 1)
            self._wait(lambda: all(self._outcome[t] is not None for t in tags), "no confirm from the broker in time")
        except (AMQPError, OSError, PublishFailed) as exc:
            confirmed = self._confirmed_from(first_tag)
            self.close()
            raise PublishFailed(str(exc) or type(exc).__name__, published=confirmed) from exc
        confirmed = self._confirmed_from(first_tag)
        if confirmed < len(events):
            # A nack: the broker could not take a message. The channel stays usable.
            self._forget()
            raise PublishFailed("the broker refused a message (nack)", published=confirmed)
        self._forget()
        return confirmed

    def _confirmed_from(self, first_tag: int) -> int:
        """How many messages from `first_tag` on were acked without a gap."""
        count = 0
        while first_tag and self._outcome.get(first_tag + count) is True:
            count += 1
        return count

    def _forget(self) -> None:
        self._outcome.clear()

    def close(self) -> None:
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except (AMQPError, OSError):
            pass
        self._conn = None
        self._channel = None


def _nothing() -> None:
    pass


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        publisher,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        max_backoff: float = 10.0,
        lag_interval: float = 5.0,
        linger: float = 0.02,
    ):
        self.db = db
        # After a wake-up, wait this long so that commits arriving together leave in one batch
        # (one SELECT, one UPDATE) instead of one relay pass per event.
        self.linger = linger
        # The lag gauge needs a count query; under load the relay wakes on every commit, so the
        # gauge is refreshed at most this often rather than once per wake-up.
        self.lag_interval = lag_interval
        self._lag_measured_at = 0.0
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Core statements built once: under load the relay wakes on every commit, and the ORM's
        # per-statement work (bulk UPDATE above all) cost more than publishing a small batch.
        outbox = db.outbox_model.__table__
        self._take = (
            select(outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        self._mark = (
            update(outbox)
            .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
            .values(attempts=outbox.c.attempts + 1, published_at=bindparam("at", type_=outbox.c.published_at.type))
        )
        self._count_failed = (
            update(outbox).where(outbox.c.id == bindparam("failed")).values(attempts=outbox.c.attempts + 1)
        )
        db.on_outbox_written(self._wake.set)

    def publish_pending(self) -> int:
        """Publish one batch. Returns how many were published; raises PublishFailed if the
        publisher failed (what was published before the failure stays marked)."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(self._take).all()
            events = self._events(rows)
            try:
                published = self._publish(events)
            except PublishFailed as exc:
                EVENTS_PUBLISH_FAILED.labels(self.db.service).inc()
                published = exc.published
                conn.execute(self._count_failed, {"failed": rows[published].id})
                self._mark_published(conn, [row.id for row in rows[:published]], events[:published])
                conn.commit()
                raise
            self._mark_published(conn, [row.id for row in rows], events)
            conn.commit()
        return published

    def _events(self, rows) -> list[Envelope] | list[Event]:
        """The rows as the publisher takes them: envelopes of their payloads for a batch
        publisher; events for one that publishes one at a time (the embedded broker, tests'
        fakes), which may read the event's data."""
        if hasattr(self.publisher, "publish_batch"):
            source = self.db.service
            return [Envelope(source, row.type, row.event_id, row.payload.encode()) for row in rows]
        return [Event.from_message(row.payload) for row in rows]

    def _publish(self, events: list[Envelope] | list[Event]) -> int:
        """Hands the events to the publisher: as one batch when it can confirm a batch at once,
        else one by one (the embedded broker, tests' fakes). PublishFailed names how many of the
        first ones were published."""
        if not events:
            return 0
        publish_batch = getattr(self.publisher, "publish_batch", None)
        if publish_batch is not None:
            return publish_batch(events)
        for done, evt in enumerate(events):
            try:
                self.publisher.publish(evt)
            except PublishFailed as exc:
                exc.published = done
                raise
        return len(events)

    def _mark_published(self, conn, ids: list[int], events: list[Envelope] | list[Event]) -> None:
        for evt in events:
            EVENTS_PUBLISHED.labels(self.db.service, evt.type).inc()
        if ids:
            conn.execute(self._mark, {"ids": ids, "at": utcnow()})

    def measure_lag(self) -> None:
        model = self.db.outbox_model
        with self.db.session_factory() as session:
            pending, oldest = session.execute(
                select(func.count(), func.min(model.occurred_at)).where(model.published_at.is_(None))
            ).one()
        OUTBOX_PENDING.labels(self.db.service).set(pending)
        if isinstance(oldest, datetime):
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=utcnow().tzinfo)
            OUTBOX_LAG.labels(self.db.service).set((utcnow() - oldest).total_seconds())
        else:
            OUTBOX_LAG.labels(self.db.service).set(0)

    def run(self) -> None:
        backoff = self.poll_interval
        while not self._stop.is_set():
            try:
                full = self.publish_pending() >= self.batch_size
                backoff = self.poll_interval
                if full:
                    continue
            except PublishFailed as exc:
                log.warning("outbox publish failed, retrying in %.1fs: %s", backoff, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            except Exception:
                log.exception("outbox relay error")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if time.monotonic() - self._lag_measured_at >= self.lag_interval:
                self._lag_measured_at = time.monotonic()
                try:
                    self.measure_lag()
                except Exception:
                    log.exception("outbox lag measurement failed")
            if self._wake.wait(self.poll_interval) and self.linger:
                self._stop.wait(self.linger)
            self._wake.clear()

    def start(self) -> OutboxRelay:
        self._thread = threading.Thread(target=self.run, name=f"outbox-relay-{self.db.service}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.publisher.close()

    def drain(self, timeout: float = 10.0) -> None:
        """Publish until nothing is pending (tests and the embedded launcher's shutdown)."""
        deadline = time.monotonic() + timeout
        while self.publish_pending() and time.monotonic() < deadline:
            pass
