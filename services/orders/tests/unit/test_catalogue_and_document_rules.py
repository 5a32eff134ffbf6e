"""B1 catalogue rules, B2 store/salesperson/idempotency rules, stock (scope: test_document_scope_rules)."""

import pytest

from crmkit.auth import STAFF, Actor
from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from orders.domain.catalogue import (
    ProductInput,
    check_category,
    check_product,
    check_reject_reason,
    check_stock_take,
)
from orders.domain.documents import idempotency_key, resolve_store, salesperson_for_order
from orders.domain.stock import take_out


def test_b1_product_fields_are_normalised():
    fields = check_product(
        ProductInput(name="  Cola 330ml ", barcode=" 6901 ", wholesale_price_fen=250, level_prices=(("A", 230),))
    )
    assert (fields.name, fields.barcode, fields.level_prices, fields.kind, fields.category_id) == (
        "Cola 330ml",
        "6901",
        {"A": 230},
        "goods",
        None,
    )
    assert check_product(ProductInput(name="x", barcode="  ")).barcode is None


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"name": ""}, {"name": "validation.required"}),
        ({"name": "x" * 61}, {"name": "validation.too_long"}),
        ({"barcode": "69 01"}, {"barcode": "validation.invalid"}),
        ({"barcode": "1" * 41}, {"barcode": "validation.too_long"}),
        ({"brand": "b" * 41}, {"brand": "validation.too_long"}),
        ({"unit": "u" * 11}, {"unit": "validation.too_long"}),
        ({"wholesale_price_fen": -1}, {"wholesale_price": "validation.invalid"}),
        ({"kind": ""}, {"kind": "validation.invalid_choice"}),
        ({"level_prices": (("", 1),)}, {"level_prices.0.level": "validation.required"}),
        ({"level_prices": (("A", 1), ("A", 2))}, {"level_prices.1.level": "validation.invalid"}),
        ({"level_prices": (("L" * 21, 1),)}, {"level_prices.0.level": "validation.too_long"}),
        ({"level_prices": (("A", -5),)}, {"level_prices.0.price": "validation.invalid"}),
    ],
)
def test_b1_bad_product_fields_are_named(changes, fields):
    base = {"name": "Cola", "wholesale_price_fen": 100}
    with pytest.raises(InvalidInput) as err:
        check_product(ProductInput(**{**base, **changes}))
    assert err.value.fields == fields


@pytest.mark.parametrize("kind", ["goods", "reservation", "takeaway", "in_store", "stored_value"])
def test_b1_every_product_kind_is_accepted(kind):
    assert check_product(ProductInput(name="x", kind=kind)).kind == kind


@pytest.mark.parametrize(
    "name, parent_top, fields",
    [
        ("Drinks", None, {}),
        ("Soda", True, {}),
        ("Soda", False, {"parent_id": "validation.invalid"}),  # a third level
        ("", None, {"name": "validation.required"}),
        ("x" * 31, None, {"name": "validation.too_long"}),
    ],
)
def test_b1_categories_have_two_levels(name, parent_top, fields):
    if fields:
        with pytest.raises(InvalidInput) as err:
            check_category(name, parent_top)
        assert err.value.fields == fields
    else:
        assert check_category(f" {name} ", parent_top) == name


@pytest.mark.parametrize(
    "quantity, reason, fields",
    [
        (0, "count", {}),
        (5, "count", {}),
        (-1, "count", {"quantity": "validation.invalid"}),
        (1, " ", {"reason": "validation.required"}),
    ],
)
def test_b1_stock_take_needs_a_reason_and_no_negative_count(quantity, reason, fields):
    if fields:
        with pytest.raises(InvalidInput) as err:
            check_stock_take(quantity, reason)
        assert err.value.fields == fields
    else:
        assert check_stock_take(quantity, reason) == reason.strip()


@pytest.mark.parametrize(
    "reason, ok", [("out of stock", True), ("", False), ("  ", False), ("r" * 200, True), ("r" * 201, False)]
)
def test_b2_reject_reason_is_1_to_200_chars(reason, ok):
    if ok:
        assert check_reject_reason(reason, "X") == reason
    else:
        with pytest.raises(InvalidInput):
            check_reject_reason(reason, "X")


@pytest.mark.parametrize(
    "on_hand, quantity, allow, after",
    [(20, 1, False, 19), (1, 1, False, 0), (0, 1, True, -1), (5, 10, True, -5)],
)
def test_b2_take_out(on_hand, quantity, allow, after):
    assert take_out("p1", on_hand, quantity, allow_negative=allow) == after


def test_b2_take_out_below_zero_is_insufficient_stock_naming_the_product():
    with pytest.raises(Conflict) as err:
        take_out("p1", 2, 3, allow_negative=False)
    assert err.value.code == "INSUFFICIENT_STOCK"
    assert err.value.params == {"product_id": "p1", "available": "2", "requested": "3"}


def staff(*roles, stores=("s1",), perms=(), sid="me"):
    return Actor(
        kind=STAFF,
        subject_id=sid,
        tenant_id="t",
        roles=frozenset(roles),
        permissions=frozenset(perms),
        store_ids=stores,
    )


@pytest.mark.parametrize("owner, submitter, expected", [("bound", "me", "bound"), ("", "me", "me")])
def test_b2_bound_salesperson_fills_in(owner, submitter, expected):
    assert salesperson_for_order(owner, submitter) == expected


@pytest.mark.parametrize(
    "actor, customer_store, requested, expected",
    [
        (staff("salesperson"), "c1", "", "c1"),
        (staff("salesperson"), "", "", "s1"),
        (staff("salesperson"), "c1", "s1", "s1"),
        (staff("salesperson"), "c1", "c1", "c1"),
        (staff("owner", stores=()), "", "any", "any"),
    ],
)
def test_b2_store_of_an_order(actor, customer_store, requested, expected):
    assert resolve_store(actor, customer_store, requested) == expected


def test_b2_store_that_is_not_the_callers_is_denied():
    with pytest.raises(PermissionDenied) as err:
        resolve_store(staff("salesperson"), "c1", "elsewhere")
    assert err.value.code == "STORE_ACCESS_DENIED"


def test_b2_no_store_at_all_is_required():
    with pytest.raises(InvalidInput) as err:
        resolve_store(staff("salesperson", stores=()), "", "")
    assert err.value.fields == {"store_id": "validation.required"}


@pytest.mark.parametrize("key, expected", [("", None), ("  ", None), (" k1 ", "k1"), ("k" * 64, "k" * 64)])
def test_b2_idempotency_key(key, expected):
    assert idempotency_key(key) == expected


def test_b2_idempotency_key_too_long():
    with pytest.raises(InvalidInput):
        idempotency_key("k" * 65)
