"""B7: an order's one-time verification code, verified at the store once (goods handed over,
stock out), by typed code or scanned QR, through the real gRPC server."""

import json
import threading

import pytest
from orders_testkit import call, line, product, staff
from sqlalchemy import select

from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.onetime_codes import is_well_formed
from orders.models import Outbox


@pytest.fixture
def shop(client, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    item = product(client, owner, "Tea", wholesale=800)
    call(
        client,
        owner,
        "SetStock",
        pb.SetStockRequest(product_id=item.id, store_id="store-1", quantity=10, reason="stock take"),
    )
    return owner, seller, customer, item


def approved_order(client, owner, seller, customer, item, quantity=2):
    order = call(
        client, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(item.id, quantity)])
    )
    call(client, owner, "ApproveOrder", pb.OrderActionRequest(id=order.id))
    return order


def verify(client, actor, code):
    return call(client, actor, "VerifyOrder", pb.VerifyOrderRequest(code=code))


def stock_of(client, actor, product_id):
    got = call(client, actor, "GetProduct", pb.GetProductRequest(id=product_id))
    return {s.store_id: s.quantity for s in got.stock}["store-1"]


def test_b7_every_order_carries_an_unguessable_code_with_a_check_digit(client, shop):
    owner, seller, customer, item = shop
    first = approved_order(client, owner, seller, customer, item)
    second = approved_order(client, owner, seller, customer, item)
    assert is_well_formed(first.verification_code) and is_well_formed(second.verification_code)
    assert first.verification_code != second.verification_code
    assert first.verification_qr == f"CRMORD:{first.verification_code}"


def test_b7_the_store_verifies_a_scanned_code_once_and_hands_the_goods_over(client, db, shop, tenant):
    owner, seller, customer, item = shop
    order = approved_order(client, owner, seller, customer, item, quantity=3)
    clerk = staff(tenant, "warehouse")
    done = verify(client, clerk, order.verification_qr)
    assert done.status == pb.ORDER_STATUS_SHIPPED and done.verified_at.seconds > 0
    assert stock_of(client, owner, item.id) == 7
    with pytest.raises(Conflict) as again:
        verify(client, clerk, order.verification_code)
    assert again.value.code == "ORDER_ALREADY_VERIFIED"
    assert stock_of(client, owner, item.id) == 7
    with db.uow() as uow:
        shipped = [
            json.loads(r.payload)["data"]
            for r in uow.session.scalars(
                select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == "order_shipped")
            )
        ]
    assert [(e["order_id"], e.get("verified")) for e in shipped] == [(order.id, True)]


def test_b7_ten_clerks_verifying_one_code_at_once_hand_it_over_once(client, shop, tenant):
    owner, seller, customer, item = shop
    order = approved_order(client, owner, seller, customer, item, quantity=1)
    barrier = threading.Barrier(10)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            verify(client, staff(tenant, "store_manager"), order.verification_code)
            outcomes.append("verified")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("verified") == 1
    assert set(outcomes) - {"verified"} == {"ORDER_ALREADY_VERIFIED"}
    assert stock_of(client, owner, item.id) == 9


def test_b7_refusals_name_the_field_and_reveal_nothing(client, shop, tenant):
    owner, seller, customer, item = shop
    order = approved_order(client, owner, seller, customer, item)
    code = order.verification_code
    mistyped = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as bad:
        verify(client, owner, mistyped)
    assert bad.value.fields == {"code": "validation.verification_code_invalid"}
    with pytest.raises(InvalidInput) as blank:
        verify(client, owner, "  ")
    assert blank.value.fields == {"code": "validation.required"}
    with pytest.raises(NotFound):
        verify(client, staff("t-elsewhere", "owner"), code)
    with pytest.raises(PermissionDenied):
        verify(client, seller, code)
    waiting = call(client, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(item.id, 1)]))
    with pytest.raises(Conflict) as early:
        verify(client, owner, waiting.verification_code)
    assert early.value.code == "ORDER_STATE_INVALID"
    assert stock_of(client, owner, item.id) == 10
