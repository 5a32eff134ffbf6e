"""B2 shipping under concurrency and B3 returns through the real gRPC server."""

import json
import threading
from datetime import datetime

import pytest
from orders_testkit import call, line, product, staff
from sqlalchemy import select

from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.models import Outbox, StockMovementRow


def set_stock(client, actor, product_id, quantity, store="store-1"):
    req = pb.SetStockRequest(product_id=product_id, store_id=store, quantity=quantity, reason="stock take")
    return call(client, actor, "SetStock", req)


def stock_of(client, actor, product_id, store="store-1"):
    got = call(client, actor, "GetProduct", pb.GetProductRequest(id=product_id))
    return {s.store_id: s.quantity for s in got.stock}.get(store)


def ready_to_ship(client, owner, seller, customer, product_id, quantity=1):
    order = call(
        client, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(product_id, quantity)])
    )
    call(client, owner, "ApproveOrder", pb.OrderActionRequest(id=order.id))
    call(client, owner, "PickOrder", pb.OrderActionRequest(id=order.id))
    return order


def ship_all(client, actor, order_ids):
    barrier = threading.Barrier(len(order_ids))
    shipped, short, other = [], [], []

    def ship(order_id):
        barrier.wait()
        try:
            call(client, actor, "ShipOrder", pb.OrderActionRequest(id=order_id))
            shipped.append(order_id)
        except Conflict as err:
            (short if err.code == "INSUFFICIENT_STOCK" else other).append(err)
        except Exception as exc:
            other.append(exc)

    threads = [threading.Thread(target=ship, args=(oid,)) for oid in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return shipped, short, other


@pytest.fixture
def shop(client, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    item = product(client, owner, "Beer", wholesale=500)
    return owner, seller, customer, item


def test_b2_fifty_concurrent_shipments_never_oversell(client, db, shop, tenant):
    owner, seller, customer, item = shop
    set_stock(client, owner, item.id, 20)
    orders = [ready_to_ship(client, owner, seller, customer, item.id).id for _ in range(50)]
    shipped, short, other = ship_all(client, staff(tenant, "warehouse"), orders)
    assert other == []
    assert (len(shipped), len(short)) == (20, 30)
    assert {err.params["product_id"] for err in short} == {item.id}
    assert stock_of(client, owner, item.id) == 0
    with db.engine.connect() as conn:
        afters = conn.scalars(
            select(StockMovementRow.quantity_after).where(
                StockMovementRow.tenant_id == tenant, StockMovementRow.reason == "shipment"
            )
        ).all()
    assert sorted(afters) == list(range(20))
    statuses = [call(client, owner, "GetOrder", pb.GetOrderRequest(id=o)).status for o in orders]
    assert (statuses.count(pb.ORDER_STATUS_SHIPPED), statuses.count(pb.ORDER_STATUS_PICKED)) == (20, 30)


def test_b2_negative_stock_allowed_lets_every_shipment_through(client, shop, tenant):
    owner, seller, customer, item = shop
    with pytest.raises(PermissionDenied):
        call(client, staff(tenant, "store_manager"), "UpdateOrderSettings", pb.OrderSettings(allow_negative_stock=True))
    assert call(client, owner, "UpdateOrderSettings", pb.OrderSettings(allow_negative_stock=True)).allow_negative_stock
    assert call(client, seller, "GetOrderSettings", pb.GetOrderSettingsRequest()).allow_negative_stock
    set_stock(client, owner, item.id, 2)
    orders = [ready_to_ship(client, owner, seller, customer, item.id).id for _ in range(5)]
    shipped, short, other = ship_all(client, owner, orders)
    assert (len(shipped), short, other) == (5, [], [])
    assert stock_of(client, owner, item.id) == -3


def test_b2_short_shipment_changes_nothing(client, shop):
    owner, seller, customer, item = shop
    set_stock(client, owner, item.id, 1)
    order = ready_to_ship(client, owner, seller, customer, item.id, quantity=2)
    with pytest.raises(Conflict) as err:
        call(client, owner, "ShipOrder", pb.OrderActionRequest(id=order.id))
    assert err.value.params == {"product_id": item.id, "available": "1", "requested": "2"}
    assert call(client, owner, "GetOrder", pb.GetOrderRequest(id=order.id)).status == pb.ORDER_STATUS_PICKED
    assert stock_of(client, owner, item.id) == 1


def submit_return(client, actor, customer, lines, **kw):
    return call(client, actor, "SubmitReturn", pb.SubmitReturnRequest(customer_id=customer, lines=lines, **kw))


def rstep(client, actor, rpc, return_id, **kw):
    if rpc == "RejectReturn":
        request = pb.RejectReturnRequest(id=return_id, **kw)
    elif rpc == "RefundReturn":
        request = pb.RefundReturnRequest(id=return_id, **kw)
    else:
        request = pb.ReturnActionRequest(id=return_id)
    return call(client, actor, rpc, request)


def debt_of(client, actor, order_id):
    return call(client, actor, "GetOrder", pb.GetOrderRequest(id=order_id)).debt.fen


def test_b3_return_chain_stocks_in_and_reduces_debt_oldest_first(client, db, shop, tenant):
    owner, seller, customer, item = shop
    set_stock(client, owner, item.id, 100)
    older = ready_to_ship(client, owner, seller, customer, item.id, quantity=2)  # 1000 owed
    newer = ready_to_ship(client, owner, seller, customer, item.id, quantity=3)  # 1500 owed
    ret = submit_return(client, seller, customer, [line(item.id, 3)], idempotency_key="r-1")
    # Price tracking: the last price this customer paid.
    assert (ret.lines[0].price_source, ret.total.fen, ret.salesperson_id) == (
        pb.PRICE_SOURCE_LAST,
        1500,
        seller.staff_id,
    )
    assert submit_return(client, seller, customer, [line(item.id, 9)], idempotency_key="r-1").id == ret.id
    warehouse = staff(tenant, "warehouse")
    with pytest.raises(PermissionDenied):
        rstep(client, warehouse, "ApproveReturn", ret.id)
    with pytest.raises(Conflict) as err:
        rstep(client, warehouse, "ReceiveReturn", ret.id)
    assert (err.value.code, err.value.params) == ("RETURN_STATE_INVALID", {"status": "submitted"})
    assert rstep(client, owner, "ApproveReturn", ret.id).status == pb.RETURN_STATUS_APPROVED
    assert rstep(client, warehouse, "ReceiveReturn", ret.id).status == pb.RETURN_STATUS_RECEIVED
    assert stock_of(client, owner, item.id) == 100 + 3  # the orders were picked, not shipped
    with pytest.raises(PermissionDenied):
        rstep(client, warehouse, "RefundReturn", ret.id, method=pb.REFUND_METHOD_REDUCE_DEBT)
    with pytest.raises(InvalidInput):
        rstep(client, owner, "RefundReturn", ret.id)
    refunded = rstep(client, staff(tenant, "finance"), "RefundReturn", ret.id, method=pb.REFUND_METHOD_REDUCE_DEBT)
    assert (refunded.status, refunded.debt_reduced.fen, refunded.paid_back.fen) == (pb.RETURN_STATUS_REFUNDED, 1500, 0)
    assert (debt_of(client, owner, older.id), debt_of(client, owner, newer.id)) == (0, 1000)
    with pytest.raises(Conflict):
        rstep(client, owner, "RefundReturn", ret.id, method=pb.REFUND_METHOD_PAID_BACK)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(Outbox.type, Outbox.payload).where(Outbox.tenant_id == tenant, Outbox.type.like("return_%"))
        )
        events = {t: json.loads(p)["data"] for t, p in rows}
    assert set(events) == {"return_submitted", "return_approved", "return_received", "return_refunded"}
    assert events["return_refunded"]["reductions"] == [
        {"order_id": older.id, "amount_fen": 1000},
        {"order_id": newer.id, "amount_fen": 500},
    ]
    # C4: the customers read model nets the refund out on the day it happened.
    assert datetime.fromisoformat(events["return_refunded"]["refunded_at"]).tzinfo is not None
    with db.engine.connect() as conn:
        received = conn.execute(
            select(StockMovementRow.delta, StockMovementRow.document_id).where(
                StockMovementRow.tenant_id == tenant, StockMovementRow.reason == "return_received"
            )
        ).all()
    assert received == [(3, ret.id)]


def test_b3_refund_larger_than_debts_pays_back_the_rest(client, shop):
    owner, seller, customer, item = shop
    set_stock(client, owner, item.id, 10)
    order = ready_to_ship(client, owner, seller, customer, item.id, quantity=1)  # 500 owed
    ret = submit_return(client, seller, customer, [line(item.id, 4)])
    rstep(client, owner, "ApproveReturn", ret.id)
    rstep(client, owner, "ReceiveReturn", ret.id)
    refunded = rstep(client, owner, "RefundReturn", ret.id, method=pb.REFUND_METHOD_REDUCE_DEBT)
    assert (refunded.debt_reduced.fen, refunded.paid_back.fen) == (500, 1500)
    assert debt_of(client, owner, order.id) == 0


def test_b3_paid_back_leaves_debts_alone(client, shop):
    owner, seller, customer, item = shop
    set_stock(client, owner, item.id, 10)
    order = ready_to_ship(client, owner, seller, customer, item.id, quantity=1)
    ret = submit_return(client, seller, customer, [line(item.id, 1)])
    rstep(client, owner, "ApproveReturn", ret.id)
    rstep(client, owner, "ReceiveReturn", ret.id)
    refunded = rstep(client, owner, "RefundReturn", ret.id, method=pb.REFUND_METHOD_PAID_BACK)
    assert (refunded.refund_method, refunded.debt_reduced.fen, refunded.paid_back.fen) == (
        pb.REFUND_METHOD_PAID_BACK,
        0,
        500,
    )
    assert debt_of(client, owner, order.id) == 500


def test_b3_rejected_return_and_visibility(client, shop, tenant):
    owner, seller, customer, item = shop
    ret = submit_return(client, seller, customer, [line(item.id, 1, pb.PRICE_SOURCE_WHOLESALE)])
    rejected = rstep(client, owner, "RejectReturn", ret.id, reason="not ours")
    assert (rejected.status, rejected.reject_reason) == (pb.RETURN_STATUS_REJECTED, "not ours")
    with pytest.raises(Conflict):
        rstep(client, owner, "ApproveReturn", ret.id)
    with pytest.raises(NotFound):
        call(client, staff(tenant, "salesperson"), "GetReturn", pb.GetReturnRequest(id=ret.id))
    with pytest.raises(NotFound):
        call(client, staff(tenant + "x", "owner"), "GetReturn", pb.GetReturnRequest(id=ret.id))
    listed = call(client, seller, "ListReturns", pb.ListReturnsRequest(statuses=[pb.RETURN_STATUS_REJECTED]))
    assert [r.id for r in listed.returns] == [ret.id]
    assert ret.number.startswith("TH")
