from __future__ import annotations

import uuid

import pytest
import redis
from messaging_testkit import PUBLIC_KEY, fresh_database

from crm.customers.v1 import customers_pb2_grpc
from crm.identity.v1 import identity_pb2_grpc
from crm.messaging.v1 import messaging_pb2_grpc
from crmkit import testing
from crmkit.alerts import AlertFeed
from crmkit.auth import TokenVerifier
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from messaging import server as messaging_server
from messaging.grpc_api import FULL_NAME
from messaging.sms.aliyun import sender_from_env
from messaging.sms.fake_server import FakeSmsServer


@pytest.fixture(scope="session")
def database_url():
    # One migrated database for the run; every test uses its own tenant, staff and keys.
    url = fresh_database()
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def sms_server():
    server = FakeSmsServer(port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def runtime(database_url, sms_server):
    sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": sms_server.url})
    rt = messaging_server.build(Settings(service="messaging", database_url=database_url), sms_sender=sender)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def db(runtime):
    return runtime.db


@pytest.fixture(scope="session")
def messaging(runtime, service_token):
    server, port, _ = build_server(
        "messaging", runtime.registrations, verifier=TokenVerifier(PUBLIC_KEY), port=0, host="127.0.0.1"
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", messaging_pb2_grpc.MessagingServiceStub, FULL_NAME, service_token=service_token
    )
    yield client
    client.close()
    server.stop(0)


@pytest.fixture
def identity(identity_server, fake_identity, service_token):
    _, address = identity_server
    client = ServiceClient(
        address,
        identity_pb2_grpc.IdentityServiceStub,
        "crm.identity.v1.IdentityService",
        service_token=service_token,
        timeout=2.0,
    )
    yield client
    client.close()


@pytest.fixture
def customers(customers_server, fake_customers, service_token):
    _, address = customers_server
    client = ServiceClient(
        address,
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
        service_token=service_token,
        timeout=2.0,
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def sms_sender(sms_server):
    return sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": sms_server.url})


@pytest.fixture(scope="session")
def alerts():
    """The recipients' real-time alert streams (F4) on the real Redis, under this run's prefix."""
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    prefix = f"test-messaging-{uuid.uuid4().hex[:8]}:"
    yield AlertFeed(client, prefix)
    testing.delete_redis_prefix(client, prefix)
    client.close()
