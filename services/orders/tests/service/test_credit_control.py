"""B2 credit control through the real gRPC server on PostgreSQL: the credit limit and overdue
debt shown while an order is taken, and enforced on submission as the tenant chooses."""

import re
import threading
from datetime import timedelta

import pytest
from orders_testkit import call, line, product, staff
from receivables_testkit import START, approved_order, receivables_stack
from sqlalchemy import func, select

from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import receivables_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.models import OrderRow


@pytest.fixture(scope="module")
def stack(customers, tmp_path_factory):
    with receivables_stack(customers, tmp_path_factory.mktemp("files")) as s:
        yield s


@pytest.fixture
def shop(stack, customers, tenant):
    stack.clock.now = START
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    return owner, seller, customer


def set_term(stack, actor, customer, days=0, limit=None):
    req = pb.SetCreditTermRequest(customer_id=customer, days=days)
    if limit is not None:
        req.credit_limit.fen = limit
    return call(stack.receivables, actor, "SetCreditTerm", req)


def set_control(stack, owner, mode):
    return call(stack.orders, owner, "UpdateOrderSettings", opb.OrderSettings(credit_control=mode))


def credit(stack, actor, customer):
    return call(stack.receivables, actor, "GetCustomerCredit", pb.GetCustomerCreditRequest(customer_id=customer))


def submit(stack, seller, customer, fen):
    item = product(stack.orders, staff(seller.tenant_id, "owner"), f"Item {fen}", wholesale=fen)
    return call(
        stack.orders, seller, "SubmitOrder", opb.SubmitOrderRequest(customer_id=customer, lines=[line(item.id, 1)])
    )


def orders_of(stack, tenant, customer):
    with stack.db.uow() as uow:
        return uow.session.scalar(
            select(func.count()).where(OrderRow.tenant_id == tenant, OrderRow.customer_id == customer)
        )


def test_b2_credit_position_counts_debt_pending_orders_and_overdue(stack, shop, tenant):
    owner, seller, customer = shop
    set_term(stack, staff(tenant, "finance"), customer, days=10, limit=5000)
    approved_order(stack, owner, seller, customer, 1200)
    stack.clock.now = START + timedelta(days=3)
    approved_order(stack, owner, seller, customer, 800)
    submit(stack, seller, customer, 500)  # waiting for approval

    stack.clock.now = START + timedelta(days=11)  # the first order's due day has passed
    got = credit(stack, seller, customer)
    assert (got.credit_limit.fen, got.debt.fen, got.pending.fen, got.overdue.fen) == (5000, 2000, 500, 1200)
    assert (got.available.fen, got.term_days, got.credit_control) == (2500, 10, "warn")

    stack.clock.now = START + timedelta(days=10)  # on the due day itself it is due, not overdue
    assert credit(stack, seller, customer).overdue.fen == 0


def test_b2_without_a_limit_nothing_is_available_to_compute(stack, shop):
    _, seller, customer = shop
    got = credit(stack, seller, customer)
    assert not got.HasField("credit_limit") and not got.HasField("available")
    assert (got.debt.fen, got.pending.fen, got.overdue.fen) == (0, 0, 0)


def test_b2_warn_mode_takes_the_order_and_marks_it(stack, shop, tenant):
    owner, seller, customer = shop
    set_term(stack, owner, customer, limit=1000)
    within = submit(stack, seller, customer, 600)
    assert list(within.credit_warnings) == []
    over = submit(stack, seller, customer, 600)  # 600 pending + 600 > 1000
    assert list(over.credit_warnings) == ["over_limit"]
    got = call(stack.orders, owner, "GetOrder", opb.GetOrderRequest(id=over.id))
    assert list(got.credit_warnings) == ["over_limit"]


def test_b2_block_mode_refuses_over_the_limit_and_writes_nothing(stack, shop, tenant):
    owner, seller, customer = shop
    set_control(stack, owner, "block")
    try:
        set_term(stack, owner, customer, limit=1000)
        first = submit(stack, seller, customer, 1000)  # exactly the limit is allowed
        assert list(first.credit_warnings) == []
        with pytest.raises(Conflict) as refused:
            submit(stack, seller, customer, 1)
        assert refused.value.code == "CREDIT_BLOCKED"
        assert refused.value.params["reasons"] == "over_limit"
        assert (refused.value.params["owing"], refused.value.params["limit"]) == ("10.00", "10.00")
        assert orders_of(stack, tenant, customer) == 1
        # The refused order gave its number back: the next one follows the first.
        set_term(stack, owner, customer, limit=None)
        after = submit(stack, seller, customer, 1)
        assert int(after.number[-4:]) == int(first.number[-4:]) + 1
    finally:
        set_control(stack, owner, "warn")


def test_b2_block_mode_refuses_a_customer_with_overdue_debt(stack, shop):
    owner, seller, customer = shop
    set_term(stack, owner, customer, days=7)
    approved_order(stack, owner, seller, customer, 300)
    set_control(stack, owner, "block")
    try:
        stack.clock.now = START + timedelta(days=8)
        with pytest.raises(Conflict) as refused:
            submit(stack, seller, customer, 100)
        assert refused.value.params["reasons"] == "overdue"
    finally:
        set_control(stack, owner, "warn")


def test_b2_off_mode_neither_warns_nor_blocks(stack, shop):
    owner, seller, customer = shop
    set_term(stack, owner, customer, limit=0)
    set_control(stack, owner, "off")
    try:
        assert list(submit(stack, seller, customer, 100).credit_warnings) == []
    finally:
        set_control(stack, owner, "warn")


def test_b2_credit_settings_are_checked(stack, shop, tenant):
    owner, seller, customer = shop
    with pytest.raises(InvalidInput) as bad_mode:
        set_control(stack, owner, "sometimes")
    assert bad_mode.value.fields == {"credit_control": "validation.invalid_choice"}
    with pytest.raises(InvalidInput) as bad_limit:
        set_term(stack, owner, customer, limit=-1)
    assert bad_limit.value.fields == {"credit_limit_fen": "validation.invalid"}
    with pytest.raises(PermissionDenied):
        set_term(stack, seller, customer, limit=100)
    with pytest.raises(PermissionDenied):
        set_control(stack, staff(tenant, "store_manager"), "block")
    # A settings update from a client that knows nothing of credit keeps the mode.
    set_control(stack, owner, "block")
    call(stack.orders, owner, "UpdateOrderSettings", opb.OrderSettings(allow_negative_stock=True))
    got = call(stack.orders, owner, "GetOrderSettings", opb.GetOrderSettingsRequest())
    assert (got.allow_negative_stock, got.credit_control) == (True, "block")
    call(stack.orders, owner, "UpdateOrderSettings", opb.OrderSettings(credit_control="warn"))


def test_b2_credit_position_only_for_those_who_may_order_or_set_terms(stack, customers, shop, tenant):
    owner, seller, customer = shop
    colleague = staff(tenant, "salesperson")
    with pytest.raises(NotFound):
        credit(stack, colleague, customer)
    assert credit(stack, staff(tenant, "finance"), customer).customer_id == customer
    with pytest.raises(NotFound):
        credit(stack, staff("another-tenant", "salesperson"), customer)


def test_b2_credit_term_reports_its_limit(stack, shop):
    owner, _, customer = shop
    term = set_term(stack, owner, customer, days=30, limit=123456)
    assert (term.days, term.credit_limit.fen) == (30, 123456)
    assert not set_term(stack, owner, customer, days=30).HasField("credit_limit")


def test_b2_racing_orders_cannot_both_slip_under_the_limit(stack, shop, tenant):
    owner, seller, customer = shop
    item = product(stack.orders, owner, "Racing item", wholesale=100)
    set_term(stack, owner, customer, limit=500)
    set_control(stack, owner, "block")
    request = opb.SubmitOrderRequest(customer_id=customer, lines=[line(item.id, 1)])
    outcomes = []

    def attempt():
        try:
            outcomes.append(call(stack.orders, seller, "SubmitOrder", request).number)
        except Conflict as refused:
            outcomes.append(refused.code)

    try:
        threads = [threading.Thread(target=attempt) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        set_control(stack, owner, "warn")
    taken = [o for o in outcomes if o != "CREDIT_BLOCKED"]
    assert len(taken) == 5 and outcomes.count("CREDIT_BLOCKED") == 5
    assert len(set(taken)) == 5  # every order its own number
    assert orders_of(stack, tenant, customer) == 5


def test_b2_credit_check_reads_the_partial_indexes_not_every_order(db, tenant):
    """Issue 16: the credit statement runs on every order placed; a customer with years of
    orders must not cost a read of each. PostgreSQL is made to choose its plan as it does for
    a statement prepared long ago (generic plan: no parameter values known), and the pending
    orders and open debts come from their partial indexes alone."""
    from orders.service.credit import STANDING

    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql("SET enable_seqscan = off")
        compiled = STANDING.compile(dialect=conn.dialect)
        values = dict(compiled.params, tenant_id=tenant, customer_id="c-credit-plan")
        names: list[str] = []

        def placeholder(match):
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        sql = re.sub(r"%\((\w+)\)s", placeholder, str(compiled))
        conn.exec_driver_sql(f"PREPARE standing_plan AS {sql}")
        args = ", ".join(f"'{values[name]}'" for name in names)
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE standing_plan({args})"))
        conn.exec_driver_sql("DEALLOCATE standing_plan")
        conn.rollback()
    assert "ix_orders_pending_credit" in plan, plan
    assert "ix_orders_open_debts" in plan, plan
