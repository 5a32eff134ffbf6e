"""C4 over HTTP: the gateway's segment routes against a fake SegmentsService on the customers
address: the filter JSON becomes the gRPC filter and back, edge checks and errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gateway_fakes import Recorder
from google.protobuf.timestamp_pb2 import Timestamp

from crm.customers.v1 import segments_pb2 as pb
from crm.customers.v1 import segments_pb2_grpc
from crmkit.auth import TokenVerifier
from crmkit.errors import InvalidInput, NotFound
from crmkit.grpc_server import ServiceRegistration, build_server
from gateway.config import SEGMENTS, client

WHEN = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SEGMENTS_PATHS = {
    ("get", "/api/v1/segment-presets"),
    ("get", "/api/v1/segments"),
    ("post", "/api/v1/segments"),
    ("get", "/api/v1/segments/{segment_id}"),
    ("put", "/api/v1/segments/{segment_id}"),
    ("delete", "/api/v1/segments/{segment_id}"),
    ("get", "/api/v1/segments/{segment_id}/members"),
    ("post", "/api/v1/segments/evaluate"),
}


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


class FakeSegments(segments_pb2_grpc.SegmentsServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        self.listed = None  # segments ListSegments answers; a sleeping-members one by default

    def _segment(self, name, f):
        return pb.Segment(
            id="seg-1", name=name, filter=f, created_by_staff_id="s-1", created_at=ts(WHEN), updated_at=ts(WHEN)
        )

    def CreateSegment(self, request, context):
        self.rec.record("CreateSegment", request, context)
        return self._segment(request.name, request.filter)

    def UpdateSegment(self, request, context):
        self.rec.record("UpdateSegment", request, context)
        return self._segment(request.name, request.filter)

    def DeleteSegment(self, request, context):
        self.rec.record("DeleteSegment", request, context)
        return pb.DeleteSegmentResponse()

    def GetSegment(self, request, context):
        self.rec.record("GetSegment", request, context)
        return self._segment("沉睡", pb.SegmentFilter(no_purchase_days=30))

    def ListSegments(self, request, context):
        self.rec.record("ListSegments", request, context)
        listed = self.listed or [self._segment("沉睡", pb.SegmentFilter(no_purchase_days=30))]
        return pb.ListSegmentsResponse(segments=listed)

    def ListSegmentPresets(self, request, context):
        self.rec.record("ListSegmentPresets", request, context)
        return pb.ListSegmentPresetsResponse(
            presets=[
                pb.SegmentPreset(
                    key="sleeping_members",
                    name_key="segment.preset.sleeping_members",
                    filter=pb.SegmentFilter(no_purchase_days=90),
                )
            ]
        )

    def EvaluateSegment(self, request, context):
        self.rec.record("EvaluateSegment", request, context)
        return pb.EvaluateSegmentResponse(
            members=[pb.SegmentMember(id="c-1", name="张三", phone="13800000001", level="A", region="310104")],
            page={"page": request.page.page, "page_size": request.page.page_size, "total": 7},
        )


@pytest.fixture(scope="module")
def fake_segments(keys):
    fake = FakeSegments()
    reg = ServiceRegistration(segments_pb2_grpc.add_SegmentsServiceServicer_to_server, fake, SEGMENTS)
    server, port, _ = build_server("customers", [reg], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1")
    server.start()
    yield fake, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture
def seg(make_app, fake_segments):
    fake, addr = fake_segments
    fake.rec.calls.clear()
    fake.rec.fail.clear()
    fake.listed = None
    return fake, make_app(segments=client(addr, segments_pb2_grpc.SegmentsServiceStub, SEGMENTS)).test_client()


def error_fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_c4_segment_is_saved_with_its_filter_round_trip(seg, auth):
    fake, http = seg
    body = {
        "name": "沉睡大客户",
        "filter": {
            "no_purchase_days": 30,
            "min_amount_fen": 100000,
            "period_days": 365,
            "levels": ["A"],
            "fields": [{"key": "shop_type", "op": "eq", "values": ["超市"]}],
            "last_purchase_after": "2026-01-01T00:00:00+08:00",
        },
    }
    response = http.post("/api/v1/segments", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    sent = fake.rec.named("CreateSegment")[0].request
    assert (sent.filter.no_purchase_days, sent.filter.min_amount_fen, list(sent.filter.levels)) == (30, 100000, ["A"])
    assert not sent.filter.HasField("max_amount_fen")
    assert sent.filter.last_purchase_after.ToDatetime(tzinfo=UTC) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    out = response.get_json()
    assert out["filter"]["fields"] == [{"key": "shop_type", "op": "eq", "values": ["超市"]}]
    assert out["filter"]["last_purchase_after"].startswith("2025-12-31T16:00:00")
    assert "max_amount_fen" not in out["filter"]


def test_c4_bad_filter_json_names_the_field(seg, auth):
    fake, http = seg
    for bad, name in (
        ({"no_purchase_days": 0}, "filter.no_purchase_days"),
        ({"sleeping": True}, "filter.sleeping"),
        ({"fields": [{"key": "x", "op": "like", "values": ["a"]}]}, "filter.fields.0.op"),
        ({"period_from": "2026-02-30"}, "filter.period_from"),
    ):
        response = http.post("/api/v1/segments", json={"name": "x", "filter": bad}, headers=auth)
        assert response.status_code == 400 and name in error_fields(response), (bad, response.get_json())
    assert fake.rec.named("CreateSegment") == []


def test_c4_service_errors_reach_the_client_in_chinese(seg, auth):
    fake, http = seg
    fake.rec.fail["CreateSegment"] = InvalidInput(
        "SEGMENT_INVALID", "error.invalid_input", fields={"filter.fields.ghost": "validation.unknown_field"}
    )
    response = http.post("/api/v1/segments", json={"name": "x", "filter": {}}, headers=auth)
    assert (response.status_code, error_fields(response)) == (400, {"filter.fields.ghost": "不支持的字段"})
    fake.rec.fail["GetSegment"] = NotFound("SEGMENT_NOT_FOUND", "error.segment_not_found")
    response = http.get("/api/v1/segments/nope", headers=auth)
    assert (response.status_code, response.get_json()["error"]["message"]) == (404, "客户分群不存在")


def test_c4_members_are_paged_and_evaluated_as_of(seg, auth):
    fake, http = seg
    response = http.get("/api/v1/segments/seg-1/members?page=2&page_size=5&as_of=2026-03-01T08:00:00Z", headers=auth)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "members": [
            {
                "id": "c-1",
                "name": "张三",
                "phone": "13800000001",
                "owner_staff_id": "",
                "level": "A",
                "region": "310104",
                "last_order_at": None,
            }
        ],
        "page": {"page": 2, "page_size": 5, "total": 7},
    }
    sent = fake.rec.named("EvaluateSegment")[0].request
    assert (sent.segment_id, sent.page.page, sent.as_of.ToDatetime(tzinfo=UTC)) == ("seg-1", 2, WHEN)
    adhoc = http.post("/api/v1/segments/evaluate", json={"filter": {"brands": ["伊利"]}}, headers=auth)
    assert adhoc.status_code == 200 and adhoc.get_json()["page"]["total"] == 7
    sent = fake.rec.named("EvaluateSegment")[1].request
    assert (list(sent.filter.brands), sent.segment_id, sent.HasField("as_of")) == (["伊利"], "", False)


def test_c4_presets_list_update_and_delete(seg, auth):
    fake, http = seg
    presets = http.get("/api/v1/segment-presets", headers=auth).get_json()["presets"]
    assert presets == [{"key": "sleeping_members", "name": "沉睡会员", "filter": {"no_purchase_days": 90}}]
    english = http.get("/api/v1/segment-presets", headers={**auth, "Accept-Language": "en"}).get_json()
    assert english["presets"][0]["name"] == "Sleeping members"
    assert [s["name"] for s in http.get("/api/v1/segments", headers=auth).get_json()["segments"]] == ["沉睡"]
    updated = http.put("/api/v1/segments/seg-1", json={"name": "改名", "filter": {"period_days": 7}}, headers=auth)
    assert updated.status_code == 200 and updated.get_json()["filter"] == {"period_days": 7}
    assert http.delete("/api/v1/segments/seg-1", headers=auth).status_code == 204
    assert fake.rec.named("DeleteSegment")[0].request.id == "seg-1"


def test_c4_coupon_conditions_travel_both_ways(seg, auth):
    fake, http = seg
    f = {
        "coupons_unused_min": 2,
        "coupon_template_ids": ["tpl-1"],
        "coupon_redeemed_within_days": 90,
        "no_coupon_redeemed_within_days": 30,
    }
    response = http.post("/api/v1/segments", json={"name": "有券不用", "filter": f}, headers=auth)
    assert response.status_code == 201, response.get_json()
    sent = fake.rec.named("CreateSegment")[0].request.filter
    assert (sent.coupons_unused_min, list(sent.coupon_template_ids)) == (2, ["tpl-1"])
    assert (sent.coupon_redeemed_within_days, sent.no_coupon_redeemed_within_days) == (90, 30)
    assert response.get_json()["filter"] == f
    for bad, name in (
        ({"coupons_unused_min": 0}, "filter.coupons_unused_min"),
        ({"coupon_redeemed_within_days": 0}, "filter.coupon_redeemed_within_days"),
        ({"no_coupon_redeemed_within_days": 3651}, "filter.no_coupon_redeemed_within_days"),
    ):
        response = http.post("/api/v1/segments", json={"name": "x", "filter": bad}, headers=auth)
        assert response.status_code == 400 and name in error_fields(response), (bad, response.get_json())


def test_c4_coupon_condition_required_is_said_in_chinese(seg, auth):
    fake, http = seg
    fake.rec.fail["CreateSegment"] = InvalidInput(
        "SEGMENT_INVALID",
        "error.invalid_input",
        fields={"filter.coupon_template_ids": "validation.coupon_condition_required"},
    )
    response = http.post(
        "/api/v1/segments", json={"name": "x", "filter": {"coupon_template_ids": ["tpl-1"]}}, headers=auth
    )
    assert (response.status_code, error_fields(response)) == (
        400,
        {"filter.coupon_template_ids": "请同时选择针对这些券模板的优惠券条件"},
    )


def test_h1_c4_segment_with_a_period_is_answered_and_listed(seg, auth):
    # Given a filter with a period in days (saved, then answered with a 500 before issue 11)
    fake, http = seg
    period = {"period_from": "2026-01-01", "period_to": "2026-01-31", "min_order_count": 1}

    created = http.post("/api/v1/segments", json={"name": "一月买过", "filter": period}, headers=auth)

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["filter"] == period
    sent = fake.rec.named("CreateSegment")[0].request.filter
    assert (sent.period_from, sent.period_to) == ("2026-01-01", "2026-01-31")
    # And the tenant's list, which holds it, is answered too
    fake.listed = [fake._segment("一月买过", sent)]
    listed = http.get("/api/v1/segments", headers=auth)
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["segments"][0]["filter"] == period


def test_h1_c4_a_stored_day_that_does_not_parse_does_not_fail_the_list(seg, auth):
    fake, http = seg
    fake.listed = [
        fake._segment("坏日期", pb.SegmentFilter(period_from="2026-13-45", min_order_count=1)),
        fake._segment("好的", pb.SegmentFilter(period_days=7)),
    ]

    listed = http.get("/api/v1/segments", headers=auth)

    assert listed.status_code == 200, listed.get_json()
    assert [s["filter"] for s in listed.get_json()["segments"]] == [{"min_order_count": 1}, {"period_days": 7}]
