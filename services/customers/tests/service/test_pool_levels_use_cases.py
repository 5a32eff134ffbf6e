"""C3 pool rules per member level against PostgreSQL (and once on SQLite): the sweep applies
each customer's level rule in one pass, the warning K uses the level's deadline, a rerun
changes nothing; the settings keep the level rules and refuse bad ones naming the field."""

from datetime import timedelta

import pytest
from customer_testkit import NOW, PUBLIC, staff, token_for
from ownership_testkit import events, register
from sqlalchemy import select, update

from crm.customers.v1 import ownership_pb2 as pb
from crm.customers.v1 import ownership_pb2_grpc
from crmkit.auth import TokenVerifier
from crmkit.errors import InvalidInput
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from customers import grpc_api_ownership, migrate, server, service
from customers.domain.pool import CustomerSettings, PoolLevelRule
from customers.domain.registration import RegisterCustomer
from customers.models import CustomerRow, CustomerSettingsRow
from customers.service import ownership
from customers.service.customer_settings import get_customer_settings, update_customer_settings
from customers.service.pool_sweep import _candidates, sweep_pool, sweep_tenant


def rules(db, tenant, *level_rules, **kw):
    settings = CustomerSettings(**kw, pool_level_rules=tuple(PoolLevelRule(*r) for r in level_rules))
    return update_customer_settings(db.uow(), staff(tenant, "owner"), settings, now=NOW)


def touch(db, customer_id, **values):
    """What follow-ups (C8) and the orders read model (C4) write."""
    with db.uow() as uow:
        uow.session.execute(update(CustomerRow).where(CustomerRow.id == customer_id).values(**values))
        uow.commit()


def owner_of(db, tenant, customer_id):
    return service.get_customer(db.uow(), staff(tenant, "owner"), customer_id).owner_staff_id


def test_c3_vip_idle_40_days_stays_while_a_customer_without_level_returns(db, tenant):
    rules(db, tenant, ("VIP", 0, 90), pool_order_days=30)
    seller = staff(tenant, "salesperson")
    plain = register(db, seller, 1)
    other_level = register(db, seller, 2, level="A")
    vip = register(db, seller, 3, level="VIP")

    done = sweep_tenant(db.uow(), tenant, NOW + timedelta(days=40))
    assert done.returned == 2
    assert owner_of(db, tenant, plain.id) is None
    assert owner_of(db, tenant, other_level.id) is None
    assert owner_of(db, tenant, vip.id) == seller.staff_id
    assert {e["data"]["reason"] for e in events(db, tenant, "customer_returned_to_pool")} == {"no_order"}
    # The VIP goes at its own 90 days.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=90)).returned == 1
    assert owner_of(db, tenant, vip.id) is None


def test_c3_level_with_followup_zero_ignores_followups(db, tenant):
    rules(db, tenant, ("金卡", 0, 60), pool_followup_days=10)
    seller = staff(tenant, "salesperson")
    plain = register(db, seller, 1)
    gold = register(db, seller, 2, level="金卡")
    # Neither had a follow-up for 20 days; the gold one ordered lately.
    touch(db, gold.id, last_order_at=NOW + timedelta(days=15))
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=20)).returned == 1
    assert owner_of(db, tenant, plain.id) is None
    assert owner_of(db, tenant, gold.id) == seller.staff_id
    # Its only clock is orders: 60 days after the last one.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=74)).returned == 0
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=75)).returned == 1
    [_, gold_return] = events(db, tenant, "customer_returned_to_pool")
    assert gold_return["data"]["customer_id"] == gold.id and gold_return["data"]["reason"] == "no_order"


def test_c3_warning_uses_the_levels_deadline_once_and_rerun_changes_nothing(db, tenant):
    rules(db, tenant, ("VIP", 0, 90), pool_order_days=30, pool_warning_days=3)
    seller = staff(tenant, "salesperson")
    plain = register(db, seller, 1)
    vip = register(db, seller, 2, level="VIP")
    locked = register(db, seller, 3, level="VIP")
    ownership.set_customer_locked(db.uow(), staff(tenant, "owner"), locked.id, True, now=NOW)

    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=27)).warned == 1
    [first] = events(db, tenant, "pool_return_warning")
    assert first["data"]["customer_id"] == plain.id
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=30)).returned == 1
    # Day 86: nothing for the VIP yet; day 87: warned for its day 90, once.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=86)).warned == 0
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=87)).warned == 1
    warnings = events(db, tenant, "pool_return_warning")
    assert [(w["data"]["customer_id"], w["data"]["due_at"], w["data"]["rule"]) for w in warnings[1:]] == [
        (vip.id, (NOW + timedelta(days=90)).isoformat(), "no_order")
    ]
    before = len(events(db, tenant))
    again = sweep_tenant(db.uow(), tenant, NOW + timedelta(days=88))
    assert (again.returned, again.warned) == (0, 0)
    assert len(events(db, tenant)) == before
    # Day 90: the VIP returns, the locked VIP stays; a rerun moves nothing.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=90)).returned == 1
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=90)).returned == 0
    assert owner_of(db, tenant, vip.id) is None
    assert owner_of(db, tenant, locked.id) == seller.staff_id


def test_c3_tenant_with_only_level_rules_is_swept(db, tenant):
    rules(db, tenant, ("A", 5, 0))
    seller = staff(tenant, "salesperson")
    plain = register(db, seller, 1)
    level_a = register(db, seller, 2, level="A")
    sweep_pool(db.uow(), NOW + timedelta(days=6))
    assert owner_of(db, tenant, level_a.id) is None
    assert owner_of(db, tenant, plain.id) == seller.staff_id


def test_c3_settings_keep_level_rules_and_refuse_bad_ones_writing_nothing(db, tenant):
    saved = rules(db, tenant, (" VIP ", 0, 90), ("金卡", 10, 0), pool_order_days=30)
    expected = (PoolLevelRule("VIP", 0, 90), PoolLevelRule("金卡", 10, 0))
    assert saved.pool_level_rules == expected
    assert get_customer_settings(db.uow(), staff(tenant, "salesperson")).pool_level_rules == expected
    [changed] = events(db, tenant, "customer_settings_changed")
    assert changed["data"]["pool_level_rules"][0] == {"level": "VIP", "followup_days": 0, "order_days": 90}

    with pytest.raises(InvalidInput) as caught:
        rules(db, tenant, ("VIP", 0, 90), ("VIP", 5, 0), ("a b", 1, 1), pool_order_days=7)
    assert caught.value.fields == {
        "pool_level_rules.1.level": "validation.duplicate",
        "pool_level_rules.2.level": "validation.invalid",
    }
    assert get_customer_settings(db.uow(), staff(tenant, "owner")).pool_level_rules == expected
    assert len(events(db, tenant, "customer_settings_changed")) == 1
    # Saving without level rules removes them: the whole set is replaced.
    rules(db, tenant, pool_order_days=30)
    with db.uow() as uow:
        row = uow.session.scalar(select(CustomerSettingsRow).where(CustomerSettingsRow.tenant_id == tenant))
        assert row.pool_level_rules == []


@pytest.fixture(scope="module")
def settings_client(database_url):
    rt = server.build(Settings(service="customers", database_url=database_url))
    grpc_server, port, _ = build_server(
        "customers", rt.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", ownership_pb2_grpc.CustomerOwnershipServiceStub, grpc_api_ownership.FULL_NAME
    )
    yield client
    client.close()
    grpc_server.stop(0)
    rt.close()


def test_c3_level_rules_over_grpc(settings_client, tenant):
    owner = token_for(staff(tenant, "owner"))
    request = pb.CustomerSettings(
        pool_order_days=30, pool_level_rules=[pb.PoolLevelRule(level="VIP", followup_days=0, order_days=90)]
    )
    answer = settings_client.call("UpdateCustomerSettings", request, token=owner)
    assert [(r.level, r.followup_days, r.order_days) for r in answer.pool_level_rules] == [("VIP", 0, 90)]
    assert settings_client.call("GetCustomerSettings", pb.GetCustomerSettingsRequest(), token=owner) == answer
    bad = pb.CustomerSettings(pool_level_rules=[pb.PoolLevelRule(level="VIP", order_days=-1)])
    with pytest.raises(InvalidInput) as caught:
        settings_client.call("UpdateCustomerSettings", bad, token=owner)
    assert caught.value.fields == {"pool_level_rules.0.order_days": "validation.invalid"}


def test_c3_level_rules_sweep_on_sqlite(tmp_path):
    """The embedded mode: migration 0008 and the per-level cutoffs on SQLite."""
    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="customers", database_url=url))
    db = runtime.db
    try:
        seller = staff("t1", "salesperson")
        rules(db, "t1", ("VIP", 0, 90), pool_order_days=30, pool_warning_days=3)
        created = {}
        for n, level in enumerate(("", "VIP", "A")):
            cmd = RegisterCustomer(name=f"客户{n}", phone=f"1380013800{n}", fields={}, level=level)
            created[level] = service.register_customer(db.uow(), seller, cmd, now=NOW)
        assert sweep_pool(db.uow(), NOW + timedelta(days=28)).warned == 2
        assert sweep_pool(db.uow(), NOW + timedelta(days=40)).returned == 2
        assert owner_of(db, "t1", created["VIP"].id) == seller.staff_id
        assert sweep_pool(db.uow(), NOW + timedelta(days=88)).warned == 1
        assert sweep_pool(db.uow(), NOW + timedelta(days=90)).returned == 1
        assert sweep_pool(db.uow(), NOW + timedelta(days=91)).returned == 0
    finally:
        runtime.close()


def test_c3_sweep_query_selects_by_each_customers_level_cutoff(db, tenant):
    """The set-based prefilter itself: a VIP idle 40 days is not even read at day 40, and a
    level whose measures are both off never is."""
    settings = rules(db, tenant, ("VIP", 0, 90), ("FREE", 0, 0), pool_order_days=30)
    seller = staff(tenant, "salesperson")
    plain = register(db, seller, 1)
    register(db, seller, 2, level="VIP")
    register(db, seller, 3, level="FREE")
    with db.uow() as uow:
        read = uow.session.scalars(_candidates(settings, tenant, NOW + timedelta(days=40))).all()
        assert [row.id for row in read] == [plain.id]
        later = uow.session.scalars(_candidates(settings, tenant, NOW + timedelta(days=400))).all()
        assert {row.level for row in later} == {"", "VIP"}
