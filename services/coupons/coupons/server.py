"""Composition root of the coupons gRPC server: `python -m coupons.server`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from coupons.grpc_api import registration
from coupons.models import Outbox, ProcessedEvent
from coupons.service.coupons_customers import CustomerDirectory, GrpcCustomerDirectory
from crmkit.db import Database, utcnow
from crmkit.redis_client import Keys, make_redis
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

SERVICE = "coupons"
DEFAULT_GRPC_PORT = 50055


def build(
    settings: Settings,
    *,
    customers: CustomerDirectory | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ServiceRuntime:
    """Wire the database, Redis (claim stock counters: the real server with REDIS_URL, crmkit's
    shared fakeredis in embedded mode), the customers client and the servicers; connects to
    nothing until first use."""
    settings.require("database_url")
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent)
    redis = make_redis(settings.redis_url)
    closers = [redis.close]
    if customers is None:
        directory = GrpcCustomerDirectory(settings.peer("customers"))
        closers.append(directory.close)
        customers = directory
    keys = Keys(settings.redis_prefix, SERVICE)
    registrations = [registration(db, redis, keys, customers, clock=clock)]
    return ServiceRuntime(service=SERVICE, db=db, registrations=registrations, closers=closers)


def main() -> None:
    settings = Settings.from_env(SERVICE, default_grpc_port=DEFAULT_GRPC_PORT)
    # REDIS_URL is required: several server replicas must share one set of claim counters.
    settings.require("database_url", "jwt_public_key", "redis_url")
    settings.peer("customers")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
