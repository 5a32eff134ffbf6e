"""B5: GetOrder shows what paid the order's debt (approved collections and refunded returns),
oldest first, through the real gRPC server on PostgreSQL; lists leave it empty."""

from datetime import UTC, timedelta

import pytest
from orders_testkit import call, line, product, staff
from receivables_testkit import START, file_request, receivables_stack

from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import receivables_pb2 as rpb
from crmkit.errors import NotFound


@pytest.fixture(scope="module")
def stack(customers, tmp_path_factory):
    with receivables_stack(customers, tmp_path_factory.mktemp("files")) as s:
        yield s


def shipped_order(stack, owner, seller, customer, item_id, quantity):
    order = call(
        stack.orders,
        seller,
        "SubmitOrder",
        opb.SubmitOrderRequest(customer_id=customer, lines=[line(item_id, quantity)]),
    )
    for step in ("ApproveOrder", "PickOrder", "ShipOrder"):
        call(stack.orders, owner, step, opb.OrderActionRequest(id=order.id))
    return order


def get_order(stack, actor, order_id):
    return call(stack.orders, actor, "GetOrder", opb.GetOrderRequest(id=order_id))


def test_b5_get_order_lists_collections_and_returns_oldest_first(stack, customers, tenant):
    stack.clock.now = START
    owner, seller, finance = staff(tenant, "owner"), staff(tenant, "salesperson"), staff(tenant, "finance")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    item = product(stack.orders, owner, "Tea", wholesale=1000)
    call(
        stack.orders,
        owner,
        "SetStock",
        opb.SetStockRequest(product_id=item.id, store_id="store-1", quantity=50, reason="stock take"),
    )
    order = shipped_order(stack, owner, seller, customer, item.id, 3)  # 3000 owed
    stack.clock.now = START + timedelta(minutes=1)
    newer = shipped_order(stack, owner, seller, customer, item.id, 1)  # 1000 owed, untouched below

    # A partial collection, approved an hour later; a second one stays pending (not a credit).
    paid = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 1200)], key="c-1"))
    stack.clock.now = START + timedelta(hours=1)
    call(stack.receivables, finance, "ApproveCollection", rpb.CollectionActionRequest(id=paid.id))
    call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 300)], key="c-2"))

    # A return of one unit refunded by reducing debt two hours in: the oldest order takes it all.
    ret = call(
        stack.orders, seller, "SubmitReturn", opb.SubmitReturnRequest(customer_id=customer, lines=[line(item.id, 1)])
    )
    call(stack.orders, owner, "ApproveReturn", opb.ReturnActionRequest(id=ret.id))
    call(stack.orders, owner, "ReceiveReturn", opb.ReturnActionRequest(id=ret.id))
    stack.clock.now = START + timedelta(hours=2)
    call(
        stack.orders,
        finance,
        "RefundReturn",
        opb.RefundReturnRequest(id=ret.id, method=opb.REFUND_METHOD_REDUCE_DEBT),
    )

    got = get_order(stack, seller, order.id)
    assert [(c.kind, c.document_id, c.number, c.amount.fen, c.at.ToDatetime(tzinfo=UTC)) for c in got.credits] == [
        ("collection", paid.id, paid.number, 1200, START + timedelta(hours=1)),
        ("return", ret.id, ret.number, 1000, START + timedelta(hours=2)),
    ]
    assert got.total.fen - sum(c.amount.fen for c in got.credits) == got.debt.fen == 800
    assert list(get_order(stack, owner, newer.id).credits) == []
    # Lists stay cheap: no credits there.
    listed = call(stack.orders, owner, "ListOrders", opb.ListOrdersRequest(customer_id=customer))
    assert {o.id for o in listed.orders} == {order.id, newer.id}
    assert all(not o.credits for o in listed.orders)
    # Another tenant's order looks missing, credits and all.
    with pytest.raises(NotFound):
        get_order(stack, staff(f"{tenant}-x", "owner"), order.id)
