"""A1 change log of products, orders and returns through the real gRPC server on PostgreSQL:
who changed what and when, one entry per change written with it, newest first, paged, and
scoped like the object itself."""

import json
from datetime import timedelta

import pytest
from orders_testkit import call, line, money, product, staff
from receivables_testkit import START, approved_order, file_request, receivables_stack

from crm.common.v1 import common_pb2
from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import receivables_pb2 as rpb
from crmkit.errors import NotFound


@pytest.fixture(scope="module")
def stack(customers, tmp_path_factory):
    with receivables_stack(customers, tmp_path_factory.mktemp("files")) as s:
        yield s


def tick(stack):
    """The next step a minute later: entries are ordered by time, as they are in real life."""
    stack.clock.now += timedelta(minutes=1)


def log(stack, actor, method, object_id, page=0, size=0):
    request = common_pb2.ListChangesRequest(object_id=object_id, page=common_pb2.PageRequest(page=page, page_size=size))
    reply = call(stack.orders, actor, method, request)
    entries = [
        (
            c.action,
            c.actor_id,
            json.loads(c.before_json) if c.before_json else None,
            json.loads(c.after_json) if c.after_json else None,
        )
        for c in reply.changes
    ]
    return entries, reply.page.total


def test_a1_product_changes_are_logged_with_before_and_after(stack, customers, tenant):
    # Given a product created by the owner
    stack.clock.now = START
    owner, manager = staff(tenant, "owner"), staff(tenant, "store_manager")
    cola = product(stack.orders, owner, "Cola", wholesale=300)
    # When a manager changes its price, unlists it, and agrees a price with one customer
    edited = pb.ProductInput(name="Cola", wholesale_price=money(350), listed=True)
    tick(stack)
    call(stack.orders, manager, "UpdateProduct", pb.UpdateProductRequest(id=cola.id, product=edited))
    tick(stack)
    call(stack.orders, manager, "UpdateProduct", pb.UpdateProductRequest(id=cola.id, product=edited))
    tick(stack)
    call(stack.orders, manager, "SetProductListed", pb.SetProductListedRequest(id=cola.id, listed=False))
    customer = customers.add(tenant, manager.staff_id)
    tick(stack)
    call(
        stack.orders,
        manager,
        "SetCustomerPrice",
        pb.SetCustomerPriceRequest(customer_id=customer, product_id=cola.id, price=money(320)),
    )
    # Then each change is one entry, newest first, naming who and only what changed (saving the
    # same form twice is one change)
    entries, total = log(stack, staff(tenant, "salesperson"), "ListProductChanges", cola.id)
    assert total == 4
    assert entries[:3] == [
        (
            "customer_price_set",
            manager.staff_id,
            {f"customer_price.{customer}": None},
            {f"customer_price.{customer}": 320},
        ),
        ("unlisted", manager.staff_id, {"listed": True}, {"listed": False}),
        ("updated", manager.staff_id, {"wholesale_price_fen": 300}, {"wholesale_price_fen": 350}),
    ]
    action, actor_id, before, after = entries[3]
    assert (action, actor_id, before, after["name"], after["wholesale_price_fen"]) == (
        "created",
        owner.staff_id,
        None,
        "Cola",
        300,
    )


def test_a1_a_deleted_product_keeps_its_log_and_another_tenant_sees_none(stack, tenant):
    owner = staff(tenant, "owner")
    stack.clock.now = START
    gone = product(stack.orders, owner, "Gone")
    tick(stack)
    call(stack.orders, owner, "DeleteProduct", pb.DeleteProductRequest(id=gone.id))
    entries, _ = log(stack, owner, "ListProductChanges", gone.id)
    assert [(e[0], e[3]) for e in entries][0] == ("deleted", None)
    with pytest.raises(NotFound):
        log(stack, staff("another-tenant", "owner"), "ListProductChanges", gone.id)
    with pytest.raises(NotFound):
        log(stack, owner, "ListProductChanges", "no-such-product")


def test_a1_an_orders_life_is_logged_including_what_took_its_debt_down(stack, customers, tenant):
    stack.clock.now = START
    owner, seller, finance = staff(tenant, "owner"), staff(tenant, "salesperson"), staff(tenant, "finance")
    customer = customers.add(tenant, seller.staff_id)
    item = product(stack.orders, owner, "Item", wholesale=1000)
    order = call(
        stack.orders, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(item.id)])
    )
    tick(stack)
    call(stack.orders, owner, "ApproveOrder", pb.OrderActionRequest(id=order.id))
    tick(stack)
    filed = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 400)]))
    call(stack.receivables, finance, "ApproveCollection", rpb.CollectionActionRequest(id=filed.id))
    tick(stack)
    call(stack.orders, owner, "PickOrder", pb.OrderActionRequest(id=order.id))
    entries, total = log(stack, seller, "ListOrderChanges", order.id)
    assert total == 4
    assert entries[:3] == [
        ("picked", owner.staff_id, {"status": "approved"}, {"status": "picked"}),
        ("collection_approved", finance.staff_id, {"debt_fen": 1000}, {"debt_fen": 600}),
        ("approved", owner.staff_id, {"debt_fen": 0, "status": "submitted"}, {"debt_fen": 1000, "status": "approved"}),
    ]
    action, actor_id, before, placed = entries[3]
    assert (action, actor_id, before) == ("submitted", seller.staff_id, None)
    assert (placed["number"], placed["total_fen"], placed["customer_id"]) == (order.number, 1000, customer)
    assert [li["quantity"] for li in placed["lines"]] == [1]
    # Paged, newest first.
    assert [e[0] for e in log(stack, seller, "ListOrderChanges", order.id, page=2, size=3)[0]] == ["submitted"]


def test_a1_a_returns_steps_are_logged_and_its_refund_shows_on_the_order(stack, customers, tenant):
    stack.clock.now = START
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id)
    order = approved_order(stack, owner, seller, customer, 1000)
    item = product(stack.orders, owner, "Back", wholesale=250)
    returned = call(
        stack.orders, seller, "SubmitReturn", pb.SubmitReturnRequest(customer_id=customer, lines=[line(item.id)])
    )
    for method in ("ApproveReturn", "ReceiveReturn"):
        tick(stack)
        call(stack.orders, owner, method, pb.ReturnActionRequest(id=returned.id))
    tick(stack)
    call(
        stack.orders,
        owner,
        "RefundReturn",
        pb.RefundReturnRequest(id=returned.id, method=pb.REFUND_METHOD_REDUCE_DEBT),
    )
    entries, total = log(stack, seller, "ListReturnChanges", returned.id)
    assert [e[0] for e in entries] == ["refunded", "received", "approved", "submitted"] and total == 4
    assert entries[0][2:] == (
        {"debt_reduced_fen": 0, "refund_method": "", "status": "received"},
        {"debt_reduced_fen": 250, "refund_method": "reduce_debt", "status": "refunded"},
    )
    on_order, _ = log(stack, owner, "ListOrderChanges", order.id)
    assert on_order[0] == ("return_refunded", owner.staff_id, {"debt_fen": 1000}, {"debt_fen": 750})


def test_a1_an_orders_log_is_scoped_like_the_order(stack, customers, tenant):
    stack.clock.now = START
    owner = staff(tenant, "owner")
    seller = staff(tenant, "salesperson", stores=("store-head",))
    customer = customers.add(tenant, seller.staff_id, store_id="store-head")
    order = approved_order(stack, owner, seller, customer, 500)
    for outsider in (
        staff(tenant, "salesperson", stores=("store-head",)),
        staff(tenant, "store_manager", stores=("store-sub",)),
        staff("another-tenant", "owner"),
    ):
        with pytest.raises(NotFound):
            log(stack, outsider, "ListOrderChanges", order.id)
    assert log(stack, staff(tenant, "store_manager", stores=("store-head",)), "ListOrderChanges", order.id)[1] == 2
