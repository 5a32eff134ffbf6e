"""The real gateway app (Flask test client) in front of real gRPC servers on free ports, whose
servicers are fakes of the peer services, and a real Redis under a key prefix of its own."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
import redis
from activity_fakes import FakeActivity
from activity_fakes import registration as activity_registration
from coupons_fakes import FakeCoupons, FakeStoredValue, stored_value_registration
from coupons_fakes import registration as coupons_registration
from gateway_fakes import FakeCustomers, FakeIdentity, FakeMessaging, registrations
from marketing_fakes import FakeMarketing
from marketing_fakes import registration as marketing_registration
from orders_fakes import FakeOrders
from orders_fakes import registration as orders_registration
from ownership_fakes import FakeOwnership
from ownership_fakes import registration as ownership_registration
from performance_fakes import FakePerformance
from performance_fakes import registration as performance_registration
from printing_fakes import FakePrinting
from printing_fakes import registration as printing_registration
from receivables_fakes import FakeReceivables
from receivables_fakes import registration as receivables_registration
from storefront_fakes import FakeStorefront
from storefront_fakes import registration as storefront_registration
from stores_fakes import FakeStores
from stores_fakes import registration as stores_registration

from crmkit import testing
from crmkit.auth import TokenIssuer, TokenVerifier, generate_keypair
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from gateway.app import create_app
from gateway.config import GatewayConfig


@pytest.fixture(scope="session")
def keys():
    return generate_keypair()


@pytest.fixture(scope="session")
def issuer(keys):
    return TokenIssuer(keys[0])


@pytest.fixture(scope="session")
def fakes():
    return {
        "identity": FakeIdentity(),
        "customers": FakeCustomers(),
        "messaging": FakeMessaging(),
        "orders": FakeOrders(),
        "receivables": FakeReceivables(),
        "performance": FakePerformance(),
        "stores": FakeStores(),
        "activity": FakeActivity(),
        "ownership": FakeOwnership(),
        "coupons": FakeCoupons(),
        "stored_value": FakeStoredValue(),
        "marketing": FakeMarketing(),
        "printing": FakePrinting(),
        "storefront": FakeStorefront(),
    }


@pytest.fixture(scope="session")
def peer_addrs(keys, fakes):
    regs = registrations(fakes["identity"], fakes["customers"], fakes["messaging"])
    regs["orders"] = orders_registration(fakes["orders"])
    regs["coupons"] = coupons_registration(fakes["coupons"])
    regs["marketing"] = marketing_registration(fakes["marketing"])
    regs["printing"] = printing_registration(fakes["printing"])
    # The orders deployable serves more gRPC services on one address.
    beside = {
        "orders": [
            receivables_registration(fakes["receivables"]),
            performance_registration(fakes["performance"]),
            storefront_registration(fakes["storefront"]),
        ],
        "identity": [stores_registration(fakes["stores"])],
        "customers": [activity_registration(fakes["activity"]), ownership_registration(fakes["ownership"])],
        "coupons": [stored_value_registration(fakes["stored_value"])],
    }
    servers, addrs = [], {}
    for name, reg in regs.items():
        server, port, _ = build_server(
            name, [reg, *beside.get(name, [])], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1"
        )
        server.start()
        servers.append(server)
        addrs[name] = f"127.0.0.1:{port}"
    yield addrs
    for server in servers:
        server.stop(0)


@pytest.fixture(autouse=True)
def clean_fakes(fakes):
    for fake in fakes.values():
        fake.rec.calls.clear()
        fake.rec.fail.clear()
        fake.rec.hold.clear()
    fakes["customers"].customers.clear()
    fakes["orders"].reset()
    fakes["marketing"].reset_materials()
    fakes["storefront"].callback_answer.CopyFrom(type(fakes["storefront"].callback_answer)(accepted=True, message="ok"))


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    client.ping()
    return client


@pytest.fixture
def make_app(keys, peer_addrs, redis_client):
    """create_app for one test, with its own Redis prefix (limits and keys never leak between tests)."""
    made = []

    def make(peers: dict | None = None, **overrides):
        prefix = f"gwtest-{uuid.uuid4().hex[:10]}:"
        settings = Settings(
            service="gateway",
            redis_prefix=prefix,
            jwt_public_key=keys[1],
            # The gateway calls identity's public methods as itself, naming the client's address.
            service_token=TokenIssuer(keys[0]).service_token("gateway"),
            peers={**peer_addrs, **(peers or {})},
        )
        config = GatewayConfig.from_settings(settings, redis=redis_client)
        for name, value in overrides.items():
            setattr(config, name, value)
        made.append((config, prefix))
        return create_app(config)

    yield make
    for config, prefix in made:
        config.close()
        testing.delete_redis_prefix(redis_client, prefix)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(issuer):
    def make(staff_id="s-1", tenant_id="t-1", roles=("owner",), **kwargs):
        return issuer.issue(
            kind="staff", subject_id=staff_id, tenant_id=tenant_id, roles=roles, ttl=timedelta(minutes=15), **kwargs
        )[0]

    return make


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token()}"}


@pytest.fixture
def customer_auth(issuer):
    """A shop customer's token (B6), as identity's LoginCustomer issues it."""

    def make(customer_id="c-1", tenant_id="t-1"):
        token = issuer.issue(kind="customer", subject_id=customer_id, tenant_id=tenant_id, ttl=timedelta(days=7))[0]
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def closed_port():
    """An address nothing listens on: a peer that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"
