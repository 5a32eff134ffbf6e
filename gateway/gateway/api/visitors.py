"""The visitor centre (C10): readers of what staff shared, with their whole trail. Salespeople see
the visitors their shares brought; the owner and store managers every visitor."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import OneOf

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.protos import datetime_of, timestamp
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, PageOut, PageQuery, page_out, page_request
from gateway.auth import staff_only

bp = APIBlueprint("visitors", __name__, tag="Visitors", url_prefix="/api/v1")
SOURCES = ("", "link", "forward", "poster")


class VisitorQuery(PageQuery):
    qualified = String(load_default="", validate=OneOf(("", "yes", "no"), error="validation.invalid_choice"))
    source = String(load_default="", validate=OneOf(SOURCES, error="validation.invalid_choice"))
    since = DateTime(load_default=None, metadata={"description": "Last seen at or after (RFC 3339)"})
    until = DateTime(load_default=None, metadata={"description": "Last seen before (RFC 3339)"})
    sort = String(load_default="recent", validate=OneOf(("recent", "visits"), error="validation.invalid_choice"))
    customer = String(
        load_default="",
        validate=OneOf(("", "yes", "no"), error="validation.invalid_choice"),
        metadata={"description": '"yes": only those who became customers; "no": not (yet)'},
    )


class VisitorOut(Schema):
    id = String()
    nickname = String()
    avatar_url = String()
    phone = String()
    staff_id = String(metadata={"description": "The salesperson whose share first brought them"})
    source = String(metadata={"description": "How they first came: link, forward, poster"})
    visits = Integer()
    seconds = Integer(metadata={"description": "Visible reading time in all"})
    clicks = Integer(metadata={"description": "Links tapped on the pages they read"})
    qualified = Boolean()
    first_seen_at = DateTime()
    last_seen_at = DateTime()
    wechat = Boolean(metadata={"description": "Logged in with WeChat: nickname and avatar are WeChat's"})
    customer_id = String(metadata={"description": 'The customer they became ("" not yet): 已成为客户'})
    became_customer_at = DateTime(allow_none=True)


class VisitorListOut(Schema):
    visitors = List(Nested(VisitorOut))
    page = Nested(PageOut)


class TrailEntryOut(Schema):
    view_id = String()
    kind = String()
    item_id = String()
    title = String()
    opened_at = DateTime()
    seconds = Integer()
    method = String()
    depth = Integer(metadata={"description": "0: the salesperson's own link; 1: forwarded once; …"})
    forwarded_by_visitor_id = String()


class VisitorDetailOut(VisitorOut):
    trail = List(Nested(TrailEntryOut))


def visitor_dict(v) -> dict:
    return {
        "id": v.id,
        "nickname": v.nickname,
        "avatar_url": v.avatar_url,
        "phone": v.phone,
        "staff_id": v.staff_id,
        "source": v.source,
        "visits": v.visits,
        "seconds": v.seconds,
        "clicks": v.clicks,
        "qualified": v.qualified,
        "first_seen_at": datetime_of(v, "first_seen_at"),
        "last_seen_at": datetime_of(v, "last_seen_at"),
        "wechat": v.wechat,
        "customer_id": v.customer_id,
        "became_customer_at": datetime_of(v, "became_customer_at"),
    }


def trail_dict(t) -> dict:
    return {
        "view_id": t.view_id,
        "kind": t.kind,
        "item_id": t.item_id,
        "title": t.title,
        "opened_at": datetime_of(t, "opened_at"),
        "seconds": t.seconds,
        "method": t.method,
        "depth": t.depth,
        "forwarded_by_visitor_id": t.forwarded_by_visitor_id,
    }


@bp.get("/visitors")
@bp.doc(operation_id="listVisitors", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(VisitorQuery, location="query", arg_name="query")
@bp.output(VisitorListOut)
def list_visitors(query):
    """Visitors by intent, source, date and whether they became customers, most recent or most visits first"""
    reply = call(
        "marketing",
        "ListVisitors",
        pb.ListVisitorsRequest(
            page=page_request(query),
            qualified=query["qualified"],
            source=query["source"],
            since=timestamp(query["since"]),
            until=timestamp(query["until"]),
            sort=query["sort"],
            customer=query["customer"],
        ),
    )
    return {"visitors": [visitor_dict(v) for v in reply.visitors], "page": page_out(reply.page)}


@bp.get("/visitors/<string:visitor_id>")
@bp.doc(operation_id="getVisitor", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(VisitorDetailOut)
def get_visitor(visitor_id):
    """A visitor and their whole trail, newest first: what they opened, when, for how long, through whom"""
    reply = call("marketing", "GetVisitor", pb.GetVisitorRequest(id=visitor_id))
    return {**visitor_dict(reply.visitor), "trail": [trail_dict(t) for t in reply.trail]}
