"""A fresh PostgreSQL database with migration 0001 applied, shared by this run; each test works
in its own tenant (random ids), so tests cannot see each other's rows."""

import uuid

import pytest
from customer_testkit import PUBLIC

from crm.customers.v1 import customers_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from customers import migrate, server
from customers.grpc_api import FULL_NAME
from customers.models import Outbox, ProcessedEvent


@pytest.fixture(scope="session")
def database_url():
    url = testing.create_database("customers_test")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        yield url
    finally:
        testing.drop_database(url)


@pytest.fixture(scope="session")
def db(database_url):
    database = Database(database_url, service="customers", outbox=Outbox, processed=ProcessedEvent)
    yield database
    database.dispose()


@pytest.fixture
def tenant():
    return f"t-{uuid.uuid4().hex[:12]}"


class TestkitStaff:
    """identity as the gRPC tests need it: every staff id the testkit makes (`s-…`) is an active
    seller of the tenant; anything else is unknown."""

    def may_hold_customers(self, tenant_id, staff_id):
        return staff_id.startswith("s-")


@pytest.fixture(scope="session")
def runtime(database_url):
    """The service's own composition root, as `python -m customers.server` builds it."""
    rt = server.build(
        Settings(service="customers", database_url=database_url, jwt_public_key=PUBLIC), staff=TestkitStaff()
    )
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def client(runtime):
    """The real servicer behind the real interceptor (tokens, error mapping), on a free port."""
    grpc_server, port, _ = build_server(
        "customers", runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    c = ServiceClient(f"127.0.0.1:{port}", customers_pb2_grpc.CustomersServiceStub, FULL_NAME)
    yield c
    c.close()
    grpc_server.stop(0)
