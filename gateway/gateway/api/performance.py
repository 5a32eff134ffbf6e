"""Performance (B9): sales targets, commission rules, a salesperson's month, its commission lines
and the monthly ranking; the store manager's dashboard (B10) and the product ranking (B11).
Sales count at approval and returns net out at theirs, in that China month or day."""

from __future__ import annotations

import re

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2
from crm.orders.v1 import performance_pb2 as pb
from crmkit.protos import money
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, page_out, page_request
from gateway.api.performance_schemas import (
    MONTH_PATTERN,
    RANK_BY,
    CommissionQuery,
    CommissionsOut,
    DashboardOut,
    DashboardQuery,
    PerformanceOut,
    PerformanceQuery,
    ProductRankingOut,
    ProductRankingQuery,
    RankingOut,
    RankingQuery,
    RuleIn,
    RuleOut,
    RulesOut,
    TargetIn,
    TargetOut,
    TargetQuery,
    TargetsOut,
    day_dict,
    detail_dict,
    performance_dict,
    product_entry_dict,
    rule_dict,
    rule_pb,
    target_dict,
)
from gateway.auth import staff_only
from gateway.errors import ApiError
from gateway.idempotency import idempotent

bp = APIBlueprint("performance", __name__, tag="Performance", url_prefix="/api/v1")


def _day(value) -> str:
    return value.isoformat()


@bp.put("/sales-targets/<string:staff_id>/<string:month>")
@bp.doc(operation_id="setSalesTarget", security=SECURED, responses=[400, 401, 403, 404, 429, 503])
@staff_only
@bp.input(TargetIn, arg_name="body")
@bp.output(TargetOut)
def set_sales_target(staff_id, month, body):
    """Set a salesperson's target for a month `YYYY-MM` (owner or store manager)"""
    # A path segment has no schema: check the month here so a typo is a 400 naming `month`.
    if not re.fullmatch(MONTH_PATTERN, month):
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={"month": "validation.invalid_month"})
    # Orders keeps targets by staff id and knows no staff: identity answers whether this one is
    # the caller's to see (another tenant's is 404, R4), before a target is written for it.
    call("identity", "GetStaff", identity_pb2.GetStaffRequest(id=staff_id))
    request = pb.SetSalesTargetRequest(staff_id=staff_id, month=month, amount=money(body["amount_fen"]))
    return target_dict(call("performance", "SetSalesTarget", request))


@bp.get("/sales-targets")
@bp.doc(operation_id="listSalesTargets", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(TargetQuery, location="query", arg_name="query")
@bp.output(TargetsOut)
def list_sales_targets(query):
    """The month's targets: managers see everyone's, a salesperson their own"""
    reply = call("performance", "ListSalesTargets", pb.ListSalesTargetsRequest(month=query["month"]))
    return {"targets": [target_dict(t) for t in reply.targets]}


@bp.get("/commission-rules")
@bp.doc(operation_id="listCommissionRules", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(RulesOut)
def list_commission_rules():
    """The tenant's commission rules"""
    reply = call("performance", "ListCommissionRules", pb.ListCommissionRulesRequest())
    return {"rules": [rule_dict(r) for r in reply.rules]}


@bp.post("/commission-rules")
@bp.doc(operation_id="createCommissionRule", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(RuleIn, arg_name="body")
@bp.output(RuleOut, status_code=201)
def create_commission_rule(body):
    """Create a commission rule for a product or a brand (owner or store manager)

    `percent` takes `rate_bp` (0-10000 basis points of the line amount), `fixed_per_unit` takes
    `amount_per_unit_fen`. A product rule wins over a brand rule for the same line.
    """
    return rule_dict(call("performance", "CreateCommissionRule", pb.CreateCommissionRuleRequest(rule=rule_pb(body))))


@bp.delete("/commission-rules/<string:rule_id>")
@bp.doc(operation_id="deleteCommissionRule", security=SECURED, responses=[401, 403, 404, 429, 503])
@staff_only
@bp.output({}, status_code=204)
def delete_commission_rule(rule_id):
    """Delete a commission rule (owner or store manager)"""
    call("performance", "DeleteCommissionRule", pb.DeleteCommissionRuleRequest(id=rule_id))
    return ""


@bp.get("/performance")
@bp.doc(operation_id="getPerformance", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PerformanceQuery, location="query", arg_name="query")
@bp.output(PerformanceOut)
def get_performance(query):
    """A salesperson's month: sales, returns, net, target completion and commission

    Your own month by default; managers may name a `staff_id`.
    """
    request = pb.GetPerformanceRequest(month=query["month"], staff_id=query["staff_id"])
    return performance_dict(call("performance", "GetPerformance", request))


@bp.get("/performance/commissions")
@bp.doc(operation_id="listCommissionDetails", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CommissionQuery, location="query", arg_name="query")
@bp.output(CommissionsOut)
def list_commission_details(query):
    """The lines behind a month's commission (a return's line is negative), with the total"""
    request = pb.ListCommissionDetailsRequest(
        month=query["month"],
        staff_id=query["staff_id"],
        page=page_request(query),
    )
    reply = call("performance", "ListCommissionDetails", request)
    return {
        "details": [detail_dict(d) for d in reply.details],
        "page": page_out(reply.page),
        "total_commission_fen": reply.total_commission.fen,
    }


@bp.get("/performance/ranking")
@bp.doc(operation_id="getSalesRanking", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(RankingQuery, location="query", arg_name="query")
@bp.output(RankingOut)
def get_sales_ranking(query):
    """The month's salespeople by net sales, and your own place"""
    reply = call(
        "performance", "GetSalesRanking", pb.GetSalesRankingRequest(month=query["month"], limit=query["limit"])
    )
    entries = [{"rank": e.rank, "staff_id": e.staff_id, "net_sales_fen": e.net_sales.fen} for e in reply.entries]
    return {"month": reply.month, "entries": entries, "my_rank": reply.my_rank}


@bp.get("/dashboard/stores")
@bp.doc(operation_id="getStoreDashboard", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(DashboardQuery, location="query", arg_name="query")
@bp.output(DashboardOut)
def get_store_dashboard(query):
    """Takings (approved sales less approved returns) per China day and store, at most 92 days"""
    request = pb.GetStoreDashboardRequest(
        date_from=_day(query["date_from"]), date_to=_day(query["date_to"]), store_id=query["store_id"]
    )
    reply = call("performance", "GetStoreDashboard", request)
    return {"days": [day_dict(d) for d in reply.days], "total_takings_fen": reply.total_takings.fen}


@bp.get("/reports/product-ranking")
@bp.doc(operation_id="getProductRanking", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ProductRankingQuery, location="query", arg_name="query")
@bp.output(ProductRankingOut)
def get_product_ranking(query):
    """Products over a period by `quantity` (default) or `amount`"""
    request = pb.GetProductRankingRequest(
        date_from=_day(query["date_from"]),
        date_to=_day(query["date_to"]),
        by=RANK_BY[query["by"]],
        limit=query["limit"],
    )
    reply = call("performance", "GetProductRanking", request)
    return {"entries": [product_entry_dict(e) for e in reply.entries]}
