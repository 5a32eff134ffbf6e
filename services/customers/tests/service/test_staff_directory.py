"""C3 transfer: the customers service asks identity (real gRPC, fake servicer) whether the
colleague may hold customers, as a service of the caller's tenant."""

import pytest
from customer_testkit import ISSUER, PUBLIC

from crm.identity.v1 import identity_pb2 as ipb
from crm.identity.v1 import identity_pb2_grpc
from crmkit.auth import TokenVerifier, require_actor
from crmkit.errors import NotFound
from crmkit.grpc_server import ServiceRegistration, build_server
from customers.staff_directory import identity_directory

STAFF = {
    ("t1", "seller"): ipb.Staff(id="seller", roles=["salesperson"], active=True),
    ("t1", "gone"): ipb.Staff(id="gone", roles=["salesperson"], active=False),
    ("t1", "packer"): ipb.Staff(id="packer", roles=["warehouse"], active=True),
    ("t1", "boss"): ipb.Staff(id="boss", roles=["store_manager"], active=True),
}


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self):
        self.callers = []

    def GetStaff(self, request, context):
        actor = require_actor()
        self.callers.append((actor.kind, actor.tenant_id))
        try:
            return STAFF[(actor.tenant_id, request.id)]
        except KeyError:
            raise NotFound("STAFF_NOT_FOUND", "error.not_found") from None


@pytest.fixture(scope="module")
def identity():
    fake = FakeIdentity()
    reg = ServiceRegistration(
        identity_pb2_grpc.add_IdentityServiceServicer_to_server, fake, "crm.identity.v1.IdentityService"
    )
    server, port, _ = build_server("identity", [reg], verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1")
    server.start()
    directory = identity_directory(f"127.0.0.1:{port}", ISSUER.service_token("customers"))
    yield fake, directory
    directory.close()
    server.stop(0)


@pytest.mark.parametrize(
    ("tenant", "staff_id", "may"),
    [
        ("t1", "seller", True),
        ("t1", "boss", True),
        ("t1", "gone", False),
        ("t1", "packer", False),
        ("t2", "seller", False),
    ],
)
def test_c3_only_active_selling_colleagues_may_receive_customers(identity, tenant, staff_id, may):
    fake, directory = identity
    assert directory.may_hold_customers(tenant, staff_id) is may
    assert fake.callers[-1] == ("service", tenant)
