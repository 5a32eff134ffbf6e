"""H2 issue 12: which calls gRPC retries on UNAVAILABLE is read from the proto
(`option idempotency_level`), not listed by each client: a read is retried, a create is not."""

from concurrent import futures

import grpc
import pytest

from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crm.orders.v1 import orders_pb2_grpc  # noqa: F401  (registers crm.orders.v1 in the pool)
from crmkit.errors import Unavailable
from crmkit.grpc_client import ServiceClient, idempotent_methods

IDENTITY = "crm.identity.v1.IdentityService"


class FirstAttemptUnavailable(identity_pb2_grpc.IdentityServiceServicer):
    """Every method fails its first attempt as a server that is briefly unavailable."""

    def __init__(self):
        self.attempts: dict[str, int] = {}

    def _blip(self, method, context):
        self.attempts[method] = self.attempts.get(method, 0) + 1
        if self.attempts[method] == 1:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")

    def GetStaff(self, request, context):
        self._blip("GetStaff", context)
        return identity_pb2.Staff(id=request.id)

    def CreateStaff(self, request, context):
        self._blip("CreateStaff", context)
        return identity_pb2.Staff(id="s-new")


@pytest.fixture
def blipping():
    servicer = FirstAttemptUnavailable()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    client = ServiceClient(f"127.0.0.1:{port}", identity_pb2_grpc.IdentityServiceStub, IDENTITY, timeout=5.0)
    yield servicer, client
    client.close()
    server.stop(0)


def test_h2_a_read_marked_in_the_proto_is_retried_on_unavailable(blipping):
    servicer, client = blipping
    assert client.call("GetStaff", identity_pb2.GetStaffRequest(id="s-1")).id == "s-1"
    assert servicer.attempts["GetStaff"] == 2


def test_h2_a_create_is_not_retried(blipping):
    servicer, client = blipping
    with pytest.raises(Unavailable):
        client.call("CreateStaff", identity_pb2.CreateStaffRequest())
    assert servicer.attempts["CreateStaff"] == 1


def test_h2_the_retried_methods_are_the_protos_idempotent_ones():
    identity = idempotent_methods(IDENTITY)
    assert {"GetMe", "GetStaff", "ListStaff", "ListStores"} <= set(identity)
    assert "CreateStaff" not in identity and "LoginWithPassword" not in identity
    orders = idempotent_methods("crm.orders.v1.OrdersService")
    # Writes deduplicated on their key are marked IDEMPOTENT; a state change is not.
    assert {"SubmitOrder", "GetOrder"} <= set(orders)
    assert "ApproveOrder" not in orders
