"""C4 through the real gRPC server: filters cross the wire, errors name the field, and members
stream to another service holding a service token."""

import uuid
from datetime import timedelta

import grpc
import pytest
from customer_testkit import ISSUER, PUBLIC, phone, staff, token_for
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, segments_pb2_grpc
from crm.customers.v1 import segments_pb2 as pb
from crmkit.auth import TokenVerifier
from crmkit.errors import InvalidInput, NotFound
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from customers.grpc_api_segments import FULL_NAME


@pytest.fixture(scope="module")
def segments_client(runtime):
    grpc_server, port, _ = build_server(
        "customers", runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    c = ServiceClient(f"127.0.0.1:{port}", segments_pb2_grpc.SegmentsServiceStub, FULL_NAME)
    yield c
    c.close()
    grpc_server.stop(0)


def call(client, actor, method, request):
    return client.call(method, request, token=token_for(actor))


def register(client, actor):
    req = customers_pb2.RegisterCustomerRequest(name=f"C{uuid.uuid4().hex[:5]}", phone=phone(uuid.uuid4().int % 9999))
    return client.call("RegisterCustomer", req, token=token_for(actor))


def test_c4_segment_saved_and_evaluated_over_grpc(segments_client, client, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    mine = register(client, seller)
    register(client, owner)
    saved = call(
        segments_client,
        owner,
        "CreateSegment",
        pb.CreateSegmentRequest(name="沉睡30天", filter=pb.SegmentFilter(no_purchase_days=30)),
    )
    assert saved.filter.HasField("no_purchase_days") and not saved.filter.HasField("min_amount_fen")
    later = Timestamp()
    later.FromDatetime(mine.created_at.ToDatetime() + timedelta(days=31))
    request = pb.EvaluateSegmentRequest(segment_id=saved.id, as_of=later, page=common_pb2.PageRequest(page_size=10))
    # As of now nobody has been a customer for 30 days; 31 days on, the salesperson sees own only.
    assert (
        call(segments_client, owner, "EvaluateSegment", pb.EvaluateSegmentRequest(segment_id=saved.id)).page.total == 0
    )
    evaluated = call(segments_client, seller, "EvaluateSegment", request)
    assert ([m.id for m in evaluated.members], evaluated.page.total) == ([mine.id], 1)
    assert not evaluated.members[0].HasField("last_order_at")
    listed = call(segments_client, seller, "ListSegments", pb.ListSegmentsRequest())
    assert [s.name for s in listed.segments] == ["沉睡30天"]
    presets = call(segments_client, seller, "ListSegmentPresets", pb.ListSegmentPresetsRequest())
    assert presets.presets[0].key == "sleeping_members" and presets.presets[0].filter.no_purchase_days == 90
    call(segments_client, owner, "DeleteSegment", pb.DeleteSegmentRequest(id=saved.id))
    with pytest.raises(NotFound):
        call(segments_client, owner, "GetSegment", pb.GetSegmentRequest(id=saved.id))


def test_c4_bad_filter_names_the_field_over_grpc(segments_client, tenant):
    f = pb.SegmentFilter(fields=[pb.FieldCondition(key="ghost", op="eq", values=["x"])], period_from="2026-02-30")
    with pytest.raises(InvalidInput) as err:
        call(segments_client, staff(tenant, "owner"), "EvaluateSegment", pb.EvaluateSegmentRequest(filter=f))
    assert err.value.fields == {"filter.period_from": "validation.invalid_date"}
    f.period_from = ""
    with pytest.raises(InvalidInput) as err:
        call(segments_client, staff(tenant, "owner"), "CreateSegment", pb.CreateSegmentRequest(name="x", filter=f))
    assert err.value.fields == {"filter.fields.ghost": "validation.unknown_field"}


def test_c4_members_stream_to_a_service_and_not_to_staff(segments_client, client, tenant):
    owner = staff(tenant, "owner")
    made = {register(client, owner).id for _ in range(3)}
    service_token = ISSUER.service_token("marketing")
    stream = segments_client.call(
        "StreamSegmentMembers",
        pb.StreamSegmentMembersRequest(filter=pb.SegmentFilter()),
        token=service_token,
        tenant_id=tenant,
    )
    assert {m.id for m in stream} == made
    other = segments_client.call(
        "StreamSegmentMembers", pb.StreamSegmentMembersRequest(), token=service_token, tenant_id="t-nobody"
    )
    assert list(other) == []
    refused = segments_client.call("StreamSegmentMembers", pb.StreamSegmentMembersRequest(), token=token_for(owner))
    with pytest.raises(grpc.RpcError) as err:
        list(refused)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
