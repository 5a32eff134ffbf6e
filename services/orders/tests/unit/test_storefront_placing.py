"""B6: what a new storefront order must carry by kind (every problem named at once), the refund
button's rule, and the storefront's setting from the environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidInput
from orders.domain import storefront as sf
from orders.domain.storefront_placing import LineInput, Placement, check_placement
from orders.service.storefront_config import StorefrontConfig, storefront_config_from_env

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
ME = "c-me"


def fields_of(p: Placement, *, own: str | None = ME) -> dict[str, str]:
    with pytest.raises(InvalidInput) as err:
        check_placement(p, own_customer_id=own, now=NOW)
    assert err.value.code == "STOREFRONT_INPUT_INVALID"
    return err.value.fields


def goods(kind: str, **kw) -> Placement:
    return Placement(**{"store_id": "store-1", "kind": kind, "lines": (LineInput("p-1", 2, "大份"),), **kw})


@pytest.mark.parametrize(
    "p",
    [
        goods(sf.IN_STORE),
        goods(sf.ECOMMERCE, address="上海市黄浦区南京东路 1 号"),
        goods(sf.RESERVATION, reserved_for=NOW + timedelta(hours=3)),
        goods(sf.TAKEAWAY, contact_name="王五", contact_phone="13900001111", address="人民路 8 号"),
        Placement(store_id="store-1", kind=sf.FACE_TO_FACE, amount_fen=1),
        Placement(store_id="store-1", kind=sf.TOP_UP, amount_fen=10_000_000),
    ],
)
def test_each_kind_with_what_it_needs_is_accepted_and_trimmed(p):
    padded = Placement(**{**p.__dict__, "store_id": " store-1 ", "note": " 少辣 "})
    checked = check_placement(padded, own_customer_id=ME, now=NOW)
    assert (checked.store_id, checked.note, checked.kind) == ("store-1", "少辣", p.kind)


def test_every_problem_of_a_goods_order_is_named_at_once():
    p = Placement(
        store_id="",
        kind=sf.TAKEAWAY,
        lines=(LineInput("", 0), LineInput("p-2", 1000, "x" * 61), LineInput("p-3", 1)),
        amount_fen=500,
        note="n" * 201,
        contact_phone="12345",
        reserved_for=NOW + timedelta(days=1),
    )
    assert fields_of(p) == {
        "store_id": "validation.required",
        "note": "validation.too_long",
        "amount_fen": "validation.not_allowed",
        "lines.0.product_id": "validation.required",
        "lines.0.quantity": "validation.invalid",
        "lines.1.quantity": "validation.invalid",
        "lines.1.spec": "validation.too_long",
        "contact_name": "validation.required",
        "contact_phone": "validation.phone_invalid",
        "address": "validation.required",
        "reserved_for": "validation.not_allowed",
    }


def test_quantities_run_from_1_to_999_and_a_basket_holds_50_lines():
    assert check_placement(goods(sf.IN_STORE, lines=(LineInput("p", 999),)), own_customer_id=ME, now=NOW)
    assert fields_of(goods(sf.IN_STORE, lines=(LineInput("p", -1),))) == {"lines.0.quantity": "validation.invalid"}
    assert fields_of(goods(sf.IN_STORE, lines=())) == {"lines": "validation.required"}
    many = tuple(LineInput(f"p-{i}", 1) for i in range(51))
    assert fields_of(goods(sf.IN_STORE, lines=many)) == {"lines": "validation.too_many"}


def test_an_amount_kind_takes_an_amount_up_to_100000_yuan_and_no_goods_or_coupons():
    base = Placement(store_id="store-1", kind=sf.FACE_TO_FACE)
    assert fields_of(base) == {"amount_fen": "validation.required"}
    assert fields_of(Placement(**{**base.__dict__, "amount_fen": 0})) == {"amount_fen": "validation.required"}
    assert fields_of(Placement(**{**base.__dict__, "amount_fen": -5})) == {"amount_fen": "validation.invalid_amount"}
    over = Placement(**{**base.__dict__, "kind": sf.TOP_UP, "amount_fen": 10_000_001})
    assert fields_of(over) == {"amount_fen": "validation.invalid_amount"}
    extra = Placement(**{**base.__dict__, "amount_fen": 100, "lines": (LineInput("p", 1),), "coupon_codes": ("c",)})
    assert fields_of(extra) == {"lines": "validation.not_allowed", "coupon_codes": "validation.not_allowed"}


def test_an_ecommerce_order_needs_an_address_and_a_reservation_a_time_to_come():
    assert fields_of(goods(sf.ECOMMERCE)) == {"address": "validation.required"}
    assert fields_of(goods(sf.RESERVATION)) == {"reserved_for": "validation.required"}
    assert fields_of(goods(sf.RESERVATION, reserved_for=NOW)) == {"reserved_for": "validation.not_in_future"}


def test_b6_a_takeaways_point_on_the_map_comes_whole_and_only_with_an_address():
    takeaway = {"contact_name": "王五", "contact_phone": "13900001111", "address": "人民路 8 号"}
    placed = check_placement(
        goods(sf.TAKEAWAY, latitude=31.2304, longitude=121.4737, **takeaway), own_customer_id=ME, now=NOW
    )
    assert (placed.latitude, placed.longitude) == (31.2304, 121.4737)
    assert fields_of(goods(sf.TAKEAWAY, latitude=31.2, **takeaway)) == {"longitude": "validation.required"}
    assert fields_of(goods(sf.TAKEAWAY, latitude=91.0, longitude=-181.0, **takeaway)) == {
        "latitude": "validation.invalid",
        "longitude": "validation.invalid",
    }
    assert fields_of(goods(sf.TAKEAWAY, latitude=float("nan"), longitude=0.0, **takeaway)) == {
        "latitude": "validation.invalid"
    }
    assert fields_of(goods(sf.IN_STORE, latitude=31.2, longitude=121.4)) == {
        "latitude": "validation.not_allowed",
        "longitude": "validation.not_allowed",
    }


def test_kind_must_be_one_of_the_six():
    assert fields_of(Placement(store_id="s", kind="")) == {"kind": "validation.required"}
    assert fields_of(Placement(store_id="s", kind="wholesale")) == {"kind": "validation.invalid_choice"}


def test_staff_name_the_customer_and_a_customer_orders_only_for_themselves():
    assert fields_of(goods(sf.IN_STORE), own=None) == {"customer_id": "validation.required"}
    assert check_placement(goods(sf.IN_STORE, customer_id="c-9"), own_customer_id=None, now=NOW).customer_id == "c-9"
    assert check_placement(goods(sf.IN_STORE, customer_id=ME), own_customer_id=ME, now=NOW)
    assert fields_of(goods(sf.IN_STORE, customer_id="c-other")) == {"customer_id": "validation.not_allowed"}


@pytest.mark.parametrize(
    ("kind", "state", "money", "expected"),
    [
        (sf.ECOMMERCE, sf.PAID, sf.Refunds(1000), True),
        (sf.TAKEAWAY, sf.DONE, sf.Refunds(1000, 400), True),
        (sf.RESERVATION, sf.CONFIRMED, sf.Refunds(1000, 0, 300), False),  # one request at a time
        (sf.ECOMMERCE, sf.SHIPPED, sf.Refunds(1000, 1000), False),  # nothing left
        (sf.ECOMMERCE, sf.AWAITING_PAYMENT, sf.Refunds(0), False),
        (sf.IN_STORE, sf.CONFIRMED, sf.Refunds(1000), False),  # the manual's list
        (sf.FACE_TO_FACE, sf.DONE, sf.Refunds(1000), False),
        (sf.TOP_UP, sf.DONE, sf.Refunds(1000), False),
    ],
)
def test_the_refund_button_shows_exactly_when_a_request_would_be_taken(kind, state, money, expected):
    assert sf.may_request_refund(kind, state, money) is expected


def test_the_unpaid_minutes_come_from_the_environment_and_a_bad_value_stops_startup():
    assert storefront_config_from_env({}) == StorefrontConfig(unpaid_minutes=15)
    assert storefront_config_from_env({"STOREFRONT_UNPAID_MINUTES": " 30 "}).unpaid_minutes == 30
    for bad in ("0", "1441", "-5", "ten", "1.5"):
        with pytest.raises(ValueError, match="STOREFRONT_UNPAID_MINUTES"):
            storefront_config_from_env({"STOREFRONT_UNPAID_MINUTES": bad})


def test_the_qr_payload_of_a_code_is_crmsf():
    assert sf.STOREFRONT_QR.payload("1234") == "CRMSF:1234"
    assert sf.STOREFRONT_QR.normalize(" crmsf:1234-5678 ") == "12345678"
