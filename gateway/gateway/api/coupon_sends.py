"""Campaigns (E2 E5 E10): coupons sent to a saved customer segment, once per send key, and the
statistics per template and per send."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.coupons.v1 import coupons_pb2 as pb
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS
from gateway.api.coupon_schemas import SegmentSendIn, SegmentSendOut, SendStatsOut, StatsOut, StatsQuery
from gateway.auth import staff_only

bp = APIBlueprint("coupon_sends", __name__, tag="Coupons", url_prefix="/api/v1")
# A send to a large segment writes its coupons in one longer call.
SEND_TIMEOUT = 60.0


@bp.post("/coupon-templates/<string:template_id>/send-to-segment")
@bp.doc(operation_id="sendCouponsToSegment", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(SegmentSendIn, arg_name="body")
@bp.output(SegmentSendOut)
def send_coupons_to_segment(template_id, body):
    """Send one coupon to every member of a saved customer segment (a salesperson: own customers
    only); the same send_key again answers the same send and issues nothing twice"""
    request = pb.SendCouponsToSegmentRequest(
        template_id=template_id, segment_id=body["segment_id"], send_key=body["send_key"]
    )
    r = call("coupons", "SendCouponsToSegment", request, timeout=SEND_TIMEOUT)
    return {
        "send_id": r.send_id,
        "send_key": r.send_key,
        "template_id": r.template_id,
        "segment_id": r.segment_id,
        "issued": r.issued,
        "skipped": dict(r.skipped),
        "finished": r.finished,
    }


@bp.get("/coupon-templates/<string:template_id>/stats")
@bp.doc(operation_id="getCouponTemplateStats", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StatsQuery, location="query", arg_name="query")
@bp.output(StatsOut)
def template_stats(template_id, query):
    """Issued, claimed, redeemed and the redemption rate, in total and per day (China time)"""
    request = pb.GetTemplateStatsRequest(
        template_id=template_id,
        date_from=query["date_from"].isoformat() if query["date_from"] else "",
        date_to=query["date_to"].isoformat() if query["date_to"] else "",
    )
    return _stats_dict(call("coupons", "GetTemplateStats", request))


@bp.get("/coupon-sends/<string:send_id>/stats")
@bp.doc(operation_id="getCouponSendStats", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StatsQuery, location="query", arg_name="query")
@bp.output(SendStatsOut)
def send_stats(send_id, query):
    """One campaign (a send to a segment): the coupons it issued, how many were redeemed, the
    rate, per day, and the members it skipped by reason (a salesperson: own pushes only)"""
    request = pb.GetSendStatsRequest(
        send_id=send_id,
        date_from=query["date_from"].isoformat() if query["date_from"] else "",
        date_to=query["date_to"].isoformat() if query["date_to"] else "",
    )
    r = call("coupons", "GetSendStats", request)
    return {
        **_stats_dict(r.stats),
        "send_id": r.send_id,
        "send_key": r.send_key,
        "segment_id": r.segment_id,
        "skipped": dict(r.skipped),
    }


def _stats_dict(s) -> dict:
    return {
        "template_id": s.template_id,
        "issued": s.issued,
        "claimed": s.claimed,
        "redeemed": s.redeemed,
        "redemption_rate_bp": s.redemption_rate_bp,
        "days": [{"date": d.date, "issued": d.issued, "claimed": d.claimed, "redeemed": d.redeemed} for d in s.days],
    }
