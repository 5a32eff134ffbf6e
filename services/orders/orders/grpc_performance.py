"""gRPC servicer of crm.orders.v1.PerformanceService (B9-B11): proto -> use case -> proto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crm.orders.v1 import performance_pb2 as pb
from crm.orders.v1 import performance_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import money
from crmkit.redis_client import Keys
from orders.domain.commission import BRAND, FIXED_PER_UNIT, PERCENT, PRODUCT, Rule, RuleInput
from orders.models import ProductRow
from orders.service import dashboard, performance
from orders.service.ranking import Ranking

FULL_NAME = "crm.orders.v1.PerformanceService"
_SCOPES = {pb.COMMISSION_SCOPE_PRODUCT: PRODUCT, pb.COMMISSION_SCOPE_BRAND: BRAND}
_KINDS = {pb.COMMISSION_KIND_PERCENT: PERCENT, pb.COMMISSION_KIND_FIXED_PER_UNIT: FIXED_PER_UNIT}
_BY = {pb.RANK_BY_UNSPECIFIED: dashboard.BY_QUANTITY, pb.RANK_BY_QUANTITY: dashboard.BY_QUANTITY}
_BY[pb.RANK_BY_AMOUNT] = dashboard.BY_AMOUNT


def _product_exists(session, tenant_id: str, product_id: str) -> bool:
    return (
        session.scalar(select(ProductRow.id).where(ProductRow.tenant_id == tenant_id, ProductRow.id == product_id))
        is not None
    )


def rule_to_proto(rule: Rule) -> pb.CommissionRule:
    scope = {v: k for k, v in _SCOPES.items()}[rule.scope]
    kind = {v: k for k, v in _KINDS.items()}[rule.kind]
    return pb.CommissionRule(
        id=rule.id,
        scope=scope,
        target=rule.target,
        kind=kind,
        rate_bp=rule.rate_bp,
        amount_per_unit=money(rule.amount_per_unit_fen),
    )


class PerformanceServicer(performance_pb2_grpc.PerformanceServiceServicer):
    def __init__(self, db: Database, ranking: Ranking, *, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.ranking = ranking
        self.clock = clock

    def SetSalesTarget(self, request, context):
        view = performance.set_target(
            self.db.uow(), require_actor(), request.staff_id, request.month, request.amount.fen, now=self.clock()
        )
        return pb.SalesTarget(staff_id=view.staff_id, month=view.month, amount=money(view.amount_fen))

    def ListSalesTargets(self, request, context):
        views = performance.list_targets(self.db.uow(), require_actor(), request.month, now=self.clock())
        return pb.ListSalesTargetsResponse(
            targets=[pb.SalesTarget(staff_id=v.staff_id, month=v.month, amount=money(v.amount_fen)) for v in views]
        )

    def CreateCommissionRule(self, request, context):
        r = request.rule
        # Unknown enum values become "" and are refused by the domain check with the field named.
        cmd = RuleInput(
            scope=_SCOPES.get(r.scope, ""),
            target=r.target,
            kind=_KINDS.get(r.kind, ""),
            rate_bp=r.rate_bp,
            amount_per_unit_fen=r.amount_per_unit.fen,
        )
        rule = performance.create_rule(
            self.db.uow(), require_actor(), cmd, product_exists=_product_exists, now=self.clock()
        )
        return rule_to_proto(rule)

    def ListCommissionRules(self, request, context):
        rules = performance.list_rules(self.db.uow(), require_actor())
        return pb.ListCommissionRulesResponse(rules=[rule_to_proto(r) for r in rules])

    def DeleteCommissionRule(self, request, context):
        performance.delete_rule(self.db.uow(), require_actor(), request.id)
        return pb.DeleteCommissionRuleResponse()

    def GetPerformance(self, request, context):
        v = performance.get_performance(
            self.db.uow(), require_actor(), request.month, request.staff_id, now=self.clock()
        )
        return pb.Performance(
            staff_id=v.staff_id,
            month=v.month,
            sales=money(v.sales_fen),
            returns=money(v.returns_fen),
            net_sales=money(v.net_sales_fen),
            target=money(v.target_fen),
            completion_bp=v.completion_bp,
            commission=money(v.commission_fen),
            orders=v.orders,
        )

    def ListCommissionDetails(self, request, context):
        page = page_from_proto(request.page)
        result = performance.list_commission_details(
            self.db.uow(), require_actor(), request.month, request.staff_id, page, now=self.clock()
        )
        details = [
            pb.CommissionDetail(
                order_id=d.document_id,
                order_number=d.number,
                kind=d.kind,
                product_id=d.product_id,
                product_name=d.product_name,
                quantity=d.quantity,
                amount=money(d.amount_fen),
                rule_id=d.rule_id,
                commission=money(d.commission_fen),
            )
            for d in result.details
        ]
        return pb.ListCommissionDetailsResponse(
            details=details, page=page.info(result.total), total_commission=money(result.total_commission_fen)
        )

    def GetSalesRanking(self, request, context):
        view = self.ranking.read(require_actor(), request.month, request.limit, now=self.clock())
        entries = [
            pb.RankingEntry(rank=e.rank, staff_id=e.staff_id, net_sales=money(e.net_sales_fen)) for e in view.entries
        ]
        return pb.SalesRanking(month=view.month, entries=entries, my_rank=view.my_rank)

    def GetStoreDashboard(self, request, context):
        view = dashboard.store_dashboard(
            self.db.uow(), require_actor(), request.date_from, request.date_to, request.store_id, now=self.clock()
        )
        days = [
            pb.DailyTakings(
                date=d.date,
                store_id=d.store_id,
                orders=d.orders,
                sales=money(d.sales_fen),
                returns=money(d.returns_fen),
                takings=money(d.takings_fen),
            )
            for d in view.days
        ]
        return pb.StoreDashboard(days=days, total_takings=money(view.total_takings_fen))

    def GetProductRanking(self, request, context):
        rows = dashboard.product_ranking(
            self.db.uow(),
            require_actor(),
            request.date_from,
            request.date_to,
            _BY.get(request.by, ""),
            request.limit,
            now=self.clock(),
        )
        entries = [
            pb.ProductRankingEntry(
                rank=r.rank,
                product_id=r.product_id,
                product_name=r.product_name,
                quantity=r.quantity,
                amount=money(r.amount_fen),
            )
            for r in rows
        ]
        return pb.ProductRanking(entries=entries)


def registration(db: Database, redis, keys: Keys, *, clock: Callable[[], datetime] = utcnow) -> ServiceRegistration:
    servicer = PerformanceServicer(db, Ranking(db, redis, keys), clock=clock)
    return ServiceRegistration(performance_pb2_grpc.add_PerformanceServiceServicer_to_server, servicer, FULL_NAME)
