"""Service tests: a fresh PostgreSQL database per test with the real migration, real Redis under
a unique key prefix, the real gRPC server on a free port; only the SMS sender is a fake."""

from __future__ import annotations

import pytest
from identity_testkit import PRIVATE, PUBLIC, App, StaticTakings, TenantShoppers

from crm.identity.v1 import identity_pb2_grpc, stores_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.redis_client import make_redis
from crmkit.settings import Settings
from identity.grpc_api import FULL_NAME, IdentityServicer, registration
from identity.grpc_api_stores import FULL_NAME as STORES_FULL_NAME
from identity.grpc_api_stores import StoresServicer
from identity.grpc_api_stores import registration as stores_registration
from identity.migrate import migrate
from identity.server import build
from identity.sms import RecordingCodeSender


@pytest.fixture
def app():
    url = testing.create_database("identity_test")
    prefix = testing.unique_name("test") + ":"
    redis = make_redis(testing.REDIS_URL)
    try:
        migrate(url)
        settings = Settings(
            service="identity",
            database_url=url,
            redis_url=testing.REDIS_URL,
            redis_prefix=prefix,
            jwt_private_key=PRIVATE,
            jwt_public_key=PUBLIC,
        )
        sender = RecordingCodeSender()
        takings = StaticTakings()
        shoppers = TenantShoppers()
        runtime = build(settings, redis=redis, code_sender=sender, takings=takings, shoppers=shoppers)
        servicer = runtime.registrations[0].servicer
        yield App(
            db=runtime.db,
            ports=servicer.ports,
            sender=sender,
            redis=redis,
            prefix=prefix,
            takings=takings,
            shoppers=shoppers,
        )
        runtime.close()
    finally:
        testing.delete_redis_prefix(redis, prefix)
        redis.close()
        testing.drop_database(url)


@pytest.fixture
def grpc_app(app):
    """The same app served over gRPC: (app, client)."""
    server, port, _ = build_server(
        "identity",
        [
            registration(IdentityServicer(app.db, app.ports)),
            stores_registration(StoresServicer(app.db, app.ports.issuer, app.takings)),
        ],
        # As every server process: revoked sessions are refused here too (issue 11).
        verifier=TokenVerifier(PUBLIC, revoked=app.ports.revoked),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    client = ServiceClient(f"127.0.0.1:{port}", identity_pb2_grpc.IdentityServiceStub, FULL_NAME)
    # StoresService (A4) is served beside IdentityService on the same port.
    client.stores = ServiceClient(f"127.0.0.1:{port}", stores_pb2_grpc.StoresServiceStub, STORES_FULL_NAME)
    yield app, client
    client.stores.close()
    client.close()
    server.stop(0)
