"""Schemas of performance (B9), the store dashboard (B10) and the product ranking (B11).
Money is integer fen (`*_fen`), rates basis points (`*_bp`, 1% = 100), enums lowercase words."""

from __future__ import annotations

from datetime import date

from apiflask import Schema
from apiflask.fields import Date, Integer, List, Nested, String
from apiflask.validators import Length, Range, Regexp
from marshmallow import ValidationError, validates_schema

from crm.orders.v1 import performance_pb2 as pb
from crmkit.protos import money
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import choice, fen, word

SCOPES = {"product": pb.COMMISSION_SCOPE_PRODUCT, "brand": pb.COMMISSION_SCOPE_BRAND}
KINDS = {"percent": pb.COMMISSION_KIND_PERCENT, "fixed_per_unit": pb.COMMISSION_KIND_FIXED_PER_UNIT}
RANK_BY = {"quantity": pb.RANK_BY_QUANTITY, "amount": pb.RANK_BY_AMOUNT}
# The service's own bounds, checked here too so a typo never costs a round trip.
MAX_RATE_BP = 10_000
MAX_TARGET_LENGTH = 40
MAX_DASHBOARD_DAYS = 92
DEFAULT_RANKING_LIMIT = 20
MAX_RANKING_LIMIT = 100
# A calendar month; the service also refuses years before 2000.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH = Regexp(MONTH_PATTERN, error="validation.invalid_month")
MONTH_HELP = "YYYY-MM (China time); default this month"


def month(**kwargs) -> String:
    return String(validate=MONTH, metadata={"description": MONTH_HELP}, **kwargs)


def ranking_limit() -> Integer:
    return Integer(load_default=DEFAULT_RANKING_LIMIT, validate=Range(min=1, max=MAX_RANKING_LIMIT))


# --- targets ---


class TargetIn(Schema):
    amount_fen = fen(required=True)


class TargetOut(Schema):
    staff_id = String(required=True)
    month = String(required=True)
    amount_fen = Integer(required=True)


class TargetQuery(Schema):
    month = month(load_default="")


class TargetsOut(Schema):
    targets = List(Nested(TargetOut), required=True)


def target_dict(t: pb.SalesTarget) -> dict:
    return {"staff_id": t.staff_id, "month": t.month, "amount_fen": t.amount.fen}


# --- commission rules ---


class RuleIn(Schema):
    scope = choice(SCOPES, required=True)
    target = String(
        required=True,
        validate=Length(min=1, max=MAX_TARGET_LENGTH),
        metadata={"description": "The product id (scope product) or the brand name (scope brand)"},
    )
    kind = choice(KINDS, required=True)
    rate_bp = Integer(
        strict=True,
        validate=Range(min=0, max=MAX_RATE_BP),
        metadata={"description": "Kind percent only: basis points of the line amount (1% = 100)"},
    )
    amount_per_unit_fen = fen(metadata={"description": "Kind fixed_per_unit only: fen per unit sold"})

    @validates_schema
    def figure_of_the_kind(self, data, **kwargs):
        # Each kind has exactly one figure: a missing one would silently mean 0, the other one
        # would be silently dropped by the service; both are client mistakes worth naming.
        needed, other = ("rate_bp", "amount_per_unit_fen")
        if data.get("kind") == "fixed_per_unit":
            needed, other = other, needed
        elif data.get("kind") != "percent":
            return
        if needed not in data:
            raise ValidationError("validation.required", field_name=needed)
        if other in data:
            raise ValidationError("validation.invalid", field_name=other)


class RuleOut(Schema):
    id = String(required=True)
    scope = String(allow_none=True, metadata={"enum": list(SCOPES)})
    target = String(required=True)
    kind = String(allow_none=True, metadata={"enum": list(KINDS)})
    rate_bp = Integer(required=True)
    amount_per_unit_fen = Integer(required=True)


class RulesOut(Schema):
    rules = List(Nested(RuleOut), required=True)


def rule_pb(body: dict) -> pb.CommissionRule:
    return pb.CommissionRule(
        scope=SCOPES[body["scope"]],
        target=body["target"].strip(),
        kind=KINDS[body["kind"]],
        rate_bp=body.get("rate_bp", 0),
        amount_per_unit=money(body.get("amount_per_unit_fen", 0)),
    )


def rule_dict(r: pb.CommissionRule) -> dict:
    return {
        "id": r.id,
        "scope": word(SCOPES, r.scope),
        "target": r.target,
        "kind": word(KINDS, r.kind),
        "rate_bp": r.rate_bp,
        "amount_per_unit_fen": r.amount_per_unit.fen,
    }


# --- a salesperson's month ---


class PerformanceQuery(Schema):
    month = month(load_default="")
    staff_id = String(
        load_default="", validate=Length(max=64), metadata={"description": "Managers only; default yourself"}
    )


class PerformanceOut(Schema):
    staff_id = String(required=True)
    month = String(required=True)
    sales_fen = Integer(required=True)
    returns_fen = Integer(required=True)
    net_sales_fen = Integer(required=True, metadata={"description": "sales_fen - returns_fen"})
    target_fen = Integer(required=True)
    completion_bp = Integer(required=True, metadata={"description": "net / target in basis points; 0 without target"})
    commission_fen = Integer(required=True)
    orders = Integer(required=True)


def performance_dict(p: pb.Performance) -> dict:
    return {
        "staff_id": p.staff_id,
        "month": p.month,
        "sales_fen": p.sales.fen,
        "returns_fen": p.returns.fen,
        "net_sales_fen": p.net_sales.fen,
        "target_fen": p.target.fen,
        "completion_bp": p.completion_bp,
        "commission_fen": p.commission.fen,
        "orders": p.orders,
    }


class CommissionQuery(PageQuery, PerformanceQuery):
    pass


class CommissionDetailOut(Schema):
    order_id = String(required=True)
    order_number = String(required=True)
    kind = String(required=True, metadata={"enum": ["order", "return"], "description": "a return's is negative"})
    product_id = String(required=True)
    product_name = String(required=True)
    quantity = Integer(required=True)
    amount_fen = Integer(required=True)
    rule_id = String(required=True)
    commission_fen = Integer(required=True)


class CommissionsOut(Schema):
    details = List(Nested(CommissionDetailOut), required=True)
    page = Nested(PageOut, required=True)
    total_commission_fen = Integer(required=True)


def detail_dict(d: pb.CommissionDetail) -> dict:
    return {
        "order_id": d.order_id,
        "order_number": d.order_number,
        "kind": d.kind,
        "product_id": d.product_id,
        "product_name": d.product_name,
        "quantity": d.quantity,
        "amount_fen": d.amount.fen,
        "rule_id": d.rule_id,
        "commission_fen": d.commission.fen,
    }


class RankingQuery(Schema):
    month = month(load_default="")
    limit = ranking_limit()


class RankingEntryOut(Schema):
    rank = Integer(required=True)
    staff_id = String(required=True)
    net_sales_fen = Integer(required=True)


class RankingOut(Schema):
    month = String(required=True)
    entries = List(Nested(RankingEntryOut), required=True)
    my_rank = Integer(required=True, metadata={"description": "Your own place; 0 when not ranked"})


# --- B10 / B11 over a period of China days ---


class PeriodQuery(Schema):
    date_from = Date(required=True, metadata={"description": "YYYY-MM-DD, inclusive, China time"})
    date_to = Date(required=True, metadata={"description": f"YYYY-MM-DD, inclusive; at most {MAX_DASHBOARD_DAYS} days"})

    @validates_schema
    def period(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if not (isinstance(start, date) and isinstance(end, date)):
            return
        if end < start:
            raise ValidationError("validation.invalid", field_name="date_to")
        # One query, one screen: a longer span is a report, not a dashboard.
        if (end - start).days + 1 > MAX_DASHBOARD_DAYS:
            raise ValidationError("validation.period_too_long", field_name="date_to")


class DashboardQuery(PeriodQuery):
    store_id = String(load_default="", validate=Length(max=64), metadata={"description": "Optional: one store"})


class DayOut(Schema):
    date = String(required=True)
    store_id = String(required=True)
    orders = Integer(required=True)
    sales_fen = Integer(required=True)
    returns_fen = Integer(required=True)
    takings_fen = Integer(required=True, metadata={"description": "sales_fen - returns_fen"})


class DashboardOut(Schema):
    days = List(Nested(DayOut), required=True)
    total_takings_fen = Integer(required=True)


def day_dict(d: pb.DailyTakings) -> dict:
    return {
        "date": d.date,
        "store_id": d.store_id,
        "orders": d.orders,
        "sales_fen": d.sales.fen,
        "returns_fen": d.returns.fen,
        "takings_fen": d.takings.fen,
    }


class ProductRankingQuery(PeriodQuery):
    by = choice(RANK_BY, load_default="quantity")
    limit = ranking_limit()


class ProductEntryOut(Schema):
    rank = Integer(required=True)
    product_id = String(required=True)
    product_name = String(required=True)
    quantity = Integer(required=True)
    amount_fen = Integer(required=True)


class ProductRankingOut(Schema):
    entries = List(Nested(ProductEntryOut), required=True)


def product_entry_dict(e: pb.ProductRankingEntry) -> dict:
    return {
        "rank": e.rank,
        "product_id": e.product_id,
        "product_name": e.product_name,
        "quantity": e.quantity,
        "amount_fen": e.amount.fen,
    }
