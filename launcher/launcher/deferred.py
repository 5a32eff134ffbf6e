"""Delivery of a service's own events to its own handlers in the embedded mode.

The in-process bus runs handlers inside the publishing relay's transaction. On SQLite every
transaction takes the database's write lock up front (BEGIN IMMEDIATE), so a handler that writes
to the database of the service whose relay is publishing would wait on its own relay until the
busy timeout, and every request to that service with it. Such subscriptions go through a queue
instead: the relay only enqueues (the event counts as published), and one thread delivers each
event after the relay's transaction has ended, retrying a failing handler with a growing pause
as a broker would redeliver it. An event still queued when the process stops is not delivered
(the embedded mode is a one-machine development setup; its effects stay visibly pending, e.g. a
recharge gift product shown as `pending`).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from crmkit.events import Event

log = logging.getLogger(__name__)


class DeferredDelivery:
    def __init__(self, stopping: threading.Event, *, first_pause: float = 0.5, max_pause: float = 30.0):
        self.stopping = stopping
        self.first_pause = first_pause
        self.max_pause = max_pause
        self._queue: queue.Queue[tuple[Callable[[Event], None], Event]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="deferred-events", daemon=True)
        self._thread.start()

    def wrap(self, handler: Callable[[Event], None]) -> Callable[[Event], None]:
        def enqueue(event: Event) -> None:
            self._queue.put((handler, event))

        return enqueue

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                handler, event = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            pause = self.first_pause
            while not self.stopping.is_set():
                try:
                    handler(event)
                    break
                except Exception:
                    log.exception("deferred handler failed for %s %s; retrying", event.type, event.event_id)
                    self.stopping.wait(pause)
                    pause = min(pause * 2, self.max_pause)
