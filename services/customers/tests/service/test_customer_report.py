"""E6 member report, new-members part: customers registered per China day, on PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from customer_testkit import phone, staff, token_for

from crm.customers.v1 import customers_pb2 as pb
from crmkit.errors import InvalidInput, PermissionDenied
from customers import service
from customers.domain.registration import RegisterCustomer
from customers.service.customer_report import new_customer_report

# 23:59 China time on 1 March is 15:59 UTC; one minute later it is 2 March in China but still
# 1 March in UTC.
MAR1_MORNING = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
MAR1_LAST_MINUTE = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
MAR2_FIRST_MINUTE = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
MAR3 = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)


def register(db, actor, n, at, store_id=""):
    cmd = RegisterCustomer(name=f"Customer {n}", phone=phone(n), fields={}, store_id=store_id)
    return service.register_customer(db.uow(), actor, cmd, now=at)


@pytest.fixture
def people(db, tenant):
    """seller 1 (store-1): one on 1 March late evening, one just after midnight (2 March);
    seller 2 (store-2): one on 1 March; the manager (store-1): one on 3 March."""
    seller1 = staff(tenant, "salesperson", stores=("store-1",))
    seller2 = staff(tenant, "salesperson", stores=("store-2",))
    manager = staff(tenant, "store_manager", stores=("store-1",))
    register(db, seller1, 1, MAR1_LAST_MINUTE)
    register(db, seller1, 2, MAR2_FIRST_MINUTE)
    register(db, seller2, 3, MAR1_MORNING)
    register(db, manager, 4, MAR3)
    return seller1, seller2, manager


def counts(db, actor, store_id="", date_from="2026-03-01", date_to="2026-03-03"):
    r = new_customer_report(db.uow(), actor, date_from, date_to, store_id, now=MAR3)
    return [(d.isoformat(), n) for d, n in r.days], r.total


def test_e6_new_customers_are_counted_per_china_day(db, tenant, people):
    assert counts(db, staff(tenant, "owner")) == ([("2026-03-01", 2), ("2026-03-02", 1), ("2026-03-03", 1)], 4)


def test_e6_new_customers_of_one_store(db, tenant, people):
    owner = staff(tenant, "owner")
    assert counts(db, owner, "store-2") == ([("2026-03-01", 1), ("2026-03-02", 0), ("2026-03-03", 0)], 1)
    assert counts(db, owner, "store-1")[1] == 3


def test_a4_store_manager_counts_the_new_customers_of_their_stores_only(db, tenant, people):
    # Given store-1's manager (store-2's seller registered one customer there)
    manager = people[2]
    # When they read the report, then store-1's three count, store-2's does not
    assert counts(db, manager) == ([("2026-03-01", 1), ("2026-03-02", 1), ("2026-03-03", 1)], 3)
    assert counts(db, manager, "store-1")[1] == 3
    # and naming store-2 is refused rather than answered with zeros
    with pytest.raises(PermissionDenied) as err:
        counts(db, manager, "store-2")
    assert err.value.code == "STORE_ACCESS_DENIED"


def test_e6_a_salesperson_counts_only_own_registrations(db, tenant, people):
    assert counts(db, people[0]) == ([("2026-03-01", 1), ("2026-03-02", 1), ("2026-03-03", 0)], 2)
    assert counts(db, people[1])[1] == 1
    # The see_all_customers switch sees the tenant, as in the customer list.
    assert counts(db, staff(tenant, "salesperson", perms=("see_all_customers",)))[1] == 4
    # Finance reads the member report of their stores (A1 data scope).
    assert counts(db, staff(tenant, "finance", stores=("store-1",)))[1] == 3
    assert counts(db, staff(tenant, "finance", stores=("store-1", "store-2")))[1] == 4


def test_e6_new_customers_of_another_tenant_are_not_counted(db, people):
    assert counts(db, staff("t-someone-else", "owner"))[1] == 0


@pytest.mark.parametrize(
    ("date_from", "date_to", "fields"),
    [
        ("2026-3-1", "", {"date_from": "validation.invalid_date"}),
        ("", "tomorrow", {"date_to": "validation.invalid_date"}),
        ("2026-03-02", "2026-03-01", {"date_to": "validation.invalid"}),
        ("2025-01-01", "2026-01-02", {"date_to": "validation.invalid"}),
    ],
)
def test_e6_new_customer_report_bad_period_names_the_field(db, tenant, date_from, date_to, fields):
    with pytest.raises(InvalidInput) as err:
        counts(db, staff(tenant, "owner"), "", date_from, date_to)
    assert err.value.fields == fields


def test_e6_new_customer_report_defaults_to_the_last_30_days(db, tenant):
    r = new_customer_report(db.uow(), staff(tenant, "owner"), "", "", now=MAR3)
    assert (r.date_from, r.date_to, len(r.days), r.total) == (date(2026, 2, 2), date(2026, 3, 3), 30, 0)


def test_e6_get_new_customer_report_over_grpc(client, tenant, people):
    request = pb.GetNewCustomerReportRequest(date_from="2026-03-01", date_to="2026-03-02", store_id="store-1")
    r = client.call("GetNewCustomerReport", request, token=token_for(people[2]))
    assert [(d.date, d.new_customers) for d in r.days] == [("2026-03-01", 1), ("2026-03-02", 1)]
    assert (r.date_from, r.date_to, r.total) == ("2026-03-01", "2026-03-02", 2)
    with pytest.raises(InvalidInput):
        client.call("GetNewCustomerReport", pb.GetNewCustomerReportRequest(date_from="x"), token=token_for(people[0]))


def test_e6_new_customer_report_runs_on_sqlite_embedded_mode(tmp_path):
    from crmkit.settings import Settings
    from customers import migrate
    from customers.server import build

    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = build(Settings(service="customers", database_url=url))
    try:
        seller = staff("t1", "salesperson")
        register(runtime.db, seller, 1, MAR1_LAST_MINUTE, "store-1")
        register(runtime.db, seller, 2, MAR2_FIRST_MINUTE, "store-1")
        register(runtime.db, staff("t1", "owner"), 3, MAR1_MORNING, "store-2")
        assert counts(runtime.db, staff("t1", "owner")) == (
            [("2026-03-01", 2), ("2026-03-02", 1), ("2026-03-03", 0)],
            3,
        )
        assert counts(runtime.db, seller, "store-1")[1] == 2
    finally:
        runtime.close()
