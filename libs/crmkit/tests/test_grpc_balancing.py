"""Issue 16 item 5: a client spreads its calls over every replica of a peer (round_robin over the
addresses its name resolves to), instead of pinning one HTTP/2 connection to one pod."""

from concurrent import futures

import grpc
import pytest

from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.grpc_client import ServiceClient, channel_target

IDENTITY = "crm.identity.v1.IdentityService"


class Replica(identity_pb2_grpc.IdentityServiceServicer):
    """Answers GetStaff with its own name, so the caller can tell the replicas apart."""

    def __init__(self, name: str):
        self.name = name

    def GetStaff(self, request, context):
        return identity_pb2.Staff(id=request.id, name=self.name)


@pytest.fixture
def two_replicas():
    servers, ports = [], []
    for name in ("a", "b"):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(Replica(name), server)
        ports.append(server.add_insecure_port("127.0.0.1:0"))
        server.start()
        servers.append(server)
    yield ports
    for server in servers:
        server.stop(0)


def test_i16_calls_are_spread_over_every_replica_the_address_resolves_to(two_replicas):
    # A name resolving to two pods, as a headless Service's does; ipv4: lists them statically.
    target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in two_replicas)
    client = ServiceClient(target, identity_pb2_grpc.IdentityServiceStub, IDENTITY, timeout=5.0)
    try:
        answered = [client.call("GetStaff", identity_pb2.GetStaffRequest(id=str(i))).name for i in range(20)]
    finally:
        client.close()
    assert set(answered) == {"a", "b"}
    # In turn, not merely both: neither replica takes more than its share plus the warm-up.
    assert abs(answered.count("a") - answered.count("b")) <= 4


def test_i16_a_host_and_port_is_resolved_by_dns_and_an_explicit_scheme_is_kept():
    assert channel_target("crm-orders-grpc:50054") == "dns:///crm-orders-grpc:50054"
    assert channel_target("127.0.0.1:50054") == "dns:///127.0.0.1:50054"
    assert channel_target("dns:///crm-orders-grpc:50054") == "dns:///crm-orders-grpc:50054"
    assert channel_target("ipv4:10.0.0.1:1,10.0.0.2:1") == "ipv4:10.0.0.1:1,10.0.0.2:1"
    assert channel_target("unix:/tmp/orders.sock") == "unix:/tmp/orders.sock"
