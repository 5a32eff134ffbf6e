"""B12: takeaway orders handed to Dada through the real adapter against the local Dada fake, whose
status callbacks reach the orders server through a stand-in of the gateway's callback route."""

import json
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from storefront_money_testkit import *  # noqa: F403

from crm.orders.v1 import storefront_pb2 as pb
from crmkit.db import utcnow
from crmkit.errors import Conflict, PermissionDenied, Unavailable
from orders.delivery.dada import (
    DADA_CANCELLED,
    DADA_DELIVERED,
    DADA_DELIVERING,
    DADA_TO_PICK_UP,
    Dada,
    callback_signature,
)
from orders.delivery.fake_server import TEST_CLIENT_ID
from orders.models_storefront import StorefrontDeliveryRow
from orders.providers import DADA_CALLBACK_PATH, Delivery
from orders.service import storefront_delivery


def accepted_takeaway(shop, coupons_book, quantity=1, point=True):
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 100000
    order = shop.place("takeaway", quantity=quantity, point=point)
    shop.pay_stored_value(order.id)
    return shop.call(shop.owner, "TakeAction", pb.StorefrontActionRequest(id=order.id, action="accept"))


def hand_over(shop, order_id, actor=None):
    return shop.call(actor or shop.owner, "HandToDelivery", pb.HandToDeliveryRequest(id=order_id))


def history(shop, order_id):
    with shop.db.engine.connect() as conn:
        return conn.execute(
            select(StorefrontDeliveryRow.history).where(StorefrontDeliveryRow.order_id == order_id)
        ).scalar()


def post_callback(gateway, payload: dict) -> int:
    request = urllib.request.Request(
        gateway.url + DADA_CALLBACK_PATH,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def signed(order_id: str, status: int, update_time: int) -> dict:
    stamp = str(update_time)
    return {
        "client_id": TEST_CLIENT_ID,
        "order_id": order_id,
        "order_status": status,
        "cancel_reason": "",
        "cancel_from": 0,
        "update_time": update_time,
        "signature": callback_signature(TEST_CLIENT_ID, order_id, stamp),
        "dm_id": 0,
        "dm_name": "",
        "dm_mobile": "",
    }


def test_b12_handed_to_dada_followed_by_its_callbacks_until_the_customer_has_it(shop, dada, coupons_book):
    order = accepted_takeaway(shop, coupons_book, quantity=2)
    assert order.state == "accepted"
    out = hand_over(shop, order.id)
    assert out.state == "delivering"
    d = out.delivery
    assert (d.provider, d.status, d.fee.fen, d.distance_m) == ("dada", "accepted", 850, 2380)
    assert dada.fake.status(order.id) == 1
    # The rider goes to the point the customer picked; the parcel weighs what the store set.
    assert (order.latitude, order.longitude) == (31.2397, 121.4998)
    assert dada.fake.handed(order.id) == ((31.2397, 121.4998), 1.0)

    start = int(time.time())
    assert dada.fake.advance(order.id, DADA_TO_PICK_UP, update_time=start).status == 200
    picking = shop.get(order.id, shop.customer)
    assert (picking.state, picking.delivery.status, picking.delivery.rider_name) == ("delivering", "picking", "张骑士")
    assert dada.fake.advance(order.id, DADA_DELIVERING, update_time=start + 1).status == 200
    assert dada.fake.advance(order.id, DADA_DELIVERED, update_time=start + 2).status == 200

    done = shop.get(order.id)
    assert (done.state, done.delivery.status) == ("done", "delivered")
    changed = shop.outbox("storefront_order_changed")
    assert [(e["action"], e["party"]) for e in changed] == [
        ("accept", "merchant"),
        ("dispatch", "merchant"),
        ("deliver", "system"),
        ("confirm_receipt", "system"),
    ]
    assert [e["status"] for e in history(shop, order.id)] == ["handed", "picking", "delivering", "delivered"]


def test_b12_a_rider_who_fails_sends_it_back_to_the_merchant_who_hands_it_again(shop, dada, coupons_book):
    order = accepted_takeaway(shop, coupons_book)
    hand_over(shop, order.id)
    start = int(time.time())
    dada.fake.advance(order.id, DADA_TO_PICK_UP, update_time=start)
    dada.fake.advance(order.id, DADA_CANCELLED, "骑士无法联系顾客", cancel_from=1, update_time=start + 1)
    back = shop.get(order.id)
    assert (back.state, back.reason, back.delivery.status) == ("accepted", "骑士无法联系顾客", "failed")
    assert back.actions == ["dispatch"]

    again = hand_over(shop, order.id)
    assert (again.state, again.reason, again.delivery.status) == ("delivering", "", "accepted")
    second = f"{order.id}-2"
    assert dada.fake.status(second) == 1
    # A late callback about the first, failed hand-over changes nothing now.
    dada.fake.advance(order.id, DADA_DELIVERED, update_time=start + 2)
    assert shop.get(order.id).state == "delivering"
    dada.fake.advance(second, DADA_DELIVERED, update_time=start + 3)
    assert shop.get(order.id).state == "done"


def test_b12_duplicate_late_forged_and_unconfirmed_callbacks_change_nothing(shop, dada, gateway, coupons_book):
    order = accepted_takeaway(shop, coupons_book)
    hand_over(shop, order.id)
    start = int(time.time())
    first = dada.fake.advance(order.id, DADA_DELIVERING, update_time=start + 10)
    assert first.status == 200
    before = history(shop, order.id)

    # The same callback again.
    assert post_callback(gateway, json.loads(first.body)) == 200
    assert gateway.answers[-1][2] == "already handled"
    # One older than what is known, arriving late.
    assert post_callback(gateway, signed(order.id, DADA_TO_PICK_UP, start)) == 200
    assert gateway.answers[-1][2] == "older than the status known"
    # Forged: the signature does not match.
    assert dada.fake.advance(order.id, DADA_DELIVERED, update_time=start + 11, forge=True).status == 400
    # Well signed (anyone can sign) but Dada says otherwise: Dada's word is taken.
    dada.fake.advance(order.id, DADA_DELIVERING, update_time=start + 11)
    assert post_callback(gateway, signed(order.id, DADA_DELIVERED, start + 12)) == 200
    after = shop.get(order.id)
    assert (after.state, after.delivery.status) == ("delivering", "delivering")
    assert [e["status"] for e in history(shop, order.id)][: len(before)] == [e["status"] for e in before]
    assert "deliver" not in [e["action"] for e in shop.outbox("storefront_order_changed")]
    # A callback for an order we do not know yet is answered so that Dada sends it again.
    unknown = "00000000-0000-0000-0000-000000000000"
    assert post_callback(gateway, signed(unknown, DADA_DELIVERING, start)) == 500


def test_b12_only_an_accepted_takeaway_of_ones_store_is_handed_over(shop, coupons_book):
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 100000
    paid = shop.place("takeaway", quantity=1)
    shop.pay_stored_value(paid.id)
    with pytest.raises(Conflict) as err:
        hand_over(shop, paid.id)  # paid, not yet accepted
    assert err.value.code == "STOREFRONT_STATE_INVALID"
    parcel = shop.place("ecommerce", quantity=1)
    shop.pay_stored_value(parcel.id)
    with pytest.raises(Conflict):
        hand_over(shop, parcel.id)
    accepted = shop.call(shop.owner, "TakeAction", pb.StorefrontActionRequest(id=paid.id, action="accept"))
    with pytest.raises(PermissionDenied):
        hand_over(shop, accepted.id, actor=shop.customer)
    assert shop.get(paid.id).delivery.provider == ""  # nothing handed over


def test_b12_dada_down_then_a_lost_answer_is_not_handed_over_twice(shop, dada, coupons_book):
    order = accepted_takeaway(shop, coupons_book)
    dada.fake.fail_next(502)
    with pytest.raises(Unavailable) as err:
        hand_over(shop, order.id)
    assert err.value.code == "DELIVERY_UNAVAILABLE"
    assert shop.get(order.id).state == "accepted" and history(shop, order.id) is None

    # Dada took it but its answer was lost: the hand-over finds it there instead of adding again.
    Dada(dada.config()).add_order(
        order.id,
        shop_no="shop-1",
        city_code="021",
        cargo_fen=1500,
        receiver_name="王小姐",
        receiver_address="上海",
        receiver_phone="13900000000",
        callback_url="http://127.0.0.1:9/api/v1/callbacks/dada",
        receiver_lat=31.2397,
        receiver_lng=121.4998,
        cargo_weight_kg=1.0,
    )
    out = hand_over(shop, order.id)
    assert (out.state, out.delivery.status) == ("delivering", "accepted")
    assert [e["provider_order_id"] for e in history(shop, order.id)] == [order.id]


def test_b12_a_takeaway_without_its_point_is_refused_by_name_and_stays_with_the_merchant(shop, dada, coupons_book):
    order = accepted_takeaway(shop, coupons_book, point=False)
    assert not order.HasField("latitude")
    with pytest.raises(Conflict) as err:
        hand_over(shop, order.id)
    assert (err.value.code, err.value.params["message"]) == ("DELIVERY_REJECTED", "receiver_lat: required")
    assert shop.get(order.id).state == "accepted" and history(shop, order.id) is None


def test_b12_a_refusing_or_missing_provider_is_a_clear_409(shop, dada, coupons_book):
    order = accepted_takeaway(shop, coupons_book)
    wrong = Delivery(Dada(dada.config(app_secret="not-the-secret")), "shop-1", "021", "http://127.0.0.1:9/cb")
    with pytest.raises(Conflict) as err:
        storefront_delivery.hand_to_delivery(shop.db.uow(), shop.owner, order.id, delivery=wrong, now=utcnow())
    assert (err.value.code, err.value.params["provider_code"]) == ("DELIVERY_REJECTED", "2003")
    assert err.value.params["message"] == "签名错误"
    with pytest.raises(Conflict) as err:
        storefront_delivery.hand_to_delivery(shop.db.uow(), shop.owner, order.id, delivery=None, now=utcnow())
    assert err.value.code == "DELIVERY_NOT_CONFIGURED"
    assert shop.get(order.id).state == "accepted"
