"""Fixtures shared by the service and worker tests: tokens and a fake of the identity service
on a real gRPC server (a peer service, so a fake is allowed here; tests/integration runs the
real one)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from messaging_testkit import ISSUER, PUBLIC_KEY, FakeCustomers, FakeIdentity

from crm.customers.v1 import customers_pb2_grpc
from crm.identity.v1 import identity_pb2_grpc
from crmkit.auth import STAFF, TokenVerifier
from crmkit.grpc_server import ServiceRegistration, build_server


@pytest.fixture(scope="session")
def service_token():
    return ISSUER.service_token("test-caller")


@pytest.fixture(scope="session")
def staff_token():
    def issue(tenant_id: str, staff_id: str, roles=("salesperson",)) -> str:
        return ISSUER.issue(
            kind=STAFF, subject_id=staff_id, tenant_id=tenant_id, roles=roles, ttl=timedelta(minutes=10)
        )[0]

    return issue


@pytest.fixture(scope="session")
def identity_server():
    servicer = FakeIdentity()
    server, port, _ = build_server(
        "identity",
        [
            ServiceRegistration(
                identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer, "crm.identity.v1.IdentityService"
            )
        ],
        verifier=TokenVerifier(PUBLIC_KEY),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture
def fake_identity(identity_server):
    servicer, _ = identity_server
    servicer.staff.clear()
    servicer.calls.clear()
    servicer.down = False
    return servicer


@pytest.fixture(scope="session")
def customers_server():
    servicer = FakeCustomers()
    server, port, _ = build_server(
        "customers",
        [
            ServiceRegistration(
                customers_pb2_grpc.add_CustomersServiceServicer_to_server,
                servicer,
                "crm.customers.v1.CustomersService",
            )
        ],
        verifier=TokenVerifier(PUBLIC_KEY),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture
def fake_customers(customers_server):
    servicer, _ = customers_server
    servicer.customers.clear()
    servicer.calls.clear()
    servicer.down = False
    return servicer
