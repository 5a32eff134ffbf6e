"""Composition root of the orders gRPC server: `python -m orders.server`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crmkit.db import Database, utcnow
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings
from orders.grpc_api import registration
from orders.models import Outbox, ProcessedEvent
from orders.service.customers import CustomerDirectory, GrpcCustomerDirectory

SERVICE = "orders"
DEFAULT_GRPC_PORT = 50054


def build(
    settings: Settings, *, customers: CustomerDirectory | None = None, clock: Callable[[], datetime] = utcnow
) -> ServiceRuntime:
    """Wire the database, the customers client and the servicer; connects to nothing until the
    first call (a gRPC channel dials lazily)."""
    settings.require("database_url")
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent)
    closers = []
    if customers is None:
        directory = GrpcCustomerDirectory(settings.peer("customers"))
        closers.append(directory.close)
        customers = directory
    return ServiceRuntime(
        service=SERVICE, db=db, registrations=[registration(db, customers, clock=clock)], closers=closers
    )


def main() -> None:
    settings = Settings.from_env(SERVICE, default_grpc_port=DEFAULT_GRPC_PORT)
    # Check everything before opening anything: a missing setting must stop startup, not the first call.
    settings.require("database_url", "jwt_public_key")
    settings.peer("customers")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
