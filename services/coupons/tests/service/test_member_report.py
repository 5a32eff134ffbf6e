"""E6 member report, stored-value part: per China day from the ledger, outstanding totals, on
PostgreSQL through the use case (controlled clocks) and the real StoredValueService gRPC server."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import redis as redis_lib

from coupons import grpc_api_stored_value
from coupons.service import member_report, points, recharge, recharge_rules, stored_value
from coupons.service.coupons_customers import CustomerInfo
from coupons.service.coupons_stock import ClaimStock
from crm.coupons.v1 import stored_value_pb2 as pb
from crm.coupons.v1 import stored_value_pb2_grpc
from crmkit import testing
from crmkit.auth import STAFF, Actor, TokenVerifier
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.redis_client import Keys

# 10:00 and 18:00 China time on 1 March 2026, and 01:30 China time on 2 March, which is still
# 1 March in UTC: the report must put it on the merchant's 2 March.
MAR1_MORNING = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
MAR1_EVENING = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
MAR2_NIGHT_UTC_MAR1 = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
MAR2_NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


class AnyCustomer:
    """The customers service is not under test here: every id exists."""

    def get(self, customer_id):
        return CustomerInfo(customer_id, "", "")


def staff(tenant, *roles) -> Actor:
    return Actor(kind=STAFF, subject_id=str(uuid.uuid4()), tenant_id=tenant, roles=frozenset(roles))


@pytest.fixture(scope="module")
def stock(redis_prefix):
    client = redis_lib.Redis.from_url(testing.REDIS_URL)
    yield ClaimStock(client, Keys(redis_prefix, "coupons"))
    client.close()


def fill(db, stock, tenant) -> tuple[str, str]:
    """Two members: A pays 500 yuan with the "pay 500 get 80" rule on 1 March and spends 30 that
    evening, is topped up 10 by hand (not a recharge); B pays 100 yuan (no rule reached) at
    01:30 on 2 March, earns 246 points on an order and spends 46 of them at noon."""
    owner, lookup = staff(tenant, "owner"), AnyCustomer()
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    recharge_rules.create_rule(
        db.uow(), owner, recharge_rules.RuleInput("充500送80", "in_store", 50_000, 8_000), now=MAR1_MORNING
    )
    recharge.record_recharge(db.uow(), owner, lookup, stock, recharge.RechargeCommand(a, 50_000), now=MAR1_MORNING)
    stored_value.debit(
        db.uow(), owner, lookup, stored_value.LedgerCommand(a, "balance", 3_000, "spend"), now=MAR1_EVENING
    )
    stored_value.credit(
        db.uow(), owner, lookup, stored_value.LedgerCommand(a, "balance", 1_000, "top_up"), now=MAR1_EVENING
    )
    recharge.record_recharge(
        db.uow(), owner, lookup, stock, recharge.RechargeCommand(b, 10_000), now=MAR2_NIGHT_UTC_MAR1
    )
    points.set_rule(db.uow(), owner, 2)
    points.earn(db.uow(), owner, lookup, b, "order-1", 12_345, now=MAR2_NOON)
    stored_value.debit(
        db.uow(), owner, lookup, stored_value.LedgerCommand(b, "points", 46, "redeem_points"), now=MAR2_NOON
    )
    return a, b


def report(db, who, date_from="2026-03-01", date_to="2026-03-03", now=MAR2_NOON):
    return member_report.member_report(db.uow(), who, date_from, date_to, now=now)


def test_e6_member_report_counts_recharges_spend_and_points_per_china_day(db, stock, tenant):
    fill(db, stock, tenant)
    r = report(db, staff(tenant, "store_manager"))
    assert (r.date_from, r.date_to) == (date(2026, 3, 1), date(2026, 3, 3))
    assert [
        (
            d.date.isoformat(),
            d.recharges,
            d.recharge_paid_fen,
            d.recharge_bonus_fen,
            d.stored_value_spent_fen,
            d.points_earned,
            d.points_spent,
        )
        for d in r.days
    ] == [
        ("2026-03-01", 1, 50_000, 8_000, 3_000, 0, 0),
        ("2026-03-02", 1, 10_000, 0, 0, 246, 46),
        ("2026-03-03", 0, 0, 0, 0, 0, 0),
    ]
    # Now: A holds 500 + 80 - 30 + 10, B 100; points 246 - 46.
    assert (r.balance_fen, r.accounts_with_balance, r.points_outstanding) == (66_000, 2, 200)


def test_e6_member_report_sees_only_the_callers_tenant(db, stock, tenant):
    fill(db, stock, tenant)
    other = f"t-{uuid.uuid4().hex[:12]}"
    r = report(db, staff(other, "owner"))
    assert all(d.recharges == 0 and d.recharge_paid_fen == 0 and d.points_earned == 0 for d in r.days)
    assert (r.balance_fen, r.accounts_with_balance, r.points_outstanding) == (0, 0, 0)
    # And the other tenant's money does not reach this one's report.
    owner = staff(other, "owner")
    recharge.record_recharge(
        db.uow(), owner, AnyCustomer(), stock, recharge.RechargeCommand(str(uuid.uuid4()), 7_000), now=MAR1_MORNING
    )
    mine = report(db, staff(tenant, "owner"))
    assert mine.days[0].recharge_paid_fen == 50_000 and mine.balance_fen == 66_000


def test_e6_member_report_is_for_managers_and_finance(db, tenant):
    for role in ("owner", "store_manager", "finance"):
        assert len(report(db, staff(tenant, role)).days) == 3
    for role in ("salesperson", "warehouse"):
        with pytest.raises(PermissionDenied):
            report(db, staff(tenant, role))


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "key"),
    [
        ("2026-02-30", "", "date_from", "validation.invalid_date"),
        ("", "03/01/2026", "date_to", "validation.invalid_date"),
        ("2026-03-05", "2026-03-01", "date_to", "validation.invalid"),
        ("2025-03-01", "2026-03-02", "date_to", "validation.invalid"),  # 367 days
    ],
)
def test_e6_member_report_bad_period_names_the_field(db, tenant, date_from, date_to, field, key):
    with pytest.raises(InvalidInput) as err:
        report(db, staff(tenant, "owner"), date_from, date_to)
    assert err.value.fields == {field: key}


def test_e6_member_report_defaults_to_the_last_30_china_days(db, tenant):
    # 20:00 UTC on 31 March is 1 April in China.
    r = report(db, staff(tenant, "owner"), "", "", now=datetime(2026, 3, 31, 20, 0, tzinfo=UTC))
    assert (r.date_from, r.date_to, len(r.days)) == (date(2026, 3, 3), date(2026, 4, 1), 30)
    assert len(report(db, staff(tenant, "owner"), "2025-03-02", "2026-03-02").days) == 366


@pytest.fixture(scope="module")
def sv(db, keys, stock):
    reg = grpc_api_stored_value.registration(db, AnyCustomer(), None, stock)
    server, port, _ = build_server("coupons-sv", [reg], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1")
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", stored_value_pb2_grpc.StoredValueServiceStub, grpc_api_stored_value.FULL_NAME
    )
    yield client
    client.close()
    server.stop(0)


def test_e6_get_member_report_over_grpc(db, stock, sv, issuer, tenant):
    fill(db, stock, tenant)

    def call(*roles, **fields):
        token = issuer.issue(
            kind=STAFF, subject_id=str(uuid.uuid4()), tenant_id=tenant, roles=roles, ttl=timedelta(minutes=5)
        )[0]
        return sv.call("GetMemberReport", pb.GetMemberReportRequest(**fields), token=token, timeout=30)

    r = call("finance", date_from="2026-03-02", date_to="2026-03-02")
    assert [(d.date, d.recharges, d.recharge_paid_fen, d.points_earned, d.points_spent) for d in r.days] == [
        ("2026-03-02", 1, 10_000, 246, 46)
    ]
    assert (r.date_from, r.balance_fen, r.accounts_with_balance, r.points_outstanding) == ("2026-03-02", 66_000, 2, 200)
    with pytest.raises(PermissionDenied):
        call("salesperson")
    with pytest.raises(InvalidInput) as err:
        call("owner", date_from="yesterday")
    assert err.value.fields == {"date_from": "validation.invalid_date"}


def test_e6_member_report_runs_on_sqlite_embedded_mode(tmp_path):
    """`make run` keeps the ledger in SQLite: the China-day grouping is computed there too."""
    from coupons_testkit import FakeCustomers

    from coupons import migrate, server
    from crmkit.redis_client import make_redis
    from crmkit.settings import Settings

    url = f"sqlite:///{tmp_path}/coupons.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="coupons", database_url=url), customers=FakeCustomers())
    try:
        fill(runtime.db, ClaimStock(make_redis(None), Keys("emb:", "coupons")), "t-1")
        r = report(runtime.db, staff("t-1", "owner"))
        assert [(d.recharges, d.recharge_paid_fen, d.recharge_bonus_fen, d.stored_value_spent_fen) for d in r.days] == [
            (1, 50_000, 8_000, 3_000),
            (1, 10_000, 0, 0),
            (0, 0, 0, 0),
        ]
        assert [(d.points_earned, d.points_spent) for d in r.days][1] == (246, 46)
        assert (r.balance_fen, r.accounts_with_balance, r.points_outstanding) == (66_000, 2, 200)
    finally:
        runtime.close()
