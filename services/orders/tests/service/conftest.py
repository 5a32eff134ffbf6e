"""A fresh PostgreSQL database with migration 0001 applied, shared by this run, the real orders
gRPC server on a free port, and a fake customers server beside it. Each test works in its own
tenant (random ids), so tests cannot see each other's rows."""

import uuid

import pytest
from orders_testkit import ISSUER, PUBLIC, FakeCustomers

from crm.customers.v1 import customers_pb2_grpc
from crm.orders.v1 import orders_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server
from crmkit.settings import Settings
from orders import migrate, server
from orders.grpc_api import FULL_NAME


@pytest.fixture(scope="session")
def database_url():
    url = testing.create_database("orders_test")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        yield url
    finally:
        testing.drop_database(url)


@pytest.fixture(scope="session")
def customers():
    fake = FakeCustomers()
    registration = ServiceRegistration(
        customers_pb2_grpc.add_CustomersServiceServicer_to_server, fake, "crm.customers.v1.CustomersService"
    )
    grpc_server, port, _ = build_server(
        "customers", [registration], verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    fake.address = f"127.0.0.1:{port}"
    yield fake
    grpc_server.stop(0)


@pytest.fixture(scope="session")
def runtime(database_url, customers):
    """The service's own composition root, as `python -m orders.server` builds it."""
    settings = Settings(
        service="orders",
        database_url=database_url,
        jwt_public_key=PUBLIC,
        peers={"customers": customers.address},
        service_token=ISSUER.service_token("orders"),
    )
    rt = server.build(settings)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def db(runtime):
    return runtime.db


@pytest.fixture(scope="session")
def client(runtime):
    grpc_server, port, _ = build_server(
        "orders", runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1", max_workers=64
    )
    grpc_server.start()
    c = ServiceClient(f"127.0.0.1:{port}", orders_pb2_grpc.OrdersServiceStub, FULL_NAME)
    yield c
    c.close()
    grpc_server.stop(0)


@pytest.fixture
def tenant():
    return f"t-{uuid.uuid4().hex[:12]}"
