"""Segments (C4): saved customer filters, ready-made ones, and their members."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from crm.common.v1 import common_pb2
from crm.customers.v1 import segments_pb2 as pb
from gateway import i18n
from gateway.api import common
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, page_out, page_request
from gateway.api.segment_schemas import (
    EvaluateIn,
    MembersOut,
    MembersQuery,
    PresetsOut,
    SegmentIn,
    SegmentOut,
    SegmentsOut,
    filter_dict,
    filter_pb,
    member_dict,
    segment_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("segments", __name__, tag="Segments", url_prefix="/api/v1")
WRITE_ERRORS = sorted([*common.WRITE_ERRORS, 422])


def _members(reply) -> dict:
    return {"members": [member_dict(m) for m in reply.members], "page": page_out(reply.page)}


@bp.get("/segment-presets")
@bp.doc(operation_id="listSegmentPresets", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(PresetsOut)
def list_segment_presets():
    """Ready-made filters to start from, e.g. sleeping members (no purchase in N days)"""
    reply = call("segments", "ListSegmentPresets", pb.ListSegmentPresetsRequest())
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    return {
        "presets": [
            {
                "key": p.key,
                "name": i18n.render(p.name_key, language=language, fallback="segment.preset.unnamed"),
                "filter": filter_dict(p.filter),
            }
            for p in reply.presets
        ]
    }


@bp.get("/segments")
@bp.doc(operation_id="listSegments", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(SegmentsOut)
def list_segments():
    """The tenant's saved segments, by name"""
    reply = call("segments", "ListSegments", pb.ListSegmentsRequest())
    return {"segments": [segment_dict(s) for s in reply.segments]}


@bp.post("/segments")
@bp.doc(operation_id="createSegment", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(SegmentIn, arg_name="body")
@bp.output(SegmentOut, status_code=201)
def create_segment(body):
    """Save a filter under a name (shared by the tenant)

    Each person who evaluates it sees only the customers they may see. A condition on a field
    the tenant has not configured is refused, naming `filter.fields.<key>`. Coupon conditions
    (`coupons_unused_min`, `coupon_redeemed_within_days`, `no_coupon_redeemed_within_days`,
    narrowed by `coupon_template_ids`) follow the coupons service's events, a moment late.
    """
    req = pb.CreateSegmentRequest(name=body["name"], filter=filter_pb(body["filter"]))
    return segment_dict(call("segments", "CreateSegment", req))


@bp.get("/segments/<string:segment_id>")
@bp.doc(operation_id="getSegment", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(SegmentOut)
def get_segment(segment_id):
    """Get one saved segment"""
    return segment_dict(call("segments", "GetSegment", pb.GetSegmentRequest(id=segment_id)))


@bp.put("/segments/<string:segment_id>")
@bp.doc(operation_id="updateSegment", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(SegmentIn, arg_name="body")
@bp.output(SegmentOut)
def update_segment(segment_id, body):
    """Rename a segment or replace its filter (its creator or a manager)"""
    req = pb.UpdateSegmentRequest(id=segment_id, name=body["name"], filter=filter_pb(body["filter"]))
    return segment_dict(call("segments", "UpdateSegment", req))


@bp.delete("/segments/<string:segment_id>")
@bp.doc(operation_id="deleteSegment", security=SECURED, responses=[401, 403, 404, 429, 503])
@staff_only
@bp.output({}, status_code=204)
def delete_segment(segment_id):
    """Delete a segment (its creator or a manager)"""
    call("segments", "DeleteSegment", pb.DeleteSegmentRequest(id=segment_id))
    return ""


@bp.get("/segments/<string:segment_id>/members")
@bp.doc(operation_id="listSegmentMembers", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(MembersQuery, location="query", arg_name="query")
@bp.output(MembersOut)
def list_segment_members(segment_id, query):
    """Count and page through a segment's members, newest customers first"""
    req = pb.EvaluateSegmentRequest(segment_id=segment_id, page=page_request(query))
    if query.get("as_of"):
        req.as_of.FromDatetime(query["as_of"])
    return _members(call("segments", "EvaluateSegment", req))


@bp.post("/segments/evaluate")
@bp.doc(operation_id="evaluateSegmentFilter", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(EvaluateIn, arg_name="body")
@bp.output(MembersOut)
def evaluate_filter(body):
    """Count and page through the members of an unsaved filter (try before saving)"""
    req = pb.EvaluateSegmentRequest(
        filter=filter_pb(body["filter"]),
        page=common_pb2.PageRequest(page=body["page"], page_size=body["page_size"]),
    )
    if body.get("as_of"):
        req.as_of.FromDatetime(body["as_of"])
    return _members(call("segments", "EvaluateSegment", req))
