"""B9 through the real gRPC servers on PostgreSQL: figures counted at approval, commission per
line from the rule in force (product beats brand), targets, permissions and tenant isolation."""

import performance_testkit as kit
import pytest
from orders_testkit import call, money, product, staff
from performance_testkit import sell, take_back, this_month

from crm.common.v1 import common_pb2
from crm.orders.v1 import performance_pb2 as ppb
from crmkit.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from crmkit.settings import MissingSetting
from orders import grpc_performance, server

# Fixtures shared by the performance tests (pytest finds them as module attributes).
perf, rds, keys = kit.perf, kit.rds, kit.keys


def rule(perf, owner, scope, target, *, rate_bp=0, per_unit=None):
    kind = ppb.COMMISSION_KIND_PERCENT if per_unit is None else ppb.COMMISSION_KIND_FIXED_PER_UNIT
    body = ppb.CommissionRule(
        scope=scope, target=target, kind=kind, rate_bp=rate_bp, amount_per_unit=money(per_unit or 0)
    )
    return call(perf, owner, "CreateCommissionRule", ppb.CreateCommissionRuleRequest(rule=body))


@pytest.fixture
def team(client, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    return owner, seller, customer


def test_b9_return_nets_out_of_performance_and_commission_follows_the_rules(client, perf, team):
    owner, seller, customer = team
    cola = product(client, owner, "Cola", wholesale=1000, brand="Acme")
    beer = product(client, owner, "Beer", wholesale=500, brand="Acme")
    water = product(client, owner, "Water", wholesale=200, brand="Acme")
    juice = product(client, owner, "Juice", wholesale=333, brand="Fresh")
    by_cola = rule(perf, owner, ppb.COMMISSION_SCOPE_PRODUCT, cola.id, rate_bp=333)
    by_acme = rule(perf, owner, ppb.COMMISSION_SCOPE_BRAND, "Acme", per_unit=30)
    by_water = rule(perf, owner, ppb.COMMISSION_SCOPE_PRODUCT, water.id, per_unit=10)

    order = sell(client, owner, seller, customer, (cola.id, 2), (beer.id, 3), (water.id, 4), (juice.id, 1))
    ret = take_back(client, owner, seller, customer, (cola.id, 1))
    assert (order.total.fen, ret.total.fen) == (2000 + 1500 + 800 + 333, 1000)
    # Rules changed after approval never rewrite what was paid (ADR 0003, decision 4).
    call(perf, owner, "DeleteCommissionRule", ppb.DeleteCommissionRuleRequest(id=by_cola.id))

    call(
        perf,
        owner,
        "SetSalesTarget",
        ppb.SetSalesTargetRequest(staff_id=seller.staff_id, month=this_month(), amount=money(10_000)),
    )
    mine = call(perf, seller, "GetPerformance", ppb.GetPerformanceRequest())
    # cola 2000 x 3.33% = 66.6 -> 67; beer 3 x 30 (brand); water 4 x 10 (own rule beats brand);
    # juice no rule; the returned cola 1000 x 3.33% = 33.3 -> -33.
    commission = 67 + 90 + 40 + 0 - 33
    assert (mine.staff_id, mine.month, mine.orders) == (seller.staff_id, this_month(), 1)
    assert (mine.sales.fen, mine.returns.fen, mine.net_sales.fen) == (4633, 1000, 3633)
    assert (mine.target.fen, mine.completion_bp, mine.commission.fen) == (10_000, 3633, commission)

    details = call(
        perf, seller, "ListCommissionDetails", ppb.ListCommissionDetailsRequest(page=common_pb2.PageRequest())
    )
    assert details.total_commission.fen == commission and details.page.total == 5
    got = {(d.kind, d.product_name): (d.quantity, d.amount.fen, d.rule_id, d.commission.fen) for d in details.details}
    assert got == {
        ("order", "Cola"): (2, 2000, by_cola.id, 67),
        ("order", "Beer"): (3, 1500, by_acme.id, 90),
        ("order", "Water"): (4, 800, by_water.id, 40),
        ("order", "Juice"): (1, 333, "", 0),
        ("return", "Cola"): (-1, -1000, by_cola.id, -33),
    }
    assert {d.order_number for d in details.details} == {order.number, ret.number}

    page2 = call(
        perf,
        seller,
        "ListCommissionDetails",
        ppb.ListCommissionDetailsRequest(page=common_pb2.PageRequest(page=2, page_size=2)),
    )
    assert len(page2.details) == 2 and page2.total_commission.fen == commission


def test_b9_target_is_upserted_and_managers_may_look_at_anyone(perf, team, tenant):
    owner, seller, _ = team
    manager = staff(tenant, "store_manager")
    for amount in (5000, 8000):
        call(
            perf,
            manager,
            "SetSalesTarget",
            ppb.SetSalesTargetRequest(staff_id=seller.staff_id, month="2026-01", amount=money(amount)),
        )
    listed = call(perf, owner, "ListSalesTargets", ppb.ListSalesTargetsRequest(month="2026-01"))
    assert [(t.staff_id, t.amount.fen) for t in listed.targets] == [(seller.staff_id, 8000)]
    # A salesperson lists only their own target; another salesperson sees none.
    assert len(call(perf, seller, "ListSalesTargets", ppb.ListSalesTargetsRequest(month="2026-01")).targets) == 1
    other = staff(tenant, "salesperson")
    assert call(perf, other, "ListSalesTargets", ppb.ListSalesTargetsRequest(month="2026-01")).targets == []

    theirs = call(perf, manager, "GetPerformance", ppb.GetPerformanceRequest(month="2026-01", staff_id=seller.staff_id))
    assert (theirs.target.fen, theirs.completion_bp, theirs.sales.fen) == (8000, 0, 0)
    with pytest.raises(PermissionDenied):
        call(perf, other, "GetPerformance", ppb.GetPerformanceRequest(staff_id=seller.staff_id))
    with pytest.raises(PermissionDenied):
        call(perf, other, "ListCommissionDetails", ppb.ListCommissionDetailsRequest(staff_id=seller.staff_id))


def test_b9_only_managers_set_targets_and_rules_and_inputs_are_checked(client, perf, team):
    owner, seller, _ = team
    with pytest.raises(PermissionDenied):
        call(perf, seller, "SetSalesTarget", ppb.SetSalesTargetRequest(staff_id="x", month="2026-01"))
    with pytest.raises(PermissionDenied):
        rule(perf, seller, ppb.COMMISSION_SCOPE_BRAND, "Acme", rate_bp=100)
    with pytest.raises(InvalidInput) as err:
        call(perf, owner, "SetSalesTarget", ppb.SetSalesTargetRequest(staff_id="x", month="2026-13"))
    assert err.value.fields == {"month": "validation.invalid_date"}
    with pytest.raises(InvalidInput) as err:
        call(perf, owner, "SetSalesTarget", ppb.SetSalesTargetRequest(staff_id="x", month="2026-01", amount=money(-1)))
    assert err.value.fields == {"amount_fen": "validation.invalid"}
    with pytest.raises(InvalidInput) as err:
        rule(perf, owner, ppb.COMMISSION_SCOPE_BRAND, "Acme", rate_bp=10_001)
    assert err.value.fields == {"rate_bp": "validation.invalid"}
    rule(perf, owner, ppb.COMMISSION_SCOPE_BRAND, "Acme", rate_bp=100)
    with pytest.raises(AlreadyExists):
        rule(perf, owner, ppb.COMMISSION_SCOPE_BRAND, "Acme", per_unit=5)
    # Salespeople may read the rules they are paid on.
    listed = call(perf, seller, "ListCommissionRules", ppb.ListCommissionRulesRequest())
    assert [(r.target, r.rate_bp) for r in listed.rules] == [("Acme", 100)]
    with pytest.raises(PermissionDenied):
        call(perf, seller, "DeleteCommissionRule", ppb.DeleteCommissionRuleRequest(id=listed.rules[0].id))


def test_b9_tenants_never_see_each_others_rules_products_or_figures(client, customers, perf, team):
    owner, seller, customer = team
    cola = product(client, owner, "Cola", wholesale=1000)
    acme = rule(perf, owner, ppb.COMMISSION_SCOPE_PRODUCT, cola.id, rate_bp=1000)
    sell(client, owner, seller, customer, (cola.id, 1))

    stranger = staff("t-other-" + seller.tenant_id[-6:], "owner")
    with pytest.raises(NotFound):
        rule(perf, stranger, ppb.COMMISSION_SCOPE_PRODUCT, cola.id, rate_bp=100)
    with pytest.raises(NotFound):
        call(perf, stranger, "DeleteCommissionRule", ppb.DeleteCommissionRuleRequest(id=acme.id))
    assert call(perf, stranger, "ListCommissionRules", ppb.ListCommissionRulesRequest()).rules == []
    theirs = call(perf, stranger, "GetPerformance", ppb.GetPerformanceRequest(staff_id=seller.staff_id))
    assert (theirs.sales.fen, theirs.commission.fen, theirs.orders) == (0, 0, 0)
    assert call(perf, seller, "GetPerformance", ppb.GetPerformanceRequest()).commission.fen == 100


def test_b9_composition_root_serves_the_performance_service(runtime, monkeypatch):
    assert grpc_performance.FULL_NAME in [r.full_name for r in runtime.registrations]
    # The standalone server needs the shared Redis the worker feeds.
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.db")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "unused")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(MissingSetting) as err:
        server.main()
    assert err.value.name == "REDIS_URL"


def test_a4_a_store_manager_reads_a_salespersons_figures_of_their_own_stores_only(client, perf, customers, tenant):
    # Given a salesperson of two stores who sold 1000 in the head store and 300 in the sub-store
    owner = staff(tenant, "owner")
    seller = staff(tenant, "salesperson", stores=("store-head", "store-sub"))
    cola = product(client, owner, "Cola", wholesale=100)
    sell(client, owner, seller, customers.add(tenant, seller.staff_id, store_id="store-head"), (cola.id, 10))
    sell(client, owner, seller, customers.add(tenant, seller.staff_id, store_id="store-sub"), (cola.id, 3))
    asked = ppb.GetPerformanceRequest(staff_id=seller.staff_id)
    # When each store's manager and the owner read them, then each sees their stores' share
    sub_manager = staff(tenant, "store_manager", stores=("store-sub",))
    assert call(perf, sub_manager, "GetPerformance", asked).sales.fen == 300
    assert call(perf, staff(tenant, "store_manager", stores=("store-head",)), "GetPerformance", asked).sales.fen == 1000
    assert call(perf, owner, "GetPerformance", asked).sales.fen == 1300
    # and the salesperson their own, everywhere
    assert call(perf, seller, "GetPerformance", ppb.GetPerformanceRequest()).sales.fen == 1300
    details = call(
        perf, sub_manager, "ListCommissionDetails", ppb.ListCommissionDetailsRequest(staff_id=seller.staff_id)
    )
    assert [d.amount.fen for d in details.details] == [300]
