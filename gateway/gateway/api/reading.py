"""What a reader's page calls (D2), public: reading beats and the reader's own link to pass on.
The page itself is gateway.reader (`/s/<token>`). The share token, or the view id with the
visitor's key, is the only credential; the marketing service refuses anything else."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crm.marketing.v1 import marketing_pb2 as pb
from gateway.api.article_schemas import ShareOut
from gateway.api.articles import reader_url
from gateway.api.calls import call_public

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
    clicks = Integer(load_default=0, strict=True, validate=Range(min=0, max=1_000))


class BeatOut(Schema):
    accepted = Boolean(metadata={"description": "False: dropped (negative, absurd or nothing new)"})
    seconds = Integer()


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
@bp.doc(operation_id="recordReading", responses=PUBLIC_ERRORS)
@bp.input(BeatIn, arg_name="body")
@bp.output(BeatOut)
def record_reading(view_id, body):
    """A reading beat from a reader's page (public): the view's visible seconds so far

    Safe to repeat and to send late: the stored total only moves forward, by at most a minute a
    beat, never past the time since the page opened or two hours.
    """
    reply = call_public(
        "marketing",
        "RecordReading",
        pb.RecordReadingRequest(
            view_id=view_id, visitor_key=body["visitor_key"], seconds=body["seconds"], clicks=body["clicks"]
        ),
    )
    return {"accepted": reply.accepted, "seconds": reply.seconds}


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
