"""nameko worker support: dependency providers, the blocking-call helper and the runner.

nameko runs on eventlet. gRPC calls block every green thread while they wait (and a gRPC server
must never run here, see PLATFORM-NOTES.md), so each event handler runs in a real OS thread via
`run_blocking`; inside it, database and gRPC clients behave as in any threaded program.

A worker patches with `eventlet.monkey_patch(thread=False)` before anything else: handler
threads share locks (connection pool, logging, metrics) that must stay real OS locks; patched
green locks crash with "Cannot switch to a different thread" when two handlers contend.

Import this module only from worker processes: it needs eventlet and nameko.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

import eventlet
from eventlet import tpool
from nameko.extensions import DependencyProvider

from crmkit import context as ctx
from crmkit.events import Event
from crmkit.metrics import EVENTS_CONSUMED

log = logging.getLogger(__name__)


def run_blocking(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking call (gRPC, database) off the green-thread hub."""
    return tpool.execute(fn, *args, **kwargs)


class Provided(DependencyProvider):
    """Builds one shared object at worker start (a Database, a ServiceClient) from a factory,
    and hands the same object to every worker: clients are created once and reused."""

    def __init__(self, factory: Callable[[], Any]):
        self.factory = factory
        self.instance = None

    def setup(self):
        self.instance = self.factory()

    def stop(self):
        closer = getattr(self.instance, "dispose", None) or getattr(self.instance, "close", None)
        if closer:
            closer()

    def get_dependency(self, worker_ctx):
        return self.instance


def consume(service: str, body: dict | str | bytes, handler: Callable[[Event], Any]) -> Any:
    """Entry point body for every @event_handler: parse the envelope, run the plain handler
    off the hub with the event's request id, count the outcome. Raising makes nameko requeue
    (handlers are declared with requeue_on_error=True); handlers are idempotent on event_id."""
    evt = Event.from_message(body)

    def _run():
        token = ctx.request_id.set(evt.request_id or ctx.new_request_id())
        try:
            return handler(evt)
        finally:
            ctx.request_id.reset(token)

    try:
        result = run_blocking(_run)
    except Exception:
        EVENTS_CONSUMED.labels(service, evt.type, "failed").inc()
        log.exception("handler failed for %s %s", evt.type, evt.event_id)
        raise
    EVENTS_CONSUMED.labels(service, evt.type, "ok").inc()
    return result


def run_worker(service_cls: type, amqp_url: str, *, max_workers: int = 10) -> None:
    """`python -m <service>.worker`: run one nameko service until SIGTERM/SIGINT."""
    from nameko.runners import ServiceRunner

    runner = ServiceRunner({"AMQP_URI": amqp_url, "max_workers": max_workers, "serializer": "json"})
    runner.add_service(service_cls)

    def _stop(signum, _frame):
        log.info("signal %s: stopping worker", signum)
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.start()
    runner.wait()
