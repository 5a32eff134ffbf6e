"""The Dada adapter against the local fake on a real socket (B12).

The fake checks the adapter's request signatures with the app secret and signs its callbacks the
way Dada does, so these tests prove both halves of Dada's signing end to end.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from datetime import UTC, datetime

import pytest
from provider_inbox import Inbox, served

from orders.delivery.dada import Dada
from orders.delivery.fake_server import CODE_SIGNATURE, FakeDadaServer
from orders.delivery.port import (
    CALLBACK_BAD_SIGNATURE,
    CALLBACK_MALFORMED,
    CALLBACK_UNKNOWN_STATUS,
    STATUS_ACCEPTED,
    STATUS_CANCELLED,
    STATUS_DELIVERED,
    STATUS_DELIVERING,
    STATUS_FAILED,
    STATUS_PICKING,
    CallbackRejected,
    DeliveryPort,
    DeliveryRejected,
    DeliveryUnavailable,
)

fake = served(FakeDadaServer)
inbox = served(lambda: Inbox(answer=200))


@pytest.fixture
def callback_url(inbox: Inbox) -> str:
    return inbox.fresh_url("/delivery/dada/callback")


@pytest.fixture(scope="module")
def dada(fake: FakeDadaServer) -> Dada:
    return Dada(fake.config())


_counter = iter(range(1, 10_000))


def _no() -> str:
    return f"XS{int(time.time())}{next(_counter):04d}"


def _add(dada: Dada, callback_url: str, order_id: str | None = None, cargo_fen: int = 6800, **overrides):
    order_id = order_id or _no()
    fields = dict(
        shop_no="11047059",
        city_code="021",
        cargo_fen=cargo_fen,
        receiver_name="王小姐",
        receiver_address="上海市浦东新区世纪大道100号",
        receiver_lat=31.23,
        receiver_lng=121.50,
        receiver_phone="13900000000",
        callback_url=callback_url,
        cargo_weight_kg=1.5,
    )
    quote = dada.add_order(order_id, **{**fields, **overrides})
    return order_id, quote


def _post_raw(fake, path: str, envelope: dict) -> dict:
    """An envelope sent as it is, past the adapter's own checks: the fake's answer."""
    request = urllib.request.Request(
        fake.url + path,
        data=json.dumps(envelope).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _last_update(dada: Dada, inbox: Inbox):
    assert inbox.received, "no callback arrived"
    return dada.parse_callback(inbox.bodies[-1])


def test_the_adapter_is_a_delivery_port(dada: Dada):
    port: DeliveryPort = dada
    assert port is dada


def test_add_query_and_a_delivery_through_every_status(fake, dada, inbox, callback_url):
    order_id, quote = _add(dada, callback_url)
    assert (quote.fee_fen, quote.distance_m) == (850, 2380)
    first = dada.query(order_id)
    assert (first.status, first.provider_status, first.rider_name) == (STATUS_ACCEPTED, 1, "")

    seen = []
    for dada_status in (2, 100, 3, 4):
        sent = fake.fake.advance(order_id, dada_status)
        assert sent.status == 200
        update = _last_update(dada, inbox)
        assert update.order_id == order_id and update.provider_status == dada_status
        seen.append(update.status)
    assert seen == [STATUS_PICKING, STATUS_PICKING, STATUS_DELIVERING, STATUS_DELIVERED]
    assert (update.rider_name, update.rider_phone, update.reason) == ("张骑士", "13800138000", "")
    assert isinstance(update.at, datetime) and abs(update.at.timestamp() - time.time()) < 60
    assert update.at.tzinfo is UTC

    final = dada.query(order_id)
    assert (final.status, final.rider_name, final.rider_phone) == (STATUS_DELIVERED, "张骑士", "13800138000")


def test_the_same_callback_twice_parses_equal(fake, dada, inbox, callback_url):
    order_id, _ = _add(dada, callback_url)
    fake.fake.advance(order_id, 2, update_time=1_750_000_000)
    body = inbox.bodies[-1]
    assert dada.parse_callback(body) == dada.parse_callback(body.decode())
    assert dada.parse_callback(body).at == datetime.fromtimestamp(1_750_000_000, UTC)


def test_cargo_price_goes_out_in_yuan(fake, dada, callback_url):
    order_id, _ = _add(dada, callback_url, cargo_fen=1234)
    assert fake.fake._orders[order_id].cargo_price == 12.34


def test_b6_the_rider_is_sent_to_the_receivers_point_with_the_parcels_weight(fake, dada, callback_url):
    order_id, _ = _add(dada, callback_url)
    assert fake.fake.handed(order_id) == ((31.23, 121.50), 1.5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"receiver_lat": None}, "receiver_lat: required"),
        ({"receiver_lng": None}, "receiver_lng: required"),
        ({"receiver_lat": 91.0}, "receiver_lat"),
        ({"receiver_lng": float("nan")}, "receiver_lng"),
        ({"cargo_weight_kg": 0}, "cargo_weight"),
    ],
)
def test_b6_no_point_or_no_weight_is_refused_before_calling(dada, callback_url, overrides, field):
    # Dada's addOrder requires both (receiver_lat/lng in GCJ-02, cargo_weight in kg).
    with pytest.raises(ValueError, match=field):
        _add(dada, callback_url, **overrides)


def test_b6_the_fake_refuses_an_order_without_a_point_as_dada_does(fake, callback_url):
    envelope = Dada(fake.config()).envelope(
        {
            "shop_no": "11047059",
            "origin_id": _no(),
            "city_code": "021",
            "cargo_price": 10.0,
            "is_prepay": 0,
            "receiver_name": "王小姐",
            "receiver_address": "上海市浦东新区世纪大道100号",
            "receiver_phone": "13900000000",
            "cargo_weight": 1.0,
            "callback": callback_url,
        }
    )
    answer = _post_raw(fake, "/api/order/addOrder", envelope)
    assert answer["status"] == "fail" and "receiver_lat" in answer["msg"]


@pytest.mark.parametrize(
    ("dada_status", "reason", "cancel_from", "expected_reason"),
    [
        (9, "收货人电话无人接听", 0, "收货人电话无人接听"),
        (10, "", 0, "returned_to_shop"),
        (5, "车辆故障", 1, "车辆故障"),
        (1000, "", 0, "provider_order_failed"),
    ],
)
def test_a_failed_delivery_maps_to_failed_with_the_reason(
    fake, dada, inbox, callback_url, dada_status, reason, cancel_from, expected_reason
):
    order_id, _ = _add(dada, callback_url)
    fake.fake.advance(order_id, 3)
    fake.fake.advance(order_id, dada_status, reason, cancel_from=cancel_from)
    update = _last_update(dada, inbox)
    assert (update.status, update.reason, update.provider_status) == (STATUS_FAILED, expected_reason, dada_status)


def test_a_forged_callback_is_refused(fake, dada, inbox, callback_url):
    order_id, _ = _add(dada, callback_url)
    fake.fake.advance(order_id, 4, forge=True)
    with pytest.raises(CallbackRejected) as caught:
        dada.parse_callback(inbox.bodies[-1])
    assert caught.value.reason == CALLBACK_BAD_SIGNATURE

    # a genuine callback whose order id is swapped no longer matches its signature
    fake.fake.advance(order_id, 4)
    altered = json.loads(inbox.bodies[-1])
    altered["order_id"] = "XS-someone-else"
    with pytest.raises(CallbackRejected) as caught:
        dada.parse_callback(json.dumps(altered))
    assert caught.value.reason == CALLBACK_BAD_SIGNATURE


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"order_id":"x"}', b"\xff\xfe"])
def test_a_malformed_callback_is_refused(dada, body):
    with pytest.raises(CallbackRejected) as caught:
        dada.parse_callback(body)
    assert caught.value.reason == CALLBACK_MALFORMED


def test_a_callback_with_an_unknown_status_is_refused(fake, dada, inbox, callback_url):
    order_id, _ = _add(dada, callback_url)
    fake.fake.advance(order_id, 42)
    with pytest.raises(CallbackRejected) as caught:
        dada.parse_callback(inbox.bodies[-1])
    assert caught.value.reason == CALLBACK_UNKNOWN_STATUS


def test_a_badly_signed_request_is_refused_by_the_fake(fake, callback_url):
    for wrong in (Dada(fake.config(app_secret="not-the-secret")), Dada(fake.config(source_id="1"))):
        with pytest.raises(DeliveryRejected) as caught:
            _add(wrong, callback_url)
        assert caught.value.code == CODE_SIGNATURE

    # and a raw envelope whose body was changed after signing
    envelope = Dada(fake.config()).envelope({"order_id": "XS1"})
    envelope["body"] = json.dumps({"order_id": "XS2"})
    answer = _post_raw(fake, "/api/order/status/query", envelope)
    assert (answer["status"], answer["code"]) == ("fail", CODE_SIGNATURE)


def test_cancel_before_and_after_a_rider_took_it(fake, dada, inbox, callback_url):
    early, _ = _add(dada, callback_url)
    assert dada.cancel(early, "顾客取消订单") == 0
    status = dada.query(early)
    assert (status.status, status.reason) == (STATUS_CANCELLED, "顾客取消订单")

    late, _ = _add(dada, callback_url)
    fake.fake.advance(late, 2)
    assert dada.cancel(late, "顾客取消订单") == 200  # Dada keeps a fee once a rider is on the way

    # Dada's callback for our own cancel says the merchant cancelled: cancelled, not failed
    fake.fake.advance(late, 5, "顾客取消订单", cancel_from=2)
    assert _last_update(dada, inbox).status == STATUS_CANCELLED


def test_refusals_carry_dadas_code_and_message(fake, dada, callback_url):
    order_id, _ = _add(dada, callback_url)
    with pytest.raises(DeliveryRejected) as caught:
        _add(dada, callback_url, order_id=order_id)
    assert caught.value.message == "订单已存在"
    fake.fake.advance(order_id, 4)
    with pytest.raises(DeliveryRejected):
        dada.cancel(order_id, "太晚了")
    with pytest.raises(DeliveryRejected):
        dada.query("XS-never-added")


def test_bad_input_is_refused_before_calling(dada, callback_url):
    with pytest.raises(ValueError, match="cargo_fen"):
        _add(dada, callback_url, cargo_fen=0)
    with pytest.raises(ValueError, match="reason"):
        dada.cancel("XS1", " ")


def test_5xx_is_unavailable(fake, dada, callback_url):
    fake.fake.fail_next(502)
    with pytest.raises(DeliveryUnavailable):
        _add(dada, callback_url)


def test_a_closed_port_is_unavailable(fake, callback_url):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = Dada(fake.config(base_url=f"http://127.0.0.1:{port}", timeout_seconds=1.0))
    with pytest.raises(DeliveryUnavailable):
        _add(closed, callback_url)
    with pytest.raises(DeliveryUnavailable):
        closed.query("XS1")


def test_a_silent_server_is_unavailable(fake, callback_url):
    # it accepts the connection (backlog) but never answers: the adapter's timeout ends the wait
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        silent = Dada(fake.config(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout_seconds=0.3))
        with pytest.raises(DeliveryUnavailable):
            silent.query("XS1")
