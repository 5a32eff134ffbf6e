"""A1 A4 data scope through the real gRPC server on PostgreSQL: every list and read of orders,
returns, receivables and collections, and writes on them, answer within the caller's scope
(orders.domain.scope); anything outside it is NOT_FOUND.

The tenant has a head store and a sub-store with a manager, a salesperson and finance each;
each salesperson sold one approved order (and filed a collection on it) to a customer of their
store, and the sub-store's salesperson also filed a return."""

from dataclasses import dataclass, replace

import pytest
from orders_testkit import call, line, product, staff
from receivables_testkit import START, approved_order, file_request, receivables_stack

from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import receivables_pb2 as pb
from crmkit.errors import NotFound

HEAD, SUB = "store-head", "store-sub"


@pytest.fixture(scope="module")
def stack(customers, tmp_path_factory):
    with receivables_stack(customers, tmp_path_factory.mktemp("files")) as s:
        yield s


@dataclass
class Store:
    manager: object
    seller: object
    finance: object
    customer: str
    order: object
    collection: object


@dataclass
class Chain:
    owner: object
    head: Store
    sub: Store
    sub_return: object


def open_store(stack, customers, tenant, owner, store_id) -> Store:
    manager = staff(tenant, "store_manager", stores=(store_id,))
    seller = staff(tenant, "salesperson", stores=(store_id,))
    finance = staff(tenant, "finance", stores=(store_id,))
    customer = customers.add(tenant, seller.staff_id, store_id=store_id)
    order = approved_order(stack, owner, seller, customer, 1000)
    collection = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 300)]))
    return Store(manager, seller, finance, customer, order, collection)


@pytest.fixture
def chain(stack, customers, tenant):
    stack.clock.now = START
    owner = staff(tenant, "owner", stores=(HEAD,))
    head = open_store(stack, customers, tenant, owner, HEAD)
    sub = open_store(stack, customers, tenant, owner, SUB)
    item = product(stack.orders, owner, "Returned", wholesale=200)
    returned = call(
        stack.orders,
        sub.seller,
        "SubmitReturn",
        opb.SubmitReturnRequest(customer_id=sub.customer, lines=[line(item.id)]),
    )
    return Chain(owner, head, sub, returned)


def order_ids(stack, actor):
    return {o.id for o in call(stack.orders, actor, "ListOrders", opb.ListOrdersRequest()).orders}


def return_ids(stack, actor):
    return {r.id for r in call(stack.orders, actor, "ListReturns", opb.ListReturnsRequest()).returns}


def collection_ids(stack, actor):
    return {c.id for c in call(stack.receivables, actor, "ListCollections", pb.ListCollectionsRequest()).collections}


def debtor_ids(stack, actor):
    return {d.customer_id for d in call(stack.receivables, actor, "ListDebtors", pb.ListDebtorsRequest()).debtors}


def test_a4_sub_store_manager_does_not_see_head_store_orders(stack, chain):
    # Given the chain; when the sub-store's manager lists and reads orders
    # then only the sub-store's order is there, and the head store's is missing
    assert order_ids(stack, chain.sub.manager) == {chain.sub.order.id}
    with pytest.raises(NotFound):
        call(stack.orders, chain.sub.manager, "GetOrder", opb.GetOrderRequest(id=chain.head.order.id))
    assert call(stack.orders, chain.sub.manager, "GetOrder", opb.GetOrderRequest(id=chain.sub.order.id)).id


def test_a4_head_store_manager_does_not_see_sub_store_orders_returns_or_collections(stack, chain):
    # The head store reads a sub-store's figures through identity, not its documents (ADR 0010).
    head_manager = chain.head.manager
    assert order_ids(stack, head_manager) == {chain.head.order.id}
    assert return_ids(stack, head_manager) == set()
    assert collection_ids(stack, head_manager) == {chain.head.collection.id}
    with pytest.raises(NotFound):
        call(stack.orders, head_manager, "GetReturn", opb.GetReturnRequest(id=chain.sub_return.id))


def test_a1_salesperson_sees_what_they_sold_only(stack, chain):
    assert order_ids(stack, chain.sub.seller) == {chain.sub.order.id}
    assert return_ids(stack, chain.sub.seller) == {chain.sub_return.id}
    assert collection_ids(stack, chain.head.seller) == {chain.head.collection.id}
    assert debtor_ids(stack, chain.head.seller) == {chain.head.customer}


def test_a1_owner_sees_every_store_and_the_current_store_narrows_a_manager(stack, tenant, chain):
    assert order_ids(stack, chain.owner) == {chain.head.order.id, chain.sub.order.id}
    both = staff(tenant, "store_manager", stores=(HEAD, SUB))
    assert order_ids(stack, both) == {chain.head.order.id, chain.sub.order.id}
    assert order_ids(stack, replace(both, current_store_id=SUB)) == {chain.sub.order.id}
    assert return_ids(stack, replace(both, current_store_id=HEAD)) == set()


def test_a4_receivables_and_collections_keep_to_the_store(stack, chain):
    sub_finance = chain.sub.finance
    assert debtor_ids(stack, sub_finance) == {chain.sub.customer}
    assert collection_ids(stack, sub_finance) == {chain.sub.collection.id}
    head_debts = call(
        stack.receivables, sub_finance, "ListDebtOrders", pb.ListDebtOrdersRequest(customer_id=chain.head.customer)
    )
    assert list(head_debts.orders) == []
    with pytest.raises(NotFound):
        call(stack.receivables, sub_finance, "GetCollection", pb.CollectionActionRequest(id=chain.head.collection.id))
    with pytest.raises(NotFound):
        call(
            stack.receivables,
            sub_finance,
            "GetCustomerCredit",
            pb.GetCustomerCreditRequest(customer_id=chain.head.customer),
        )


def test_a1_writes_on_documents_outside_the_scope_are_not_found_and_change_nothing(stack, chain):
    sub_manager, sub_finance = chain.sub.manager, chain.sub.finance
    with pytest.raises(NotFound):
        call(stack.orders, sub_manager, "PickOrder", opb.OrderActionRequest(id=chain.head.order.id))
    with pytest.raises(NotFound):
        call(stack.orders, chain.head.manager, "ApproveReturn", opb.ReturnActionRequest(id=chain.sub_return.id))
    with pytest.raises(NotFound):
        call(
            stack.receivables, sub_finance, "ApproveCollection", pb.CollectionActionRequest(id=chain.head.collection.id)
        )
    with pytest.raises(NotFound):
        call(
            stack.receivables,
            sub_finance,
            "SetCreditTerm",
            pb.SetCreditTermRequest(customer_id=chain.head.customer, days=30),
        )
    owner = chain.owner
    assert (
        call(stack.orders, owner, "GetOrder", opb.GetOrderRequest(id=chain.head.order.id)).status
        == opb.ORDER_STATUS_APPROVED
    )
    assert call(stack.orders, owner, "GetReturn", opb.GetReturnRequest(id=chain.sub_return.id)).status == (
        opb.RETURN_STATUS_SUBMITTED
    )
    collection = call(
        stack.receivables, owner, "GetCollection", pb.CollectionActionRequest(id=chain.head.collection.id)
    )
    assert collection.status == pb.COLLECTION_STATUS_PENDING
    # The head store's finance reviews its own.
    approved = call(
        stack.receivables,
        chain.head.finance,
        "ApproveCollection",
        pb.CollectionActionRequest(id=chain.head.collection.id),
    )
    assert approved.status == pb.COLLECTION_STATUS_APPROVED
