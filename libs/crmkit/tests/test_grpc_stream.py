"""H2: `ServiceClient.stream` carries the service token and tenant like `call`, yields every
message of a server stream, and turns an error raised mid-stream into the same DomainError."""

from datetime import timedelta

import pytest

from crm.customers.v1 import segments_pb2, segments_pb2_grpc
from crmkit.auth import TokenIssuer, TokenVerifier, generate_keypair, require_actor
from crmkit.errors import NotFound, PermissionDenied
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)
FULL_NAME = "crm.customers.v1.SegmentsService"


class Segments(segments_pb2_grpc.SegmentsServiceServicer):
    def StreamSegmentMembers(self, request, context):
        actor = require_actor()
        if actor.kind != "service":
            raise PermissionDenied("SERVICE_ONLY")
        for i in range(3):
            yield segments_pb2.SegmentMember(id=f"{actor.tenant_id}-{i}", phone=f"1380000000{i}")
        if request.segment_id == "broken":
            raise NotFound("SEGMENT_NOT_FOUND", "error.segment_not_found")


@pytest.fixture(scope="module")
def client():
    server, port, _ = build_server(
        "kit",
        [ServiceRegistration(segments_pb2_grpc.add_SegmentsServiceServicer_to_server, Segments(), FULL_NAME)],
        verifier=TokenVerifier(PUBLIC),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    c = ServiceClient(
        f"127.0.0.1:{port}",
        segments_pb2_grpc.SegmentsServiceStub,
        FULL_NAME,
        service_token=ISSUER.service_token("coupons"),
    )
    yield c
    c.close()
    server.stop(0)


def test_h2_stream_yields_every_message_as_service_in_the_given_tenant(client):
    members = list(
        client.stream(
            "StreamSegmentMembers",
            segments_pb2.StreamSegmentMembersRequest(segment_id="s"),
            as_service=True,
            tenant_id="t1",
        )
    )
    assert [m.id for m in members] == ["t1-0", "t1-1", "t1-2"]


def test_h2_stream_error_mid_stream_is_a_domain_error(client):
    seen = []
    with pytest.raises(NotFound) as err:
        for m in client.stream(
            "StreamSegmentMembers",
            segments_pb2.StreamSegmentMembersRequest(segment_id="broken"),
            as_service=True,
            tenant_id="t1",
        ):
            seen.append(m.id)
    assert err.value.code == "SEGMENT_NOT_FOUND"
    assert len(seen) == 3


def test_h2_stream_refusal_before_first_message_is_a_domain_error(client):
    staff = ISSUER.issue(kind="staff", subject_id="s1", tenant_id="t1", roles=("owner",), ttl=timedelta(minutes=5))[0]
    with pytest.raises(PermissionDenied):
        list(client.stream("StreamSegmentMembers", segments_pb2.StreamSegmentMembersRequest(), token=staff))
