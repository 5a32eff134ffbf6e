"""Composition root of the coupons gRPC server: `python -m coupons.server`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import redis as redis_lib

from coupons import grpc_api_stored_value
from coupons.claims_writer import ClaimWriter
from coupons.declaration import DECLARATION
from coupons.grpc_api import registration
from coupons.service.claims_stream import ClaimStream, durability_problems
from coupons.service.coupons_customers import CustomerDirectory, customer_directory
from coupons.service.coupons_segment_send import GrpcSegmentMembers, SegmentMembers
from coupons.service.coupons_stock import ClaimStock
from coupons.stored_value_peers import OwnerSms, Unwired, owner_sms_from_settings
from crmkit.db import utcnow
from crmkit.log import configure_logging
from crmkit.redis_client import Keys, make_redis
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

SERVICE = DECLARATION.name
log = logging.getLogger(__name__)


def build(
    settings: Settings,
    *,
    customers: CustomerDirectory | None = None,
    clock: Callable[[], datetime] = utcnow,
    owner_sms: OwnerSms | None = None,
    segment_members: SegmentMembers | None = None,
) -> ServiceRuntime:
    """Wire the database, Redis (claim stock counters: the real server with REDIS_URL, crmkit's
    shared fakeredis in embedded mode), the peers and the servicers; connects to nothing until
    first use. One customers client serves coupon sends (E2) and stored value (E7 E8 E9);
    `owner_sms` is stored value's pre-charge code (E8); tests pass fakes."""
    settings.require("database_url")
    db = DECLARATION.open_database(settings.database_url, pool_size=settings.database_pool_size)
    redis = make_redis(settings.redis_url)
    closers = [redis.close]
    if customers is None:
        directory = customer_directory(settings.peer("customers"))
        closers.append(directory.close)
        customers = directory
    keys = Keys(settings.redis_prefix, SERVICE)
    if segment_members is None:
        if "customers" in settings.peers and settings.service_token:
            # Segment sends (E2 E10): members are streamed with this service's own token.
            streamer = GrpcSegmentMembers(settings.peer("customers"), settings.service_token)
            closers.append(streamer.close)
            segment_members = streamer
        else:
            segment_members = Unwired("CUSTOMERS_ADDR")
    registrations = [registration(db, redis, keys, customers, clock=clock, segment_members=segment_members)]
    # Stored value's own peers: identity and messaging for the owner's SMS code.
    owner_sms, sms_closers = owner_sms_from_settings(settings, owner_sms)
    closers += sms_closers
    registrations.append(
        grpc_api_stored_value.registration(db, customers, owner_sms, ClaimStock(redis, keys), clock=clock)
    )
    # Claims are answered from Redis and written behind the answer by this loop (ADR 0021).
    writer = ClaimWriter(db, ClaimStream(redis, keys))
    return ServiceRuntime(service=SERVICE, db=db, registrations=registrations, closers=closers, background=[writer])


def _check_redis(redis_url: str) -> None:
    client = make_redis(redis_url)
    try:
        for problem in durability_problems(client):
            log.error("Redis is not safe for answered claims (ADR 0021): %s", problem)
    except redis_lib.RedisError as exc:
        log.warning("Redis not checked for claims' durability: %s", exc)
    finally:
        client.close()


def main() -> None:
    settings = DECLARATION.settings_from_env()
    # REDIS_URL is required: several server replicas must share one set of claim counters.
    settings.require("database_url", "jwt_public_key", "redis_url", "service_token")
    for peer in ("customers", "identity", "messaging"):
        settings.peer(peer)
    # Answered claims live in Redis until the writer has written them (ADR 0021).
    configure_logging(settings.service, settings.log_level)
    _check_redis(settings.redis_url)
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
