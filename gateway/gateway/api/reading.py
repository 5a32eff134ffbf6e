"""What a reader's page calls (D2), public: reading beats and the reader's own link to pass on.
The page itself is gateway.reader (`/s/<token>`). The share token, or the view id with the
visitor's key, is the only credential; the marketing service refuses anything else.

Beats are queued in Redis and applied by marketing in batches (P7, ADR 0017): a beat costs one
Redis round trip here and a share of one transaction there, and a forged one is dropped there."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crm.marketing.v1 import marketing_pb2 as pb
from gateway.api.article_schemas import ShareOut
from gateway.api.articles import reader_url
from gateway.api.calls import call_public
from gateway.api.common import config
from gateway.errors import ApiError

bp = APIBlueprint("reading", __name__, tag="Reading", url_prefix="/api/v1/public")
PUBLIC_ERRORS = [400, 404, 429, 503]


class BeatIn(Schema):
    visitor_key = String(required=True, validate=Length(min=16, max=64))
    seconds = Integer(
        required=True,
        strict=True,
        validate=Range(min=-1_000_000, max=1_000_000),
        metadata={"description": "The view's running total of visible seconds"},
    )
    clicks = Integer(
        load_default=0,
        strict=True,
        validate=Range(min=0, max=100_000),
        metadata={"description": "The view's running total of link clicks"},
    )


class BeatOut(Schema):
    queued = Boolean(metadata={"description": "Queued for the marketing service, which applies it or drops it"})


class IdentifyIn(Schema):
    visitor_key = String(required=True, validate=Length(min=16, max=64))
    phone = String(required=True, validate=Regexp(r"^1\d{10}$", error="validation.phone_invalid"))
    name = String(load_default="", validate=Length(max=30))


class IdentifiedOut(Schema):
    identified = Boolean()


class ForwardIn(Schema):
    visitor_key = String(required=True, validate=Length(min=16, max=64))
    method = String(load_default="forward", validate=OneOf(("forward", "poster"), error="validation.invalid_choice"))


@bp.post("/views/<string:view_id>/beats")
@bp.doc(operation_id="recordReading", responses=[400, 429, 503])
@bp.input(BeatIn, arg_name="body")
@bp.output(BeatOut, status_code=202)
def record_reading(view_id, body):
    """A reading beat from a reader's page (public): the view's visible seconds and clicks so far

    Answered once queued; the marketing service applies beats within about a second. Safe to
    repeat and to send late: the stored totals only move forward, by at most a minute (and 20
    clicks) a beat, never past the time since the page opened or two hours. A beat for a view
    that is not the visitor's own, negative or absurd, is dropped there.
    """
    if len(view_id) > 64:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={"view_id": "validation.invalid"})
    config().beats.append(view_id, body["visitor_key"], body["seconds"], body["clicks"])
    return {"queued": True}


@bp.post("/shares/<string:token>/forward")
@bp.doc(operation_id="forwardShare", responses=PUBLIC_ERRORS)
@bp.input(ForwardIn, arg_name="body")
@bp.output(ShareOut, status_code=201)
def forward_share(token, body):
    """The reader's own link to pass on (public): whoever opens it is counted as forwarded by them"""
    share = call_public(
        "marketing",
        "ForwardShare",
        pb.ForwardShareRequest(token=token, visitor_key=body["visitor_key"], method=body["method"]),
    )
    return {"token": share.token, "url": reader_url(share.token), "method": share.method, "depth": share.depth}


@bp.post("/views/<string:view_id>/identify")
@bp.doc(operation_id="identifyVisitor", responses=PUBLIC_ERRORS)
@bp.input(IdentifyIn, arg_name="body")
@bp.output(IdentifiedOut)
def identify_visitor(view_id, body):
    """A reader leaves a phone number on the page (public): the salesperson who shared it gets a lead"""
    call_public(
        "marketing",
        "IdentifyVisitor",
        pb.IdentifyVisitorRequest(
            view_id=view_id, visitor_key=body["visitor_key"], phone=body["phone"], name=body["name"]
        ),
    )
    return {"identified": True}
