"""gRPC servicer of crm.coupons.v1.CouponsService: proto -> use case -> proto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis as redis_lib

from crm.coupons.v1 import coupons_pb2_grpc
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.redis_client import Keys

FULL_NAME = "crm.coupons.v1.CouponsService"


class CouponsServicer(coupons_pb2_grpc.CouponsServiceServicer):
    def __init__(self, db: Database, redis: redis_lib.Redis, keys: Keys, *, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.redis = redis
        self.keys = keys
        self.clock = clock


def registration(
    db: Database, redis: redis_lib.Redis, keys: Keys, *, clock: Callable[[], datetime] = utcnow
) -> ServiceRegistration:
    return ServiceRegistration(
        coupons_pb2_grpc.add_CouponsServiceServicer_to_server, CouponsServicer(db, redis, keys, clock=clock), FULL_NAME
    )
