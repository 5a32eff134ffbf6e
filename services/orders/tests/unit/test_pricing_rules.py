"""B2/B3 price tracking: the default, the four choices, and the change_price switch."""

import pytest

from crmkit.errors import InvalidInput, PermissionDenied
from orders.domain.pricing import (
    CUSTOMER,
    LAST,
    LEVEL,
    MANUAL,
    WHOLESALE,
    ChosenPrice,
    PriceOptions,
    choose_price,
    level_price,
    require_price_change,
)


@pytest.mark.parametrize(
    "last, customer, level, expected",
    [
        (None, None, None, (WHOLESALE, 1000)),
        (None, None, 900, (LEVEL, 900)),
        (None, 800, 900, (CUSTOMER, 800)),
        (700, 800, 900, (LAST, 700)),
        (700, None, None, (LAST, 700)),
        (0, 800, 900, (LAST, 0)),  # a free last time is still the last price
        (None, 0, 900, (CUSTOMER, 0)),
    ],
)
def test_b2_default_price_follows_price_tracking(last, customer, level, expected):
    assert PriceOptions(wholesale=1000, last=last, customer=customer, level=level).default() == expected


OPTIONS = PriceOptions(wholesale=1000, last=700, customer=None, level=900)


@pytest.mark.parametrize(
    "source, manual, expected",
    [
        (None, None, ChosenPrice(LAST, 700)),
        (LAST, None, ChosenPrice(LAST, 700)),
        (LEVEL, None, ChosenPrice(LEVEL, 900)),
        (WHOLESALE, 5, ChosenPrice(WHOLESALE, 1000)),  # a stray price is ignored unless manual
        (MANUAL, 650, ChosenPrice(MANUAL, 650)),
        (MANUAL, 0, ChosenPrice(MANUAL, 0)),
    ],
)
def test_b2_chosen_price(source, manual, expected):
    assert choose_price(OPTIONS, source, manual, field="lines.0") == expected


@pytest.mark.parametrize(
    "source, manual, field",
    [
        (CUSTOMER, None, "lines.3.price_source"),  # this customer has no customer price
        ("bogus", None, "lines.3.price_source"),
        (MANUAL, None, "lines.3.price"),
        (MANUAL, -1, "lines.3.price"),
        (MANUAL, 10**16, "lines.3.price"),
    ],
)
def test_b2_missing_price_or_bad_manual_price_names_the_field(source, manual, field):
    with pytest.raises(InvalidInput) as err:
        choose_price(OPTIONS, source, manual, field="lines.3")
    assert list(err.value.fields) == [field]


@pytest.mark.parametrize(
    "sources, perms, denied",
    [
        ([None, LAST], frozenset(), False),
        ([None, MANUAL], frozenset(), True),
        ([MANUAL], frozenset({"see_all_customers"}), True),
        ([MANUAL], frozenset({"change_price"}), False),
        ([], frozenset(), False),
    ],
)
def test_b2_typed_price_needs_the_change_price_switch(sources, perms, denied):
    if denied:
        with pytest.raises(PermissionDenied) as err:
            require_price_change(sources, perms)
        assert err.value.code == "PRICE_CHANGE_NOT_ALLOWED"
    else:
        require_price_change(sources, perms)


@pytest.mark.parametrize(
    "prices, level, expected",
    [({"A": 900}, "A", 900), ({"A": 900}, "B", None), ({"A": 900}, "", None), ({"": 5}, "", None), ({}, "A", None)],
)
def test_b1_level_price_of_a_customer_level(prices, level, expected):
    assert level_price(prices, level) == expected
