"""What a service's composition root returns, and how a standalone server process runs it.

Each service's `server.py` has `build(settings, **ports) -> ServiceRuntime` (wires database,
use cases and servicers; connects to nothing else at import) and `main()`, which calls
`serve(...)`. The embedded launcher calls the same `build` and starts the pieces in one process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.grpc_server import ServiceRegistration, build_server, run_until_signalled
from crmkit.log import configure_logging
from crmkit.metrics import serve_metrics
from crmkit.redis_client import make_redis
from crmkit.relay import OutboxRelay, PikaPublisher
from crmkit.revocation import RevokedSessions
from crmkit.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    service: str
    db: Database
    registrations: list[ServiceRegistration]
    # Things to close on shutdown (clients, connections), besides the database.
    closers: list = field(default_factory=list)
    # Loops that run beside the gRPC server in the same process (start() -> self, stop()), e.g.
    # marketing's beat drainer; both modes start them with the server.
    background: list = field(default_factory=list)

    def start_background(self) -> None:
        for loop in self.background:
            loop.start()

    def stop_background(self) -> None:
        for loop in self.background:
            try:
                loop.stop()
            except Exception:
                log.exception("error while stopping a background loop")

    def close(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:
                log.exception("error while closing")
        self.db.dispose()


def verifier_from(settings: Settings) -> TokenVerifier:
    """A server process's verifier, revocations included: REDIS_URL is required, since an
    in-process stand-in would never see the sessions identity revokes (ADR 0011)."""
    settings.require("jwt_public_key", "redis_url")
    revoked = RevokedSessions(make_redis(settings.redis_url), settings.redis_prefix)
    return TokenVerifier(settings.jwt_public_key, revoked=revoked)


def serve(runtime: ServiceRuntime, settings: Settings) -> None:
    """Run one service as its own process: gRPC server, outbox relay to RabbitMQ, its background
    loops, metrics."""
    configure_logging(settings.service, settings.log_level)
    relay = None
    if settings.amqp_url:
        relay = OutboxRelay(runtime.db, PikaPublisher(settings.amqp_url)).start()
    else:
        log.warning("AMQP_URL not set: outbox events stay unpublished until a relay runs")
    serve_metrics(settings.metrics_port)
    # As many threads as the database pool keeps connections for (Settings.database_pool_size).
    server, port, health = build_server(
        settings.service,
        runtime.registrations,
        verifier=verifier_from(settings),
        port=settings.grpc_port,
        max_workers=settings.grpc_workers,
    )
    log.info("%s serving gRPC on port %s", settings.service, port)
    runtime.start_background()

    def _stop():
        runtime.stop_background()
        if relay:
            relay.stop()
        runtime.close()

    run_until_signalled(server, health, on_stop=_stop)
