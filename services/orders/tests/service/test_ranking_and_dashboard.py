"""B9 ranking fed by the handlers (called directly with the envelopes the service published),
rebuilt from the database when missing; B10 store takings; B11 product ranking."""

import json
from datetime import UTC, datetime

import performance_testkit as kit
import pytest
from orders_testkit import call, product, staff
from performance_testkit import sell, take_back, this_month
from sqlalchemy import select

from crm.orders.v1 import performance_pb2 as ppb
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.events import Event
from orders import handlers
from orders.domain.performance import day_of
from orders.models import Outbox
from orders.subscriptions import subscriptions

# Fixtures shared by the performance tests (pytest finds them as module attributes).
keys, perf, rds = kit.keys, kit.perf, kit.rds


def published(db, tenant, type_):
    """The envelopes the service itself published (outbox), oldest first."""
    with db.engine.connect() as conn:
        rows = conn.scalars(
            select(Outbox.payload).where(Outbox.tenant_id == tenant, Outbox.type == type_).order_by(Outbox.id)
        ).all()
    return [Event.from_message(json.loads(p)) for p in rows]


def board(rds, keys, tenant):
    return dict(rds.zrevrange(keys("ranking", tenant, this_month()), 0, -1, withscores=True))


def handle(db, rds, keys, event):
    fn = handlers.on_order_approved if event.type == "order_approved" else handlers.on_return_approved
    return fn(db.uow(), event, redis=rds, keys=keys, db=db)


@pytest.fixture
def team(client, customers, tenant):
    owner = staff(tenant, "owner")
    ann, bob = staff(tenant, "salesperson", sid="s-ann"), staff(tenant, "salesperson", sid="s-bob")
    ann_c = customers.add(tenant, ann.staff_id, store_id="store-1")
    bob_c = customers.add(tenant, bob.staff_id, store_id="store-1")
    cola = product(client, owner, "Cola", wholesale=1000)
    return owner, ann, bob, ann_c, bob_c, cola


def test_b9_return_nets_out_of_performance_and_ranking(client, db, perf, rds, keys, team, tenant):
    owner, ann, bob, ann_c, bob_c, cola = team
    sell(client, owner, ann, ann_c, (cola.id, 3))
    sell(client, owner, bob, bob_c, (cola.id, 2))
    take_back(client, owner, ann, ann_c, (cola.id, 2))
    # The ranking exists (built from the database on first read), then the events arrive.
    first = call(perf, ann, "GetSalesRanking", ppb.GetSalesRankingRequest())
    assert [(e.rank, e.staff_id, e.net_sales.fen) for e in first.entries] == [(1, "s-bob", 2000), (2, "s-ann", 1000)]
    assert first.my_rank == 2
    events = published(db, tenant, "order_approved") + published(db, tenant, "return_approved")
    assert {e.data["salesperson_id"] for e in events} == {"s-ann", "s-bob"}
    assert all(e.data["approved_at"] and "total_fen" in e.data for e in events)
    # Already counted by the rebuild: neither the first delivery nor a redelivery adds again.
    for event in events + events:
        handle(db, rds, keys, event)
    assert board(rds, keys, tenant) == {"s-bob": 2000.0, "s-ann": 1000.0}

    # A sale approved after the set exists is added exactly once, however often it arrives.
    sell(client, owner, ann, ann_c, (cola.id, 5))
    latest = published(db, tenant, "order_approved")[-1]
    assert handle(db, rds, keys, latest) is True
    assert handle(db, rds, keys, latest) is False
    redelivered_under_a_new_id = Event(
        latest.type, latest.source, latest.tenant_id, latest.data, occurred_at=latest.occurred_at
    )
    assert handle(db, rds, keys, redelivered_under_a_new_id) is False
    incremental = board(rds, keys, tenant)
    assert incremental == {"s-ann": 6000.0, "s-bob": 2000.0}

    # Redis flushed: the next read rebuilds exactly what the increments had built.
    rds.delete(keys("ranking", tenant, this_month()), keys("ranking-docs", tenant, this_month()))
    again = call(perf, bob, "GetSalesRanking", ppb.GetSalesRankingRequest(limit=1))
    assert [(e.staff_id, e.net_sales.fen) for e in again.entries] == [("s-ann", 6000)]
    assert again.my_rank == 2
    assert board(rds, keys, tenant) == incremental
    perf_ann = call(perf, ann, "GetPerformance", ppb.GetPerformanceRequest())
    assert perf_ann.net_sales.fen == 6000


def test_b9_handler_finding_the_key_missing_rebuilds_without_adding_twice(client, db, rds, keys, team, tenant):
    owner, ann, _bob, ann_c, _bob_c, cola = team
    sell(client, owner, ann, ann_c, (cola.id, 4))
    (event,) = published(db, tenant, "order_approved")
    handlers_by_key = subscriptions(db, rds, keys)
    handlers_by_key[("orders", "order_approved")](event)
    handlers_by_key[("orders", "order_approved")](event)
    assert board(rds, keys, tenant) == {"s-ann": 4000.0}


def test_b9_malformed_event_is_acknowledged_and_changes_nothing(db, rds, keys, tenant):
    bad = Event("order_approved", "orders", tenant, {"order_id": "o1", "salesperson_id": "s-x"})
    assert handle(db, rds, keys, bad) is False
    assert board(rds, keys, tenant) == {}


def test_b10_store_dashboard_counts_takings_per_day_and_store(client, customers, perf, team, tenant):
    owner, ann, _bob, ann_c, _bob_c, cola = team
    manager = staff(tenant, "store_manager", stores=("store-2",))
    far_customer = customers.add(tenant, ann.staff_id, store_id="store-2")
    sell(client, owner, ann, ann_c, (cola.id, 3))
    sell(client, owner, ann, ann_c, (cola.id, 1))
    take_back(client, owner, ann, ann_c, (cola.id, 1))
    sell(client, owner, ann, far_customer, (cola.id, 2))
    today = day_of(datetime.now(UTC))
    span = {"date_from": today, "date_to": today}

    everything = call(perf, owner, "GetStoreDashboard", ppb.GetStoreDashboardRequest(**span))
    got = [(d.date, d.store_id, d.orders, d.sales.fen, d.returns.fen, d.takings.fen) for d in everything.days]
    assert got == [(today, "store-1", 2, 4000, 1000, 3000), (today, "store-2", 1, 2000, 0, 2000)]
    assert everything.total_takings.fen == 5000
    mine = call(perf, manager, "GetStoreDashboard", ppb.GetStoreDashboardRequest(**span))
    assert [(d.store_id, d.takings.fen) for d in mine.days] == [("store-2", 2000)]
    with pytest.raises(PermissionDenied):
        call(perf, manager, "GetStoreDashboard", ppb.GetStoreDashboardRequest(store_id="store-1", **span))
    with pytest.raises(PermissionDenied):
        call(perf, ann, "GetStoreDashboard", ppb.GetStoreDashboardRequest(**span))
    with pytest.raises(InvalidInput) as err:
        call(
            perf, owner, "GetStoreDashboard", ppb.GetStoreDashboardRequest(date_from="2026-01-01", date_to="2026-06-01")
        )
    assert err.value.fields == {"date_to": "validation.invalid"}
    yesterday_only = call(
        perf, owner, "GetStoreDashboard", ppb.GetStoreDashboardRequest(date_from="2020-01-01", date_to="2020-01-02")
    )
    assert list(yesterday_only.days) == [] and yesterday_only.total_takings.fen == 0


def test_b11_product_ranking_by_quantity_or_amount_net_of_returns(client, perf, team, tenant):
    owner, ann, _bob, ann_c, _bob_c, cola = team
    caviar = product(client, owner, "Caviar", wholesale=50_000)
    apple = product(client, owner, "Apple", wholesale=1000)
    sell(client, owner, ann, ann_c, (cola.id, 10), (caviar.id, 1), (apple.id, 4))
    take_back(client, owner, ann, ann_c, (cola.id, 6))
    today = day_of(datetime.now(UTC))

    def rank(by, limit=0):
        req = ppb.GetProductRankingRequest(date_from=today, date_to=today, by=by, limit=limit)
        return [
            (e.rank, e.product_name, e.quantity, e.amount.fen)
            for e in call(perf, owner, "GetProductRanking", req).entries
        ]

    # Cola and Apple tie on 4 units and 4000 fen: the name decides.
    assert rank(ppb.RANK_BY_QUANTITY) == [(1, "Apple", 4, 4000), (2, "Cola", 4, 4000), (3, "Caviar", 1, 50_000)]
    assert rank(ppb.RANK_BY_AMOUNT, limit=2) == [(1, "Caviar", 1, 50_000), (2, "Apple", 4, 4000)]
    with pytest.raises(InvalidInput) as err:
        rank(ppb.RANK_BY_AMOUNT, limit=101)
    assert err.value.fields == {"limit": "validation.invalid"}
    with pytest.raises(PermissionDenied):
        call(perf, ann, "GetProductRanking", ppb.GetProductRankingRequest(date_from=today, date_to=today))
