"""The data centre (D8): sharing's figures per China day, salesperson or article."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from crm.marketing.v1 import marketing_pb2 as pb
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED
from gateway.auth import staff_only

bp = APIBlueprint("marketing_stats", __name__, tag="Data centre", url_prefix="/api/v1")
FIGURES = ("shares", "forwards", "views", "readers", "read_seconds", "new_visitors", "qualified", "leads", "customers")


class MarketingStatsQuery(Schema):
    date_from = String(load_default="", validate=Length(max=10), metadata={"description": "YYYY-MM-DD, China day"})
    date_to = String(load_default="", validate=Length(max=10), metadata={"description": "YYYY-MM-DD, inclusive"})
    group_by = String(
        load_default="day", validate=OneOf(("day", "staff", "article"), error="validation.invalid_choice")
    )


class MarketingFiguresOut(Schema):
    shares = Integer(metadata={"description": "Times salespeople shared"})
    forwards = Integer(metadata={"description": "Views through a link a reader forwarded"})
    views = Integer()
    readers = Integer(metadata={"description": "Distinct visitors who opened something"})
    read_seconds = Integer(metadata={"description": "Visible reading time"})
    new_visitors = Integer()
    qualified = Integer(metadata={"description": "Visitors who met the tenant's thresholds"})
    leads = Integer(metadata={"description": "Visitors who left a phone"})
    customers = Integer(metadata={"description": "Visitors who became customers"})


class MarketingStatsRowOut(Schema):
    key = String(metadata={"description": "The day, staff id or article id"})
    title = String(metadata={"description": "The article's title (group_by=article)"})
    figures = Nested(MarketingFiguresOut)


class MarketingStatsOut(Schema):
    date_from = String()
    date_to = String()
    rows = List(Nested(MarketingStatsRowOut))
    total = Nested(MarketingFiguresOut)


def figures_dict(message) -> dict:
    return {name: getattr(message, name) for name in FIGURES}


@bp.get("/marketing-stats")
@bp.doc(operation_id="getMarketingStats", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(MarketingStatsQuery, location="query", arg_name="query")
@bp.output(MarketingStatsOut)
def get_marketing_stats(query):
    """Shares, forwards, views, readers, reading time, new and qualified visitors and leads

    Per China day (every day of the range), per salesperson or per article; salespeople see
    their own figures.
    """
    reply = call("marketing", "GetMarketingStats", pb.MarketingStatsRequest(**query))
    return {
        "date_from": reply.date_from,
        "date_to": reply.date_to,
        "rows": [{"key": r.key, "title": r.title, "figures": figures_dict(r.figures)} for r in reply.rows],
        "total": figures_dict(reply.total),
    }
