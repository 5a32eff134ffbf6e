"""nameko worker support: dependency providers, the blocking-call helper and the runner.

nameko runs on eventlet. gRPC calls block every green thread while they wait (and a gRPC server
must never run here, see PLATFORM-NOTES.md), so each event handler runs in a real OS thread via
`run_blocking`; inside it, database and gRPC clients behave as in any threaded program.

A worker patches with `eventlet.monkey_patch(thread=False)` before anything else: handler
threads share locks (connection pool, logging, metrics) that must stay real OS locks; patched
green locks crash with "Cannot switch to a different thread" when two handlers contend.

Import this module only from worker processes: it needs eventlet and nameko.

A service's `worker.py` patches, then calls `main(DECLARATION)`: the nameko service class is made
here from the handlers its subscriptions.py binds (`worker_class`), so each event is named once.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

import eventlet
from eventlet import tpool
from nameko.events import event_handler
from nameko.extensions import DependencyProvider

from crmkit import context as ctx
from crmkit.declaration import Declaration, resolve
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


# Pauses before a worker whose container died starts it again: growing, and back to the first
# once a container has run a while (a broker restart, not a crash loop).
RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_AFTER_SECONDS = 60.0


def _service_runner(service_cls: type, amqp_url: str, max_workers: int):
    from nameko.runners import ServiceRunner

    runner = ServiceRunner({"AMQP_URI": amqp_url, "max_workers": max_workers, "serializer": "json"})
    runner.add_service(service_cls)
    return runner


# Handlers a worker process runs at once (nameko's max_workers); its database pool keeps as many.
WORKER_HANDLERS = 10


def run_worker(
    service_cls: type,
    amqp_url: str,
    *,
    max_workers: int = WORKER_HANDLERS,
    make_runner=_service_runner,
    clock=time.monotonic,
) -> None:
    """`python -m <service>.worker`: run one nameko service until SIGTERM/SIGINT.

    nameko kills its container when acknowledging a message fails (the broker went away while a
    handler ran) and `wait` then raises; the worker would exit and events would wait for a
    supervisor to start it again. Instead the container is started again here after a pause; the
    unacknowledged message is redelivered and changes nothing twice (handlers are idempotent)."""
    stopping = False
    current = None

    def _stop(signum, _frame):
        nonlocal stopping
        log.info("signal %s: stopping worker", signum)
        stopping = True
        if current is not None:
            eventlet.spawn_n(current.stop)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    failures = 0
    while not stopping:
        current = make_runner(service_cls, amqp_url, max_workers)
        started = clock()
        current.start()
        try:
            current.wait()
            return
        except Exception:
            if stopping:
                return
            failures = 0 if clock() - started > HEALTHY_AFTER_SECONDS else failures + 1
            pause = RESTART_PAUSES[min(failures, len(RESTART_PAUSES) - 1)]
            log.exception("worker container died; starting it again in %.0f s", pause)
            eventlet.sleep(pause)


def entrypoint_names(keys) -> dict[tuple[str, str], str]:
    """nameko names a handler's queue `evt-<source>-<type>--<service>.<method>`: the methods keep
    the names the hand-written workers gave them (`on_<type>`), so a deploy finds its queues, and
    the events waiting in them, where the last one left them. A type two sources share gets the
    source in its name."""
    keys = list(keys)
    types = [event_type for _, event_type in keys]
    return {
        (source, event_type): f"on_{event_type}" if types.count(event_type) == 1 else f"on_{source}_{event_type}"
        for source, event_type in keys
    }


def worker_class(service: str, handlers: dict[tuple[str, str], Callable[[Event], Any]]) -> type:
    """The nameko service: one `@event_handler(source, type)` per subscription, each running its
    handler through `consume`. requeue_on_error: a failure (a peer or the database down) puts the
    event back for another try; handlers are idempotent on event_id, so a retry changes nothing
    twice."""
    attributes: dict[str, Any] = {"name": service}
    for key, method in entrypoint_names(handlers).items():
        handler = handlers[key]

        def entrypoint(self, body, _handler=handler):
            return consume(service, body, _handler)

        entrypoint.__name__ = method
        attributes[method] = event_handler(*key, requeue_on_error=True)(entrypoint)
    return type(f"{service.title()}Worker", (), attributes)


def main(declaration: Declaration) -> None:
    """`python -m <service>.worker`. The ports (database pool, clients) are made before the
    container starts, so a missing setting stops the process now, not at the first event; they
    outlive the container's restarts (see run_worker)."""
    import os

    from crmkit.log import configure_logging
    from crmkit.metrics import serve_metrics

    worker = declaration.worker
    settings = declaration.settings_from_env().require("amqp_url", "database_url", *worker.requires)
    # One connection per handler nameko runs at once: none waits for one, none is opened and
    # closed per event.
    db = declaration.open_database(settings.database_url, pool_size=WORKER_HANDLERS)
    handlers = resolve(worker.wire)(settings, os.environ, db)
    configure_logging(declaration.name, settings.log_level)
    serve_metrics(settings.metrics_port)
    try:
        run_worker(worker_class(declaration.name, handlers), settings.amqp_url)
    finally:
        # While the hub still runs: connections left to the interpreter's exit can hang it.
        db.dispose()
