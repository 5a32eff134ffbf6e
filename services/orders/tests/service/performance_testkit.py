"""Fixtures and helpers of the performance tests (B9-B11): the PerformanceService on its own
gRPC server beside the orders one (same database), a real Redis under a unique key prefix.
Test modules import the fixtures they use by name."""

import uuid

import pytest
import redis
from orders_testkit import PUBLIC, call, line

from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import performance_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.db import utcnow
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.redis_client import Keys
from orders import grpc_performance
from orders.domain.performance import month_of


@pytest.fixture(scope="module")
def rds():
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    prefix = f"test-perf-{uuid.uuid4().hex[:8]}:"
    client.test_prefix = prefix
    yield client
    testing.delete_redis_prefix(client, prefix)
    client.close()


@pytest.fixture(scope="module")
def keys(rds):
    return Keys(rds.test_prefix, "orders")


@pytest.fixture(scope="module")
def perf(db, rds, keys):
    registration = grpc_performance.registration(db, rds, keys)
    grpc_server, port, _ = build_server(
        "orders-performance", [registration], verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    c = ServiceClient(f"127.0.0.1:{port}", performance_pb2_grpc.PerformanceServiceStub, grpc_performance.FULL_NAME)
    yield c
    c.close()
    grpc_server.stop(0)


def this_month() -> str:
    return month_of(utcnow())


def sell(client, owner, seller, customer, *items):
    """Submit (as the seller) and approve (as the owner) one order of (product_id, quantity)."""
    order = call(
        client,
        seller,
        "SubmitOrder",
        pb.SubmitOrderRequest(customer_id=customer, lines=[line(pid, qty) for pid, qty in items]),
    )
    return call(client, owner, "ApproveOrder", pb.OrderActionRequest(id=order.id))


def take_back(client, owner, seller, customer, *items):
    ret = call(
        client,
        seller,
        "SubmitReturn",
        pb.SubmitReturnRequest(customer_id=customer, lines=[line(pid, qty) for pid, qty in items]),
    )
    return call(client, owner, "ApproveReturn", pb.ReturnActionRequest(id=ret.id))
