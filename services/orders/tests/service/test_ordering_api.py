"""B2 through the real gRPC server: price tracking, validation, idempotency, visibility, states."""

import json
import threading

import pytest
from orders_testkit import call, line, money, product, staff
from sqlalchemy import func, select

from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.models import OrderRow, Outbox


def submit(client, actor, customer_id, lines, **kw):
    return call(client, actor, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer_id, lines=lines, **kw))


def quote(client, actor, customer_id, *product_ids):
    resp = call(client, actor, "QuotePrices", pb.QuotePricesRequest(customer_id=customer_id, product_ids=product_ids))
    return resp.quotes


def step(client, actor, method, order_id, **kw):
    request = (
        pb.RejectOrderRequest(id=order_id, **kw) if method == "RejectOrder" else pb.OrderActionRequest(id=order_id)
    )
    return call(client, actor, method, request)


def order_count(db, tenant):
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OrderRow).where(OrderRow.tenant_id == tenant))


def outbox_types(db, tenant):
    with db.engine.connect() as conn:
        rows = conn.execute(select(Outbox.type, Outbox.payload).where(Outbox.tenant_id == tenant).order_by(Outbox.id))
        return [(t, json.loads(p)["data"]) for t, p in rows]


@pytest.fixture
def shop(client, customers, tenant):
    """An owner, a salesperson with one customer of level A, and a product with every price."""
    owner = staff(tenant, "owner")
    seller = staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id, level="A", store_id="store-1", name="Zhang Wei")
    cola = product(client, owner, "Cola", barcode="6901", wholesale=1000, levels={"A": 900, "B": 850})
    return owner, seller, customer, cola


def test_b2_price_defaults_follow_tracking_then_last_price_paid(client, shop):
    owner, seller, customer, cola = shop
    [q] = quote(client, seller, customer, cola.id)
    assert (q.default_source, q.default_price.fen, q.level_price.fen, q.wholesale_price.fen) == (
        pb.PRICE_SOURCE_LEVEL,
        900,
        900,
        1000,
    )
    assert not q.HasField("last_price") and not q.HasField("customer_price")
    req = pb.SetCustomerPriceRequest(customer_id=customer, product_id=cola.id, price=money(880))
    call(client, owner, "SetCustomerPrice", req)
    [q] = quote(client, seller, customer, cola.id)
    assert (q.default_source, q.default_price.fen) == (pb.PRICE_SOURCE_CUSTOMER, 880)
    order = submit(client, seller, customer, [line(cola.id, 2, pb.PRICE_SOURCE_WHOLESALE)])
    assert (order.lines[0].unit_price.fen, order.lines[0].amount.fen, order.total.fen) == (1000, 2000, 2000)
    [q] = quote(client, seller, customer, cola.id)
    assert (q.default_source, q.default_price.fen, q.last_price.fen) == (pb.PRICE_SOURCE_LAST, 1000, 1000)
    # The next order without a chosen price takes the last price paid.
    again = submit(client, seller, customer, [line(cola.id, 3)])
    assert (again.lines[0].price_source, again.lines[0].unit_price.fen, again.total.fen) == (
        pb.PRICE_SOURCE_LAST,
        1000,
        3000,
    )


def test_b2_price_defaults_to_wholesale_without_level_or_history(client, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id)  # no level
    water = product(client, owner, "Water", wholesale=300, levels={"A": 250})
    [q] = quote(client, seller, customer, water.id)
    assert (q.default_source, q.default_price.fen, q.HasField("level_price")) == (pb.PRICE_SOURCE_WHOLESALE, 300, False)


def test_b2_rejected_order_does_not_set_the_last_price(client, shop):
    owner, seller, customer, cola = shop
    order = submit(client, seller, customer, [line(cola.id, 1, pb.PRICE_SOURCE_WHOLESALE)])
    step(client, owner, "RejectOrder", order.id, reason="wrong customer")
    [q] = quote(client, seller, customer, cola.id)
    assert (q.default_source, q.HasField("last_price")) == (pb.PRICE_SOURCE_LEVEL, False)


def test_b2_manual_price_without_switch_is_denied_and_nothing_written(client, db, shop, tenant):
    _, seller, customer, cola = shop
    with pytest.raises(PermissionDenied) as err:
        submit(client, seller, customer, [line(cola.id, 1, pb.PRICE_SOURCE_MANUAL, 500)])
    assert err.value.code == "PRICE_CHANGE_NOT_ALLOWED"
    assert order_count(db, tenant) == 0
    assert outbox_types(db, tenant) == []


def test_b2_manual_price_with_switch_is_taken(client, customers, shop, tenant):
    _, _, _, cola = shop
    pricer = staff(tenant, "salesperson", perms=("change_price",))
    customer = customers.add(tenant, pricer.staff_id)
    order = submit(client, pricer, customer, [line(cola.id, 4, pb.PRICE_SOURCE_MANUAL, 777)])
    assert (order.lines[0].price_source, order.total.fen) == (pb.PRICE_SOURCE_MANUAL, 3108)


@pytest.mark.parametrize(
    "bad_line, field",
    [
        (lambda cola: line(cola, -1), "lines.0.quantity"),
        (lambda cola: line(cola, 0), "lines.0.quantity"),
        (lambda cola: line("no-such-product", 1), "lines.0.product_id"),
        (lambda cola: line(cola, 1, pb.PRICE_SOURCE_CUSTOMER), "lines.0.price_source"),
    ],
)
def test_b2_bad_line_names_the_field(client, db, shop, tenant, bad_line, field):
    _, seller, customer, cola = shop
    with pytest.raises(InvalidInput) as err:
        submit(client, seller, customer, [bad_line(cola.id)])
    assert list(err.value.fields) == [field]
    assert order_count(db, tenant) == 0


def test_b2_unlisted_and_archived_products_cannot_be_ordered(client, shop):
    owner, seller, customer, cola = shop
    call(client, owner, "SetProductListed", pb.SetProductListedRequest(id=cola.id, listed=False))
    with pytest.raises(InvalidInput) as err:
        submit(client, seller, customer, [line(cola.id)])
    assert err.value.fields == {"lines.0.product_id": "validation.invalid_choice"}


def test_b2_salesperson_cannot_order_for_a_colleagues_customer(client, customers, shop, tenant):
    _, seller, _, cola = shop
    theirs = customers.add(tenant, "colleague")
    with pytest.raises(NotFound) as err:
        submit(client, seller, theirs, [line(cola.id)])
    assert err.value.code == "CUSTOMER_NOT_FOUND"


def test_b2_bound_salesperson_fills_in_when_a_manager_orders(client, shop):
    owner, seller, customer, cola = shop
    manager = staff(owner.tenant_id, "store_manager")
    order = submit(client, manager, customer, [line(cola.id)])
    assert (order.salesperson_id, order.submitted_by_staff_id, order.store_id) == (
        seller.staff_id,
        manager.staff_id,
        "store-1",
    )
    assert order.number.startswith("XS") and order.number.endswith("-0001")


def test_b2_same_idempotency_key_twice_gives_one_order(client, db, shop, tenant):
    _, seller, customer, cola = shop
    first = submit(client, seller, customer, [line(cola.id)], idempotency_key="k-1")
    second = submit(client, seller, customer, [line(cola.id, 5)], idempotency_key="k-1")
    assert second == first
    assert order_count(db, tenant) == 1


def test_b2_ten_concurrent_submits_with_one_key_give_one_order(client, db, shop, tenant):
    _, seller, customer, cola = shop
    barrier = threading.Barrier(10)
    results, errors = [], []

    def attempt():
        barrier.wait()
        try:
            results.append(submit(client, seller, customer, [line(cola.id)], idempotency_key="race").id)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 10
    assert order_count(db, tenant) == 1


def test_b2_order_numbers_count_up_per_tenant(client, shop):
    _, seller, customer, cola = shop
    numbers = [submit(client, seller, customer, [line(cola.id)]).number for _ in range(3)]
    assert [n[-5:] for n in numbers] == ["-0001", "-0002", "-0003"]


def test_b2_full_chain_with_wrong_state_and_wrong_role(client, db, shop, tenant):
    owner, seller, customer, cola = shop
    warehouse = staff(tenant, "warehouse")
    call(
        client,
        owner,
        "SetStock",
        pb.SetStockRequest(product_id=cola.id, store_id="store-1", quantity=5, reason="count"),
    )
    order = submit(client, seller, customer, [line(cola.id, 2)])
    assert (order.status, order.debt.fen) == (pb.ORDER_STATUS_SUBMITTED, 0)
    for method, actor in [("ApproveOrder", seller), ("ApproveOrder", warehouse), ("PickOrder", seller)]:
        with pytest.raises(PermissionDenied):
            step(client, actor, method, order.id)
    with pytest.raises(Conflict) as err:
        step(client, warehouse, "PickOrder", order.id)
    assert (err.value.code, err.value.params) == ("ORDER_STATE_INVALID", {"status": "submitted"})
    approved = step(client, owner, "ApproveOrder", order.id)
    assert (approved.status, approved.debt.fen) == (pb.ORDER_STATUS_APPROVED, 1800)
    with pytest.raises(Conflict):
        step(client, owner, "ApproveOrder", order.id)
    with pytest.raises(Conflict):
        step(client, warehouse, "ShipOrder", order.id)
    assert step(client, warehouse, "PickOrder", order.id).status == pb.ORDER_STATUS_PICKED
    shipped = step(client, warehouse, "ShipOrder", order.id)
    assert shipped.status == pb.ORDER_STATUS_SHIPPED and shipped.shipped_at.seconds > 0
    with pytest.raises(Conflict):
        step(client, owner, "RejectOrder", order.id, reason="too late")
    got = call(client, owner, "GetProduct", pb.GetProductRequest(id=cola.id))
    assert [(s.store_id, s.quantity) for s in got.stock] == [("store-1", 3)]
    events = outbox_types(db, tenant)
    assert [t for t, _ in events] == ["order_submitted", "order_approved", "order_picked", "order_shipped"]
    data = events[-1][1]
    assert (data["order_id"], data["number"], data["customer_id"], data["salesperson_id"], data["total_fen"]) == (
        order.id,
        order.number,
        customer,
        seller.staff_id,
        1800,
    )
    assert data["lines"] == [{"product_id": cola.id, "quantity": 2, "amount_fen": 1800, "brand": "", "category_id": ""}]


def test_b2_reject_needs_a_reason_and_publishes(client, db, shop, tenant):
    owner, seller, customer, cola = shop
    order = submit(client, seller, customer, [line(cola.id)])
    with pytest.raises(InvalidInput) as err:
        step(client, owner, "RejectOrder", order.id, reason=" ")
    assert err.value.fields == {"reason": "validation.required"}
    rejected = step(client, owner, "RejectOrder", order.id, reason="customer closed")
    assert (rejected.status, rejected.reject_reason, rejected.debt.fen) == (
        pb.ORDER_STATUS_REJECTED,
        "customer closed",
        0,
    )
    assert [t for t, _ in outbox_types(db, tenant)] == ["order_submitted", "order_rejected"]


def test_b2_orders_are_visible_to_their_salesperson_and_the_back_office(client, customers, shop, tenant):
    _, seller, customer, cola = shop
    order = submit(client, seller, customer, [line(cola.id)])
    other = staff(tenant, "salesperson")
    with pytest.raises(NotFound):
        call(client, other, "GetOrder", pb.GetOrderRequest(id=order.id))
    assert call(client, other, "ListOrders", pb.ListOrdersRequest()).page.total == 0
    for viewer in (
        staff(tenant, "finance"),
        staff(tenant, "warehouse"),
        staff(tenant, "salesperson", perms=("see_all_customers",)),
    ):
        assert call(client, viewer, "GetOrder", pb.GetOrderRequest(id=order.id)).id == order.id
    outsider = staff(tenant + "x", "owner")
    with pytest.raises(NotFound) as err:
        call(client, outsider, "GetOrder", pb.GetOrderRequest(id=order.id))
    assert err.value.code == "ORDER_NOT_FOUND"
    with pytest.raises(NotFound):
        step(client, outsider, "ApproveOrder", order.id)


def test_b2_list_filters_and_query(client, customers, shop, tenant):
    owner, seller, customer, cola = shop
    other_customer = customers.add(tenant, seller.staff_id, name="Li Na", phone="15900001111")
    first = submit(client, seller, customer, [line(cola.id)])
    second = submit(client, seller, other_customer, [line(cola.id)])
    step(client, owner, "ApproveOrder", second.id)

    def ids(**kw):
        return [o.id for o in call(client, seller, "ListOrders", pb.ListOrdersRequest(**kw)).orders]

    assert ids() == [second.id, first.id]
    assert ids(statuses=[pb.ORDER_STATUS_APPROVED]) == [second.id]
    assert ids(customer_id=customer) == [first.id]
    assert ids(query="zhang") == [first.id]
    assert ids(query="159") == [second.id]
    assert ids(query=first.number) == [first.id]
    day = first.number[2:10]
    today = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    assert ids(date_from=today, date_to=today) == [second.id, first.id]
    assert ids(date_to="2000-01-01") == []
    with pytest.raises(InvalidInput) as err:
        ids(date_from="2026/01/01")
    assert err.value.fields == {"date_from": "validation.invalid_date"}


def test_b2_last_order_to_copy(client, shop):
    owner, seller, customer, cola = shop
    with pytest.raises(NotFound):
        call(client, seller, "GetLastOrder", pb.GetLastOrderRequest(customer_id=customer))
    first = submit(client, seller, customer, [line(cola.id, 2)])
    second = submit(client, seller, customer, [line(cola.id, 7)])
    step(client, owner, "RejectOrder", second.id, reason="duplicate")
    last = call(client, seller, "GetLastOrder", pb.GetLastOrderRequest(customer_id=customer))
    assert (last.id, last.lines[0].quantity) == (first.id, 2)
