"""B2/B3 line validation and money arithmetic in fen."""

import pytest

from crmkit.errors import InvalidInput
from orders.domain.lines import (
    MAX_LINES,
    LineRequest,
    Orderable,
    check_lines,
    price_lines,
    quantities_by_product,
)
from orders.domain.money import MAX_FEN, MAX_QUANTITY, line_amount, total
from orders.domain.pricing import LAST, MANUAL, WHOLESALE, PriceOptions

PRODUCTS = {
    "p1": Orderable("p1", listed=True, archived=False),
    "unlisted": Orderable("unlisted", listed=False, archived=False),
    "archived": Orderable("archived", listed=True, archived=True),
}


@pytest.mark.parametrize(
    "lines, note, fields",
    [
        ([LineRequest("p1", 1)], "", {}),
        ([LineRequest("p1", MAX_QUANTITY)], "x" * 200, {}),
        ([], "", {"lines": "validation.required"}),
        ([LineRequest("p1", 1)] * (MAX_LINES + 1), "", {"lines": "validation.too_long"}),
        ([LineRequest("p1", 0)], "", {"lines.0.quantity": "validation.invalid"}),
        ([LineRequest("p1", -3)], "", {"lines.0.quantity": "validation.invalid"}),
        ([LineRequest("p1", MAX_QUANTITY + 1)], "", {"lines.0.quantity": "validation.invalid"}),
        ([LineRequest("nope", 1)], "", {"lines.0.product_id": "validation.invalid_choice"}),
        ([LineRequest("", 1)], "", {"lines.0.product_id": "validation.required"}),
        ([LineRequest("p1", 1), LineRequest("unlisted", 1)], "", {"lines.1.product_id": "validation.invalid_choice"}),
        ([LineRequest("archived", 1)], "", {"lines.0.product_id": "validation.invalid_choice"}),
        ([LineRequest("p1", 1)], "x" * 201, {"note": "validation.too_long"}),
        (
            [LineRequest("nope", 0), LineRequest("p1", 2)],
            "",
            {"lines.0.product_id": "validation.invalid_choice", "lines.0.quantity": "validation.invalid"},
        ),
    ],
)
def test_b2_line_validation_names_every_bad_field(lines, note, fields):
    if fields:
        with pytest.raises(InvalidInput) as err:
            check_lines(lines, PRODUCTS, note)
        assert err.value.fields == fields
        assert err.value.code == "ORDER_INPUT_INVALID"
    else:
        check_lines(lines, PRODUCTS, note)


def test_b2_lines_are_priced_and_amounted_in_fen():
    options = {"p1": PriceOptions(wholesale=1250, last=1199), "p2": PriceOptions(wholesale=333)}
    priced = price_lines(
        [LineRequest("p1", 3), LineRequest("p2", 7, WHOLESALE), LineRequest("p1", 2, MANUAL, 1)], options
    )
    assert [(p.price.source, p.price.unit_price_fen, p.amount_fen) for p in priced] == [
        (LAST, 1199, 3597),
        (WHOLESALE, 333, 2331),
        (MANUAL, 1, 2),
    ]
    assert total(p.amount_fen for p in priced) == 5930


def test_b2_a_missing_price_source_is_named_by_its_line():
    with pytest.raises(InvalidInput) as err:
        price_lines([LineRequest("p1", 1), LineRequest("p1", 1, "customer")], {"p1": PriceOptions(wholesale=1)})
    assert err.value.fields == {"lines.1.price_source": "validation.invalid_choice"}


@pytest.mark.parametrize(
    "price, quantity, amount",
    [(0, 1, 0), (1, 1, 1), (199, 3, 597), (MAX_FEN, 1, MAX_FEN), (10**9, MAX_QUANTITY, 10**15)],
)
def test_b2_line_amount_is_exact(price, quantity, amount):
    assert line_amount(price, quantity) == amount


@pytest.mark.parametrize("price, quantity", [(-1, 1), (1, 0), (1, -1), (MAX_FEN + 1, 1), (1.5, 1), (True, 1), (1, 2.0)])
def test_b2_line_amount_refuses_out_of_range_values(price, quantity):
    with pytest.raises(ValueError):
        line_amount(price, quantity)


@pytest.mark.parametrize(
    "lines, expected",
    [([], {}), ([("a", 1)], {"a": 1}), ([("a", 1), ("b", 2), ("a", 3)], {"a": 4, "b": 2})],
)
def test_b2_quantities_are_summed_per_product_for_stock(lines, expected):
    assert quantities_by_product(lines) == expected


def test_b2_total_of_nothing_is_zero():
    assert total([]) == 0
