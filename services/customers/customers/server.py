"""Composition root of the customers gRPC server: `python -m customers.server`."""

from __future__ import annotations

from crmkit.db import Database
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings
from customers.grpc_api import registration
from customers.grpc_api_segments import segments_registration
from customers.models import Outbox, ProcessedEvent

SERVICE = "customers"
DEFAULT_GRPC_PORT = 50052


def build(settings: Settings) -> ServiceRuntime:
    """Wire the database and the servicer; connects to nothing until the first call."""
    settings.require("database_url")
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent)
    return ServiceRuntime(service=SERVICE, db=db, registrations=[registration(db), segments_registration(db)])


def main() -> None:
    settings = Settings.from_env(SERVICE, default_grpc_port=DEFAULT_GRPC_PORT)
    # Check everything before opening anything: a missing key must stop startup, not the first call.
    settings.require("database_url", "jwt_public_key")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
