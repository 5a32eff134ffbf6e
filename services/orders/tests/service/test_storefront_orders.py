"""B6 B7: the merchant's storefront orders through the real orders server on PostgreSQL: placed by
a customer or at the counter, priced from the catalogue with stock taken and coupons redeemed,
stepped to done by the right party, verified by code once, listed and summed for the workbench;
bad input, outsiders and repeats change nothing."""

import threading
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
import storefront_testkit as kit
from orders_testkit import call, staff
from sqlalchemy import func, select
from storefront_testkit import (
    DAY,
    START,
    UNPAID_MINUTES,
    act,
    as_system,
    credit,
    item,
    order_request,
    outbox,
    pay,
    place,
    shopper,
    stock_of,
)

from crm.common.v1 import common_pb2
from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import storefront_pb2 as spb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.onetime_codes import is_well_formed
from orders.domain import storefront as sf
from orders.models import CounterRow, StockMovementRow
from orders.models_storefront import StorefrontLineRow, StorefrontOrderRow, StorefrontRefundRow
from orders.service.storefront_orders import give_back

shop_server = kit.shop_server


@pytest.fixture
def shop(shop_server, customers, tenant):
    owner = staff(tenant, "owner")
    alice_id = customers.add(tenant, name="Alice", phone="13800000001")
    bob_id = customers.add(tenant, name="Bob", phone="13800000002")
    return SimpleNamespace(
        s=shop_server,
        api=shop_server.shop,
        db=shop_server.db,
        tenant=tenant,
        owner=owner,
        manager=staff(tenant, "store_manager", stores=("store-1",)),
        clerk=staff(tenant, "salesperson", stores=("store-1",)),
        alice=shopper(tenant, alice_id),
        bob=shopper(tenant, bob_id),
        tea=item(shop_server.orders, owner, "奶茶", price=1500, stock=10),
        cake=item(shop_server.orders, owner, "蛋糕", price=3800, stock=5),
    )


def rows_of(db, tenant, model):
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(model.tenant_id == tenant)).scalar_one()


def moves(db, tenant, order_id):
    with db.engine.connect() as conn:
        return conn.execute(
            select(StockMovementRow.reason, StockMovementRow.product_id, StockMovementRow.delta)
            .where(StockMovementRow.tenant_id == tenant, StockMovementRow.document_id == order_id)
            .order_by(StockMovementRow.created_at, StockMovementRow.reason, StockMovementRow.product_id)
        ).all()


def changes(db, tenant, order_id):
    return [
        (t, d.get("action"), d.get("party"), d["order"]["state"])
        for t, d in outbox(db, tenant)
        if d["order"]["order_id"] == order_id
    ]


# --- Placing -----------------------------------------------------------------------------------


def test_b6_a_customer_places_their_own_order_priced_from_the_catalogue(shop):
    order = place(shop.api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 2, "少冰"), (shop.cake.id, 1)], note="快点")
    assert (order.kind, order.state, order.store_id) == (sf.TAKEAWAY, sf.AWAITING_PAYMENT, "store-1")
    assert order.number == "SF20261205-0001"
    assert (order.customer_id, order.customer_name, order.customer_phone) == (
        shop.alice.customer_id,
        "Alice",
        "13800000001",
    )
    assert [(x.name, x.quantity, x.unit_price.fen, x.amount.fen, x.spec) for x in order.lines] == [
        ("奶茶", 2, 1500, 3000, "少冰"),
        ("蛋糕", 1, 3800, 3800, ""),
    ]
    assert (order.goods_total.fen, order.discount.fen, order.total.fen, order.paid.fen) == (6800, 0, 6800, 0)
    assert (order.contact_name, order.contact_phone, order.address, order.note) == (
        "王五",
        "13900001111",
        "人民路 8 号",
        "快点",
    )
    assert order.placed_by_staff_id == "" and list(order.actions) == ["cancel"] and not order.refundable
    assert order.closes_at.ToDatetime() - order.placed_at.ToDatetime() == timedelta(minutes=UNPAID_MINUTES)
    # Stock is taken at once, with movements of the storefront's own reason.
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 8
    assert stock_of(shop.s.orders, shop.owner, shop.cake.id) == 4
    assert sorted(moves(shop.db, shop.tenant, order.id)) == sorted(
        [("storefront_sale", shop.tea.id, -2), ("storefront_sale", shop.cake.id, -1)]
    )
    # Nothing is announced before payment.
    assert outbox(shop.db, shop.tenant) == []
    again = call(shop.api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=order.id))
    assert again == order


def test_b6_staff_place_at_the_counter_for_a_customer_of_the_tenant(shop, customers):
    carol = customers.add(shop.tenant, name="Carol", store_id="store-9")
    order = place(shop.api, shop.clerk, sf.FACE_TO_FACE, amount=8800, customer_id=carol)
    assert (order.customer_name, order.total.fen, order.placed_by_staff_id) == ("Carol", 8800, shop.clerk.staff_id)
    assert list(order.lines) == [] and list(order.actions) == []
    # Only in a store they work in; the owner anywhere.
    with pytest.raises(PermissionDenied) as away:
        place(shop.api, shop.clerk, sf.IN_STORE, [(shop.tea.id, 1)], customer_id=carol, store="store-2")
    assert away.value.code == "STORE_ACCESS_DENIED"
    tea2 = item(shop.s.orders, shop.owner, "绿茶", stock=3, store="store-2")
    assert place(shop.api, shop.owner, sf.IN_STORE, [(tea2.id, 1)], customer_id=carol, store="store-2").store_id == (
        "store-2"
    )
    with pytest.raises(NotFound) as unknown:
        place(shop.api, shop.clerk, sf.TOP_UP, amount=100, customer_id="c-nobody")
    assert unknown.value.code == "CUSTOMER_NOT_FOUND"
    other_tenant = customers.add("t-elsewhere", name="Mallory")
    with pytest.raises(NotFound):
        place(shop.api, shop.clerk, sf.TOP_UP, amount=100, customer_id=other_tenant)
    # Services do not place orders.
    with pytest.raises(PermissionDenied):
        as_system(shop.s.printing, shop.tenant, "PlaceOrder", order_request(sf.TOP_UP, amount=100))


def test_b6_bad_input_is_a_400_naming_each_field_and_writes_nothing(shop):
    t, cake = shop.tenant, shop.cake.id

    def refused(actor, kind, lines=(), **kw):
        with pytest.raises(InvalidInput) as err:
            call(shop.api, actor, "PlaceOrder", order_request(kind, lines, **kw))
        return err.value.fields

    assert refused(shop.alice, sf.TAKEAWAY, [(cake, 0), ("", 1)], store="") == {
        "store_id": "validation.required",
        "lines.0.quantity": "validation.invalid",
        "lines.1.product_id": "validation.required",
        "contact_name": "validation.required",
        "contact_phone": "validation.required",
        "address": "validation.required",
    }
    assert refused(shop.alice, sf.ECOMMERCE, [(cake, 1000)]) == {
        "lines.0.quantity": "validation.invalid",
        "address": "validation.required",
    }
    assert refused(shop.alice, sf.RESERVATION, [(cake, 1)], reserved_for=START - timedelta(days=1)) == {
        "reserved_for": "validation.not_in_future"
    }
    assert refused(shop.alice, sf.FACE_TO_FACE, [(cake, 1)]) == {
        "amount_fen": "validation.required",
        "lines": "validation.not_allowed",
    }
    assert refused(shop.alice, sf.TOP_UP, amount=10_000_001) == {"amount_fen": "validation.invalid_amount"}
    assert refused(shop.alice, "wholesale") == {"kind": "validation.invalid_choice"}
    assert refused(shop.clerk, sf.IN_STORE, [(cake, 1)]) == {"customer_id": "validation.required"}
    assert refused(shop.alice, sf.IN_STORE, [(cake, 1)], customer_id=shop.bob.customer_id) == {
        "customer_id": "validation.not_allowed"
    }
    # A store the merchant does not have (a stale link, a typo, another merchant's): no order that
    # nobody at a counter would see, paid at the counter, topped up or with goods; the owner too.
    for actor, kind, lines, kw in (
        (shop.alice, sf.FACE_TO_FACE, (), {"amount": 8800}),
        (shop.alice, sf.TOP_UP, (), {"amount": 10000}),
        (shop.alice, sf.IN_STORE, [(cake, 1)], {}),
        (shop.owner, sf.FACE_TO_FACE, (), {"amount": 8800, "customer_id": shop.alice.subject_id}),
    ):
        assert refused(actor, kind, lines, store="store-closed", **kw) == {"store_id": "validation.invalid_choice"}
    # Products that may not be sold, or are another tenant's, are named by their line.
    hidden = item(shop.s.orders, shop.owner, "下架", stock=5, listed=False)
    elsewhere = item(shop.s.orders, staff("t-elsewhere", "owner"), "别家", stock=5)
    assert refused(shop.alice, sf.IN_STORE, [(cake, 1), (hidden.id, 1), (elsewhere.id, 1), ("p-missing", 1)]) == {
        "lines.1.product_id": "validation.invalid_choice",
        "lines.2.product_id": "validation.invalid_choice",
        "lines.3.product_id": "validation.invalid_choice",
    }
    assert (rows_of(shop.db, t, StorefrontOrderRow), rows_of(shop.db, t, StorefrontLineRow)) == (0, 0)
    assert stock_of(shop.s.orders, shop.owner, cake) == 5
    # No number was drawn for any of them.
    with shop.db.engine.connect() as conn:
        drawn = conn.execute(select(CounterRow).where(CounterRow.tenant_id == t, CounterRow.prefix == "SF")).all()
    assert drawn == []


def test_b6_short_stock_refuses_the_whole_order_unless_the_tenant_allows_negative_stock(shop):
    with pytest.raises(Conflict) as short:
        place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 2), (shop.cake.id, 6)])
    assert short.value.code == "INSUFFICIENT_STOCK"
    assert short.value.params == {"product_id": shop.cake.id, "available": "5", "requested": "6"}
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 10
    assert rows_of(shop.db, shop.tenant, StorefrontOrderRow) == 0
    call(shop.s.orders, shop.owner, "UpdateOrderSettings", pb.OrderSettings(allow_negative_stock=True))
    order = place(shop.api, shop.alice, sf.IN_STORE, [(shop.cake.id, 6)])
    assert order.state == sf.AWAITING_PAYMENT
    assert stock_of(shop.s.orders, shop.owner, shop.cake.id) == -1


# --- Idempotency -------------------------------------------------------------------------------


def test_b6_a_repeated_key_answers_the_first_order(shop):
    first = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 3)], key="k-1")
    again = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 3)], key="k-1")
    assert again == first
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 7
    # Another customer sending the same key learns nothing of it.
    with pytest.raises(NotFound):
        place(shop.api, shop.bob, sf.IN_STORE, [(shop.tea.id, 1)], key="k-1")
    assert rows_of(shop.db, shop.tenant, StorefrontOrderRow) == 1


def test_b6_racing_repeats_of_a_key_place_one_order_and_redeem_its_coupon_once(shop):
    coupon = shop.s.coupons.add(shop.tenant, shop.alice.customer_id, 500)
    barrier, answers, errors = threading.Barrier(8), [], []

    def attempt():
        barrier.wait()
        try:
            answers.append(
                place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 2)], key="race", coupon_codes=[coupon])
            )
        except Exception as exc:  # noqa: BLE001 - every outcome is asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len({a.id for a in answers}) == 1 and len(answers) == 8
    assert answers[0].total.fen == 2500 and answers[0].discount.fen == 500
    assert rows_of(shop.db, shop.tenant, StorefrontOrderRow) == 1
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 8
    assert shop.s.coupons.used_on(shop.tenant, coupon) == answers[0].id


def test_b6_racing_repeats_of_a_top_up_key_meet_on_the_unique_key(shop):
    """No stock to queue on: the repeats race to the insert and the unique key decides."""
    barrier, answers, errors = threading.Barrier(8), [], []

    def attempt():
        barrier.wait()
        try:
            answers.append(place(shop.api, shop.alice, sf.TOP_UP, amount=20000, key="top-up-race"))
        except Exception as exc:  # noqa: BLE001 - every outcome is asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len({a.id for a in answers}) == 1 and len(answers) == 8
    assert rows_of(shop.db, shop.tenant, StorefrontOrderRow) == 1


# --- Coupons (E4) ------------------------------------------------------------------------------


def test_b6_coupons_take_their_discount_and_go_back_when_the_order_is_cancelled(shop):
    five, twenty = (shop.s.coupons.add(shop.tenant, shop.alice.customer_id, fen) for fen in (500, 2000))
    order = place(shop.api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 1)], coupon_codes=[five, f" {twenty} ", five])
    # Two coupons never take off more than the goods cost.
    assert (order.goods_total.fen, order.discount.fen, order.total.fen) == (1500, 1500, 0)
    with shop.db.engine.connect() as conn:
        stored = conn.execute(select(StorefrontOrderRow.coupons).where(StorefrontOrderRow.id == order.id)).scalar_one()
    assert [c["code"] for c in stored] == [five, twenty]
    cancelled = act(shop.api, shop.alice, order.id, "cancel", reason="点错了")
    assert (cancelled.state, cancelled.reason) == (sf.CLOSED, "点错了")
    assert shop.s.coupons.used_on(shop.tenant, five) is None and shop.s.coupons.used_on(shop.tenant, twenty) is None
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 10


def test_b6_a_refused_coupon_names_its_field_and_leaves_nothing_used(shop):
    mine = shop.s.coupons.add(shop.tenant, shop.alice.customer_id, 300)
    bobs = shop.s.coupons.add(shop.tenant, shop.bob.customer_id, 300)
    with pytest.raises(InvalidInput) as err:
        place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)], coupon_codes=[mine, bobs])
    assert err.value.fields == {"coupon_codes.1": "validation.coupon_code_unknown"}
    assert shop.s.coupons.used_on(shop.tenant, mine) is None
    # Redeemed, then short of stock: the order is not placed and its coupon goes back.
    with pytest.raises(Conflict):
        place(shop.api, shop.alice, sf.IN_STORE, [(shop.cake.id, 9)], coupon_codes=[mine])
    assert shop.s.coupons.used_on(shop.tenant, mine) is None
    assert rows_of(shop.db, shop.tenant, StorefrontOrderRow) == 0
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 10


# --- Cancel and give_back ----------------------------------------------------------------------


def test_b6_cancelling_gives_the_stock_back_once(shop):
    order = place(
        shop.api, shop.alice, sf.ECOMMERCE, [(shop.tea.id, 4), (shop.tea.id, 1)], contact_name="", contact_phone=""
    )
    # The parcel goes to the customer when nobody else is named.
    assert (order.contact_name, order.contact_phone) == ("Alice", "13800000001")
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 5
    closed = act(shop.api, shop.alice, order.id, "cancel")
    assert closed.state == sf.CLOSED and list(closed.actions) == []
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 10
    with pytest.raises(Conflict) as twice:
        act(shop.api, shop.alice, order.id, "cancel")
    assert twice.value.code == "STOREFRONT_STATE_INVALID"
    # The closing loop meeting it again gives nothing back twice.
    with shop.db.uow() as uow:
        row = uow.session.get(StorefrontOrderRow, order.id, with_for_update=True)
        give_back(uow, row, coupons=shop.s.coupons, now=START)
        uow.commit()
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 10
    assert moves(shop.db, shop.tenant, order.id) == [
        ("storefront_sale", shop.tea.id, -5),
        ("storefront_release", shop.tea.id, 5),
    ]
    assert changes(shop.db, shop.tenant, order.id) == [("storefront_order_changed", "cancel", sf.CUSTOMER, sf.CLOSED)]


def test_b6_the_system_cancels_but_staff_do_not_and_paid_orders_stay(shop):
    order = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    with pytest.raises(PermissionDenied):
        act(shop.api, shop.owner, order.id, "cancel")
    closed = as_system(
        shop.s.printing, shop.tenant, "TakeAction", spb.StorefrontActionRequest(id=order.id, action="cancel")
    )
    assert closed.state == sf.CLOSED
    paid = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, paid.id)
    with pytest.raises(Conflict):
        act(shop.api, shop.alice, paid.id, "cancel")
    assert stock_of(shop.s.orders, shop.owner, shop.tea.id) == 9


# --- Every kind to done ------------------------------------------------------------------------


def test_b6_every_kind_is_stepped_to_done_by_its_parties(shop):
    api, db, t = shop.api, shop.db, shop.tenant
    system = shop.s.printing

    def by_system(order_id, action):
        return as_system(system, t, "TakeAction", spb.StorefrontActionRequest(id=order_id, action=action))

    # E-commerce: shipped with a carrier and tracking number, received by the customer.
    eco = place(api, shop.alice, sf.ECOMMERCE, [(shop.cake.id, 1)], address="南京东路 1 号")
    pay(db, t, eco.id)
    assert list(call(api, shop.manager, "GetOrder", spb.GetStorefrontOrderRequest(id=eco.id)).actions) == ["ship"]
    shipped = act(api, shop.manager, eco.id, "ship", carrier="顺丰", tracking_no="SF1234567890")
    assert (shipped.state, shipped.carrier, shipped.tracking_no) == (sf.SHIPPED, "顺丰", "SF1234567890")
    assert act(api, shop.alice, eco.id, "confirm_receipt").state == sf.DONE
    # Reservation: confirmed by the merchant, completed by the customer.
    res = place(api, shop.alice, sf.RESERVATION, [(shop.tea.id, 2)])
    pay(db, t, res.id)
    act(api, shop.manager, res.id, "confirm")
    assert act(api, shop.alice, res.id, "complete").state == sf.DONE
    # In-store: the store's auto-accept confirms (the system), the counter verifies the code.
    ins = place(api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(db, t, ins.id)
    assert by_system(ins.id, "confirm").state == sf.CONFIRMED
    code = call(api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=ins.id)).verification_code
    assert act(api, shop.manager, ins.id, "verify", code=code).state == sf.DONE
    # Takeaway: accepted, out with a rider who fails, out again, delivered, received.
    tk = place(api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 1)])
    pay(db, t, tk.id)
    by_system(tk.id, "accept")
    act(api, shop.manager, tk.id, "dispatch")
    back = act(api, shop.manager, tk.id, "delivery_failed", reason="联系不上顾客")
    assert (back.state, back.reason) == (sf.ACCEPTED, "联系不上顾客")
    by_system(tk.id, "dispatch")
    act(api, shop.manager, tk.id, "deliver")
    assert act(api, shop.alice, tk.id, "confirm_receipt").state == sf.DONE
    # Face-to-face: done the moment it is paid; top-up: done when credited.
    f2f = place(api, shop.clerk, sf.FACE_TO_FACE, amount=2000, customer_id=shop.alice.customer_id)
    pay(db, t, f2f.id)
    top = place(api, shop.alice, sf.TOP_UP, amount=50000)
    pay(db, t, top.id)
    credit(db, t, top.id)
    done = call(api, shop.owner, "ListOrders", spb.ListStorefrontOrdersRequest(state=sf.DONE))
    assert sorted(o.kind for o in done.orders) == sorted(
        [sf.ECOMMERCE, sf.RESERVATION, sf.IN_STORE, sf.TAKEAWAY, sf.FACE_TO_FACE, sf.TOP_UP]
    )
    assert changes(db, t, tk.id) == [
        ("storefront_order_paid", None, None, sf.PAID),
        ("storefront_order_changed", "accept", sf.SYSTEM, sf.ACCEPTED),
        ("storefront_order_changed", "dispatch", sf.MERCHANT, sf.DELIVERING),
        ("storefront_order_changed", "delivery_failed", sf.MERCHANT, sf.ACCEPTED),
        ("storefront_order_changed", "dispatch", sf.SYSTEM, sf.DELIVERING),
        ("storefront_order_changed", "deliver", sf.MERCHANT, sf.DELIVERED),
        ("storefront_order_changed", "confirm_receipt", sf.CUSTOMER, sf.DONE),
    ]
    paid_event = outbox(db, t, "storefront_order_paid")
    assert [d["order"]["number"] for _, d in paid_event] == [o.number for o in (eco, res, ins, tk, f2f, top)]
    shipped_event = [d for _, d in outbox(db, t) if d.get("action") == "ship"]
    assert shipped_event[0]["order"]["lines"] == [
        {
            "product_id": shop.cake.id,
            "category_id": "",
            "name": "蛋糕",
            "quantity": 1,
            "amount_fen": 3800,
            "spec": "",
        }
    ]


def test_b6_the_wrong_party_is_refused_before_the_state_and_the_fields(shop):
    api, t = shop.api, shop.tenant
    eco = place(api, shop.alice, sf.ECOMMERCE, [(shop.tea.id, 1)])
    # The customer may not ship, whatever the state: 403 first.
    with pytest.raises(PermissionDenied) as who:
        act(api, shop.alice, eco.id, "ship")
    assert who.value.code == "STOREFRONT_ACTION_DENIED"
    # The merchant may, but not before payment: 409, even without the fields.
    with pytest.raises(Conflict) as when:
        act(api, shop.manager, eco.id, "ship")
    assert when.value.code == "STOREFRONT_STATE_INVALID"
    pay(shop.db, t, eco.id)
    with pytest.raises(InvalidInput) as what:
        act(api, shop.manager, eco.id, "ship", carrier="  ")
    assert what.value.fields == {"carrier": "validation.required", "tracking_no": "validation.required"}
    # A step of another kind is a wrong state; payment and credit are never asked for here.
    with pytest.raises(Conflict):
        act(api, shop.manager, eco.id, "accept")
    for action in ("pay", "credit", "fly", ""):
        with pytest.raises(InvalidInput) as bad:
            as_system(shop.s.printing, t, "TakeAction", spb.StorefrontActionRequest(id=eco.id, action=action))
        assert bad.value.fields == {"action": "validation.invalid_choice"}
    # The system may not verify at the counter.
    ins = place(api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(shop.db, t, ins.id)
    with pytest.raises(PermissionDenied):
        as_system(shop.s.printing, t, "TakeAction", spb.StorefrontActionRequest(id=ins.id, action="verify"))
    tk = place(api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 1)])
    pay(shop.db, t, tk.id)
    act(api, shop.manager, tk.id, "accept")
    act(api, shop.manager, tk.id, "dispatch")
    with pytest.raises(InvalidInput) as why:
        act(api, shop.manager, tk.id, "delivery_failed")
    assert why.value.fields == {"reason": "validation.required"}
    still = call(api, shop.manager, "GetOrder", spb.GetStorefrontOrderRequest(id=tk.id))
    assert (still.state, still.reason) == (sf.DELIVERING, "")
    assert call(api, shop.manager, "GetOrder", spb.GetStorefrontOrderRequest(id=eco.id)).state == sf.PAID


# --- Outsiders ---------------------------------------------------------------------------------


def test_b6_outsiders_find_nothing(shop, customers):
    order = place(shop.api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, order.id)
    outsiders = [
        staff("t-elsewhere", "owner"),
        shopper("t-elsewhere", shop.alice.customer_id),
        shop.bob,
        staff(shop.tenant, "store_manager", stores=("store-2",)),
        # A salesperson sees what they placed, not every order of their store.
        shop.clerk,
    ]
    for who in outsiders:
        with pytest.raises(NotFound):
            call(shop.api, who, "GetOrder", spb.GetStorefrontOrderRequest(id=order.id))
        with pytest.raises(NotFound):
            act(shop.api, who, order.id, "accept")
        listed = call(shop.api, who, "ListOrders", spb.ListStorefrontOrdersRequest())
        assert order.id not in [o.id for o in listed.orders]
    assert call(shop.api, shop.manager, "GetOrder", spb.GetStorefrontOrderRequest(id=order.id)).state == sf.PAID
    # A manager switched to another store (A4) no longer sees it either.
    switched = replace(staff(shop.tenant, "store_manager", stores=("store-1", "store-2")), current_store_id="store-2")
    with pytest.raises(NotFound):
        call(shop.api, switched, "GetOrder", spb.GetStorefrontOrderRequest(id=order.id))


# --- Verification (B7) -------------------------------------------------------------------------


def test_b7_a_code_verifies_its_order_once_at_the_counter(shop):
    res = place(shop.api, shop.alice, sf.RESERVATION, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, res.id)
    mine = call(shop.api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=res.id))
    assert is_well_formed(mine.verification_code)
    assert mine.verification_qr == f"CRMSF:{mine.verification_code}"

    def verify(actor, code, store=""):
        return call(shop.api, actor, "VerifyByCode", spb.VerifyStorefrontCodeRequest(code=code, store_id=store))

    # Confirmed first: a paid reservation is not yet to be consumed.
    with pytest.raises(Conflict) as early:
        verify(shop.manager, mine.verification_qr)
    assert early.value.code == "STOREFRONT_STATE_INVALID"
    act(shop.api, shop.manager, res.id, "confirm")
    done = verify(shop.manager, mine.verification_qr, "store-1")
    assert done.state == sf.DONE and done.id == res.id
    with pytest.raises(Conflict) as again:
        verify(shop.manager, mine.verification_code)
    assert again.value.code == "ORDER_ALREADY_VERIFIED"
    code = mine.verification_code
    with pytest.raises(InvalidInput) as mistyped:
        verify(shop.manager, code[:-1] + str((int(code[-1]) + 1) % 10))
    assert mistyped.value.fields == {"code": "validation.verification_code_invalid"}
    with pytest.raises(InvalidInput) as blank:
        verify(shop.manager, " ")
    assert blank.value.fields == {"code": "validation.required"}
    with pytest.raises(PermissionDenied):
        verify(shop.alice, code)
    with pytest.raises(PermissionDenied) as store:
        verify(shop.manager, code, "store-2")
    assert store.value.code == "STORE_ACCESS_DENIED"
    with pytest.raises(NotFound):
        verify(shop.owner, code, "store-2")
    with pytest.raises(NotFound):
        verify(staff("t-elsewhere", "owner"), code)
    changed = [(a, p) for _, a, p, _ in changes(shop.db, shop.tenant, res.id)]
    assert changed == [(None, None), ("confirm", sf.MERCHANT), ("verify", sf.MERCHANT)]


def test_b7_a_wrong_code_on_the_order_itself_is_refused(shop):
    ins = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    other = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, ins.id)
    pay(shop.db, shop.tenant, other.id)
    act(shop.api, shop.manager, ins.id, "confirm")
    code_of_other = call(shop.api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=other.id)).verification_code
    with pytest.raises(InvalidInput) as wrong:
        act(shop.api, shop.manager, ins.id, "verify", code=code_of_other)
    assert wrong.value.fields == {"code": "validation.verification_code_invalid"}
    assert call(shop.api, shop.manager, "GetOrder", spb.GetStorefrontOrderRequest(id=ins.id)).state == sf.CONFIRMED


def test_b7_clerks_scanning_one_code_at_once_verify_it_once(shop):
    ins = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, ins.id)
    act(shop.api, shop.manager, ins.id, "confirm")
    qr = call(shop.api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=ins.id)).verification_qr
    barrier, outcomes = threading.Barrier(6), []

    def attempt():
        barrier.wait()
        try:
            call(shop.api, shop.manager, "VerifyByCode", spb.VerifyStorefrontCodeRequest(code=qr))
            outcomes.append("verified")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count("verified") == 1
    assert set(outcomes) - {"verified"} == {"ORDER_ALREADY_VERIFIED"}
    assert [a for _, a, _, _ in changes(shop.db, shop.tenant, ins.id)].count("verify") == 1


# --- Views, lists and the day ------------------------------------------------------------------


def add_refund_request(db, tenant, order_id, fen, state=sf.REFUND_REQUESTED):
    """A refund request as the refunds half writes one (simulated)."""
    with db.uow() as uow:
        uow.session.add(
            StorefrontRefundRow(
                tenant_id=tenant, order_id=order_id, state=state, requested_fen=fen, reason="不想要了", created_at=START
            )
        )
        uow.commit()


def test_b6_each_reader_sees_their_own_buttons_and_the_refund_button(shop):
    eco = place(shop.api, shop.alice, sf.ECOMMERCE, [(shop.tea.id, 2)])
    pay(shop.db, shop.tenant, eco.id)

    def as_(actor):
        return call(shop.api, actor, "GetOrder", spb.GetStorefrontOrderRequest(id=eco.id))

    assert (list(as_(shop.alice).actions), as_(shop.alice).refundable) == ([], True)
    assert (list(as_(shop.manager).actions), as_(shop.manager).refundable) == (["ship"], False)
    add_refund_request(shop.db, shop.tenant, eco.id, 1000)
    seen = as_(shop.alice)
    assert not seen.refundable
    assert [(r.state, r.requested.fen, r.reason) for r in seen.refunds] == [(sf.REFUND_REQUESTED, 1000, "不想要了")]
    assert not seen.HasField("delivery")
    ins = place(shop.api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    pay(shop.db, shop.tenant, ins.id)
    assert not call(shop.api, shop.alice, "GetOrder", spb.GetStorefrontOrderRequest(id=ins.id)).refundable


def test_b6_lists_are_newest_first_filtered_and_paged(shop):
    api, t = shop.api, shop.tenant
    a1 = place(api, shop.alice, sf.IN_STORE, [(shop.tea.id, 1)])
    b1 = place(api, shop.bob, sf.TAKEAWAY, [(shop.tea.id, 1)])
    a2 = place(api, shop.alice, sf.ECOMMERCE, [(shop.cake.id, 1)])
    a3 = place(api, shop.alice, sf.TOP_UP, amount=1000)
    pay(shop.db, t, a2.id)
    add_refund_request(shop.db, t, a2.id, 500)

    def ids(actor, **kw):
        found = call(api, actor, "ListOrders", spb.ListStorefrontOrdersRequest(**kw))
        return [o.id for o in found.orders], found.total

    assert ids(shop.alice) == ([a3.id, a2.id, a1.id], 3)
    assert ids(shop.bob) == ([b1.id], 1)
    assert ids(shop.manager) == ([a3.id, a2.id, b1.id, a1.id], 4)
    assert ids(shop.manager, kind=sf.TAKEAWAY) == ([b1.id], 1)
    assert ids(shop.manager, state=sf.PAID) == ([a2.id], 1)
    assert ids(shop.manager, refund_pending=True) == ([a2.id], 1)
    assert ids(shop.manager, day=DAY) == ([a3.id, a2.id, b1.id, a1.id], 4)
    assert ids(shop.manager, day="2026-12-04") == ([], 0)
    assert ids(shop.manager, store_id="store-1", page=common_pb2.PageRequest(page=2, page_size=3)) == ([a1.id], 4)
    assert ids(shop.owner, store_id="store-2") == ([], 0)
    with pytest.raises(PermissionDenied):
        ids(shop.manager, store_id="store-2")
    with pytest.raises(InvalidInput) as bad:
        ids(shop.manager, kind="x", state="lost")
    assert bad.value.fields == {"kind": "validation.invalid_choice", "state": "validation.invalid_choice"}
    with pytest.raises(InvalidInput) as day:
        ids(shop.manager, day="20261205")
    assert day.value.fields == {"day": "validation.invalid_date"}
    # A salesperson lists what they placed at the counter.
    mine = place(api, shop.clerk, sf.FACE_TO_FACE, amount=300, customer_id=shop.bob.customer_id)
    assert ids(shop.clerk) == ([mine.id], 1)


def test_b6_the_day_summary_counts_a_store_by_kind_and_state(shop):
    api, t = shop.api, shop.tenant
    eco = place(api, shop.alice, sf.ECOMMERCE, [(shop.cake.id, 1)])
    tk1 = place(api, shop.alice, sf.TAKEAWAY, [(shop.tea.id, 1)])
    tk2 = place(api, shop.bob, sf.TAKEAWAY, [(shop.tea.id, 2)])
    place(api, shop.bob, sf.TAKEAWAY, [(shop.tea.id, 1)])
    gone = place(api, shop.bob, sf.IN_STORE, [(shop.tea.id, 1)])
    act(api, shop.bob, gone.id, "cancel")
    place(api, shop.owner, sf.FACE_TO_FACE, amount=999, customer_id=shop.bob.customer_id, store="store-2")
    for o in (eco, tk1, tk2):
        pay(shop.db, t, o.id)
    add_refund_request(shop.db, t, tk2.id, 100)
    add_refund_request(shop.db, t, tk1.id, 100, state="rejected")

    def summary(actor, **kw):
        return call(api, actor, "SummarizeDay", spb.SummarizeStorefrontDayRequest(**kw))

    day = summary(shop.manager, day=DAY)
    assert (day.store_id, day.day, day.orders, day.paid.fen, day.refunds_pending) == ("store-1", DAY, 5, 8300, 1)
    assert [(c.kind, c.state, c.count, c.paid.fen) for c in day.counts] == [
        (sf.ECOMMERCE, sf.PAID, 1, 3800),
        (sf.IN_STORE, sf.CLOSED, 1, 0),
        (sf.TAKEAWAY, sf.AWAITING_PAYMENT, 1, 0),
        (sf.TAKEAWAY, sf.PAID, 2, 4500),
    ]
    # Today by the servers' clock is that day; the day before is empty.
    assert summary(shop.manager).orders == 5
    assert summary(shop.manager, day="2026-12-04").orders == 0
    assert summary(shop.owner, store_id="store-2", day=DAY).orders == 1
    with pytest.raises(InvalidInput) as which:
        summary(staff(t, "owner", stores=()), day=DAY)
    assert which.value.fields == {"store_id": "validation.required"}
    with pytest.raises(PermissionDenied):
        summary(shop.manager, store_id="store-2")
    with pytest.raises(PermissionDenied):
        summary(shop.alice, store_id="store-1")


def test_b6_a_product_sold_in_the_shop_is_archived_not_deleted(shop):
    place(shop.api, shop.alice, sf.IN_STORE, [(shop.cake.id, 1)])
    gone = call(shop.s.orders, shop.owner, "DeleteProduct", pb.DeleteProductRequest(id=shop.cake.id))
    assert gone.archived
    with pytest.raises(InvalidInput) as err:
        place(shop.api, shop.alice, sf.IN_STORE, [(shop.cake.id, 1)])
    assert err.value.fields == {"lines.0.product_id": "validation.invalid_choice"}
