"""Transactional outbox relay and RabbitMQ publisher (the embedded mode passes a
crmkit.local_broker.LocalBroker instead).

The relay reads unpublished outbox rows (locked with SKIP LOCKED, so several replicas can run),
hands each to the publisher and marks it published in the same transaction. A broker outage
leaves the rows in place to be published later: events are delayed, never lost. A crash between
publish and commit publishes again; consumers are idempotent on event_id.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

import pika
from pika.exceptions import AMQPError
from sqlalchemy import func, select, update

from crmkit.db import Database, utcnow
from crmkit.events import Event
from crmkit.metrics import EVENTS_PUBLISH_FAILED, EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PENDING

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    pass


class PikaPublisher:
    """Publishes to RabbitMQ with publisher confirms: `publish` returns only once the broker
    has the message (persistent, on a durable exchange declared as nameko declares it)."""

    def __init__(self, amqp_url: str):
        self._params = pika.URLParameters(amqp_url)
        self._params.heartbeat = 30
        self._params.blocked_connection_timeout = 30
        self._conn: pika.BlockingConnection | None = None
        self._channel = None
        self._declared: set[str] = set()

    def _ensure(self):
        if self._conn is None or self._conn.is_closed or self._channel is None or self._channel.is_closed:
            self.close()
            self._conn = pika.BlockingConnection(self._params)
            self._channel = self._conn.channel()
            self._channel.confirm_delivery()
            self._declared.clear()
        return self._channel

    def publish(self, evt: Event) -> None:
        try:
            channel = self._ensure()
            if evt.exchange not in self._declared:
                channel.exchange_declare(evt.exchange, exchange_type="topic", durable=True)
                self._declared.add(evt.exchange)
            channel.basic_publish(
                exchange=evt.exchange,
                routing_key=evt.type,
                body=evt.to_json(),
                properties=pika.BasicProperties(
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=evt.event_id,
                ),
            )
        except (AMQPError, OSError) as exc:
            self.close()
            raise PublishFailed(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except (AMQPError, OSError):
            pass
        self._conn = None
        self._channel = None


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
        db.on_outbox_written(self._wake.set)

    def publish_pending(self) -> int:
        """Publish one batch. Returns how many were published; raises PublishFailed if the
        publisher failed (what was published before the failure stays marked)."""
        model = self.db.outbox_model
        with self.db.session_factory() as session:
            # Plain rows and one UPDATE per batch: under load the relay wakes on every commit,
            # and ORM objects per event cost more than publishing them.
            rows = session.execute(
                select(model.id, model.payload)
                .where(model.published_at.is_(None))
                .order_by(model.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            published: list[int] = []
            try:
                for row_id, payload in rows:
                    evt = Event.from_message(json.loads(payload))
                    self.publisher.publish(evt)
                    published.append(row_id)
                    EVENTS_PUBLISHED.labels(self.db.service, evt.type).inc()
            except PublishFailed:
                EVENTS_PUBLISH_FAILED.labels(self.db.service).inc()
                failed = rows[len(published)].id
                session.execute(update(model).where(model.id == failed).values(attempts=model.attempts + 1))
                self._mark_published(session, published)
                session.commit()
                raise
            self._mark_published(session, published)
            session.commit()
        return len(published)

    def _mark_published(self, session, ids: list[int]) -> None:
        if ids:
            model = self.db.outbox_model
            session.execute(
                update(model).where(model.id.in_(ids)).values(attempts=model.attempts + 1, published_at=utcnow())
            )

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
