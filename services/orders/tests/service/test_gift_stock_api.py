"""E7 through the real gRPC server: HandOutGiftStock deducts a recharge's gift products from
stock for the coupons service (service token only), all lines or none, once per idempotency key,
never below zero unless the tenant allows it, and only within the caller's tenant."""

import threading

import pytest
from orders_testkit import ISSUER, call, product, staff
from sqlalchemy import select

from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.models import StockMovementRow

SERVICE_TOKEN = ISSUER.service_token("coupons")


def hand_out(client, tenant, lines, key="recharge:r1:1", store="store-1"):
    req = pb.HandOutGiftStockRequest(
        idempotency_key=key,
        store_id=store,
        lines=[pb.GiftStockLine(product_id=p, quantity=q) for p, q in lines],
    )
    return client.call("HandOutGiftStock", req, token=SERVICE_TOKEN, tenant_id=tenant, timeout=30)


def set_stock(client, owner, product_id, quantity, store="store-1"):
    req = pb.SetStockRequest(product_id=product_id, store_id=store, quantity=quantity, reason="stock take")
    call(client, owner, "SetStock", req)


def level(client, owner, product_id, store="store-1"):
    got = call(client, owner, "GetProduct", pb.GetProductRequest(id=product_id))
    return {s.store_id: s.quantity for s in got.stock}.get(store, 0)


@pytest.fixture
def shelf(client, tenant):
    owner = staff(tenant, "owner")
    oil, rice = product(client, owner, "花生油"), product(client, owner, "大米")
    set_stock(client, owner, oil.id, 10)
    set_stock(client, owner, rice.id, 3)
    return owner, oil.id, rice.id


def test_e7_gift_stock_is_deducted_once_per_key(client, db, shelf, tenant):
    owner, oil, rice = shelf
    first = hand_out(client, tenant, [(oil, 2), (rice, 1), (oil, 1)])
    assert not first.replayed and first.store_id == "store-1"
    assert {(s.product_id, s.quantity) for s in first.levels} == {(oil, 7), (rice, 2)}
    again = hand_out(client, tenant, [(oil, 2), (rice, 1), (oil, 1)])
    assert again.replayed and again.handout_id == first.handout_id
    assert (level(client, owner, oil), level(client, owner, rice)) == (7, 2)
    with db.uow() as uow:
        moves = uow.session.execute(
            select(
                StockMovementRow.product_id,
                StockMovementRow.delta,
                StockMovementRow.quantity_after,
                StockMovementRow.document_id,
            ).where(StockMovementRow.tenant_id == tenant, StockMovementRow.reason == "recharge_gift")
        ).all()
    assert sorted(tuple(m) for m in moves) == sorted([(oil, -3, 7, first.handout_id), (rice, -1, 2, first.handout_id)])
    # Another key is another hand-out.
    assert not hand_out(client, tenant, [(rice, 1)], key="recharge:r1:2").replayed
    assert level(client, owner, rice) == 1


def test_e7_concurrent_repeats_of_one_key_deduct_once(client, shelf, tenant):
    owner, oil, _ = shelf
    results, errors = [], []

    def go():
        try:
            results.append(hand_out(client, tenant, [(oil, 1)], key="recharge:race:1"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.handout_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert level(client, owner, oil) == 9


def test_e7_short_stock_refuses_every_line(client, shelf, tenant):
    owner, oil, rice = shelf
    with pytest.raises(Conflict) as err:
        hand_out(client, tenant, [(oil, 2), (rice, 4)])
    assert err.value.code == "INSUFFICIENT_STOCK" and err.value.params["product_id"] == rice
    assert (level(client, owner, oil), level(client, owner, rice)) == (10, 3)
    # The refused key was not used up: once stock arrives, the same hand-out goes through.
    set_stock(client, owner, rice, 5)
    assert not hand_out(client, tenant, [(oil, 2), (rice, 4)]).replayed
    assert (level(client, owner, oil), level(client, owner, rice)) == (8, 1)


def test_e7_negative_stock_tenant_hands_out_what_it_has(client, shelf, tenant):
    owner, _, rice = shelf
    call(client, owner, "UpdateOrderSettings", pb.OrderSettings(allow_negative_stock=True))
    assert [s.quantity for s in hand_out(client, tenant, [(rice, 5)]).levels] == [-2]


def test_e7_unknown_or_other_tenants_product_is_not_found_and_moves_nothing(client, shelf, tenant):
    owner, oil, _ = shelf
    other = staff(tenant + "x", "owner")
    theirs = product(client, other, "别家的油")
    set_stock(client, other, theirs.id, 5)
    for missing in (theirs.id, "no-such-product"):
        with pytest.raises(NotFound) as err:
            hand_out(client, tenant, [(oil, 1), (missing, 1)])
        assert err.value.params["id"] == missing
    assert level(client, owner, oil) == 10 and level(client, other, theirs.id) == 5
    # The same key in another tenant is that tenant's own hand-out.
    assert [s.quantity for s in hand_out(client, tenant + "x", [(theirs.id, 1)]).levels] == [4]
    assert not hand_out(client, tenant, [(oil, 1)]).replayed


def test_e7_only_a_service_may_hand_out_gift_stock(client, shelf, tenant):
    owner, oil, _ = shelf
    req = pb.HandOutGiftStockRequest(
        idempotency_key="k", store_id="store-1", lines=[pb.GiftStockLine(product_id=oil, quantity=1)]
    )
    for actor in (owner, staff(tenant, "warehouse")):
        with pytest.raises(PermissionDenied):
            call(client, actor, "HandOutGiftStock", req)
    assert level(client, owner, oil) == 10


def test_e7_gift_stock_input_names_the_field(client, shelf, tenant):
    _, oil, _ = shelf
    cases = [
        (dict(key="", lines=[(oil, 1)]), "idempotency_key"),
        (dict(key="k" * 121, lines=[(oil, 1)]), "idempotency_key"),
        (dict(store="", lines=[(oil, 1)]), "store_id"),
        (dict(lines=[]), "lines"),
        (dict(lines=[(oil, 0)]), "lines.0.quantity"),
        (dict(lines=[(oil, 1), ("", 1)]), "lines.1.product_id"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as err:
            hand_out(client, tenant, **kwargs)
        assert field in err.value.fields
