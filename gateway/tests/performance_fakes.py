"""A fake of crm.orders.v1.PerformanceService (B9-B11), hosted beside the fake orders service on
the orders address: records every call and answers with fixed, recognisable values."""

from __future__ import annotations

from gateway_fakes import Recorder

from crm.common.v1 import common_pb2
from crm.orders.v1 import performance_pb2 as pb
from crm.orders.v1 import performance_pb2_grpc
from crmkit.grpc_server import ServiceRegistration
from crmkit.protos import money


def rule_pb(rule_id="rule-1") -> pb.CommissionRule:
    return pb.CommissionRule(
        id=rule_id,
        scope=pb.COMMISSION_SCOPE_BRAND,
        target="青岛啤酒",
        kind=pb.COMMISSION_KIND_FIXED_PER_UNIT,
        amount_per_unit=money(50),
    )


class FakePerformance(performance_pb2_grpc.PerformanceServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def SetSalesTarget(self, request, context):
        self.rec.record("SetSalesTarget", request, context)
        return pb.SalesTarget(staff_id=request.staff_id, month=request.month, amount=request.amount)

    def ListSalesTargets(self, request, context):
        self.rec.record("ListSalesTargets", request, context)
        return pb.ListSalesTargetsResponse(targets=[pb.SalesTarget(staff_id="s-2", month="2026-01", amount=money(5))])

    def CreateCommissionRule(self, request, context):
        self.rec.record("CreateCommissionRule", request, context)
        created = pb.CommissionRule()
        created.CopyFrom(request.rule)
        created.id = "rule-9"
        return created

    def ListCommissionRules(self, request, context):
        self.rec.record("ListCommissionRules", request, context)
        percent = pb.CommissionRule(
            id="rule-2", scope=pb.COMMISSION_SCOPE_PRODUCT, target="p-1", kind=pb.COMMISSION_KIND_PERCENT, rate_bp=250
        )
        return pb.ListCommissionRulesResponse(rules=[rule_pb(), percent])

    def DeleteCommissionRule(self, request, context):
        self.rec.record("DeleteCommissionRule", request, context)
        return pb.DeleteCommissionRuleResponse()

    def GetPerformance(self, request, context):
        actor = self.rec.record("GetPerformance", request, context)
        return pb.Performance(
            staff_id=request.staff_id or actor.staff_id,
            month=request.month or "2026-01",
            sales=money(1_000_000),
            returns=money(50_000),
            net_sales=money(950_000),
            target=money(2_000_000),
            completion_bp=4750,
            commission=money(19_000),
            orders=12,
        )

    def ListCommissionDetails(self, request, context):
        self.rec.record("ListCommissionDetails", request, context)
        details = [
            pb.CommissionDetail(
                order_id="o-1",
                order_number="XS20260105-0001",
                kind="order",
                product_id="p-1",
                product_name="青岛啤酒 500ml",
                quantity=24,
                amount=money(96_000),
                rule_id="rule-1",
                commission=money(1_200),
            ),
            pb.CommissionDetail(
                order_id="r-1",
                order_number="TH20260106-0001",
                kind="return",
                product_id="p-1",
                product_name="青岛啤酒 500ml",
                quantity=2,
                amount=money(8_000),
                rule_id="rule-1",
                commission=money(-100),
            ),
        ]
        page = common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=2)
        return pb.ListCommissionDetailsResponse(details=details, page=page, total_commission=money(1_100))

    def GetSalesRanking(self, request, context):
        self.rec.record("GetSalesRanking", request, context)
        entries = [
            pb.RankingEntry(rank=1, staff_id="s-2", net_sales=money(1_200_000)),
            pb.RankingEntry(rank=2, staff_id="s-1", net_sales=money(950_000)),
        ]
        return pb.SalesRanking(month=request.month or "2026-01", entries=entries, my_rank=2)

    def GetStoreDashboard(self, request, context):
        self.rec.record("GetStoreDashboard", request, context)
        day = pb.DailyTakings(
            date=request.date_from,
            store_id="st-1",
            orders=3,
            sales=money(30_000),
            returns=money(1_000),
            takings=money(29_000),
        )
        return pb.StoreDashboard(days=[day], total_takings=money(29_000))

    def GetProductRanking(self, request, context):
        self.rec.record("GetProductRanking", request, context)
        entry = pb.ProductRankingEntry(
            rank=1, product_id="p-1", product_name="青岛啤酒 500ml", quantity=240, amount=money(960_000)
        )
        return pb.ProductRanking(entries=[entry])


def registration(fake: FakePerformance) -> ServiceRegistration:
    return ServiceRegistration(
        performance_pb2_grpc.add_PerformanceServiceServicer_to_server, fake, "crm.orders.v1.PerformanceService"
    )
