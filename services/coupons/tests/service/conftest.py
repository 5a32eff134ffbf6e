"""A fresh PostgreSQL database with every migration applied, shared by this run, the real coupons
gRPC server on a free port (its own composition root), and real Redis under a key prefix of this
run. Each test works in its own tenant (random ids), so tests cannot see each other's rows."""

import uuid

import pytest
import redis as redis_lib
from coupons_testkit import FakeCustomers, FakeSegments

from coupons import migrate, server
from coupons.grpc_api import FULL_NAME
from coupons.service.coupons_segment_send import SEGMENTS_FULL_NAME, GrpcSegmentMembers
from crm.coupons.v1 import coupons_pb2_grpc
from crm.customers.v1 import segments_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenIssuer, TokenVerifier, generate_keypair
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server
from crmkit.settings import Settings


@pytest.fixture(scope="session")
def keys():
    return generate_keypair()


@pytest.fixture(scope="session")
def issuer(keys):
    return TokenIssuer(keys[0])


@pytest.fixture(scope="session")
def database_url():
    url = testing.create_database("coupons_test")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        yield url
    finally:
        testing.drop_database(url)


@pytest.fixture(scope="session")
def redis_prefix():
    prefix = f"coupons-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    testing.delete_redis_prefix(redis_lib.Redis.from_url(testing.REDIS_URL), prefix)


@pytest.fixture(scope="session")
def customers():
    return FakeCustomers()


@pytest.fixture(scope="session")
def segments(keys):
    """A fake customers SegmentsService on a real gRPC server (streaming members)."""
    fake = FakeSegments()
    grpc_server, port, _ = build_server(
        "customers",
        [ServiceRegistration(segments_pb2_grpc.add_SegmentsServiceServicer_to_server, fake, SEGMENTS_FULL_NAME)],
        verifier=TokenVerifier(keys[1]),
        port=0,
        host="127.0.0.1",
    )
    grpc_server.start()
    fake.address = f"127.0.0.1:{port}"
    yield fake
    grpc_server.stop(0)


@pytest.fixture(scope="session")
def runtime(database_url, redis_prefix, keys, customers, segments, issuer):
    """The service's own composition root, as `python -m coupons.server` builds it."""
    settings = Settings(
        service="coupons",
        database_url=database_url,
        redis_url=testing.REDIS_URL,
        redis_prefix=redis_prefix,
        jwt_public_key=keys[1],
    )
    members = GrpcSegmentMembers(segments.address, issuer.service_token("coupons"))
    rt = server.build(settings, customers=customers, segment_members=members)
    # The claim writer runs beside the servicers, as in both modes (ADR 0021).
    rt.start_background()
    yield rt
    rt.stop_background()
    rt.close()
    members.close()


@pytest.fixture(scope="session")
def db(runtime):
    return runtime.db


@pytest.fixture(scope="session")
def address(runtime, keys):
    grpc_server, port, _ = build_server(
        "coupons", runtime.registrations, verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1", max_workers=64
    )
    grpc_server.start()
    yield f"127.0.0.1:{port}"
    grpc_server.stop(0)


@pytest.fixture(scope="session")
def client(address):
    c = ServiceClient(address, coupons_pb2_grpc.CouponsServiceStub, FULL_NAME)
    yield c
    c.close()


@pytest.fixture
def tenant(customers):
    """A fresh tenant whose customers c-1 .. c-9 exist (phones 1380000000N)."""
    tenant_id = f"t-{uuid.uuid4().hex[:12]}"
    for i in range(1, 10):
        customers.add(tenant_id, f"c-{i}", f"1380000000{i}")
    return tenant_id
