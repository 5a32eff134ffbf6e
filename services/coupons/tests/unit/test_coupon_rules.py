"""E1 E4 B7: template validation, codes and the redemption rule engine (pure; hypothesis for the
properties every decision must keep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coupons.domain import codes
from coupons.domain.redemption import (
    ACTIVE,
    REDEEMED,
    Decision,
    Line,
    Refusal,
    decide,
    eligible_amount,
)
from coupons.domain.templates import TemplateInput, validate_template, validity_for
from coupons.errors import ErrorCode
from crmkit.errors import InvalidInput

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def cash(**kw) -> TemplateInput:
    return validate_template(TemplateInput(**{"name": "券", "kind": "cash", "value_fen": 2000, "valid_days": 30, **kw}))


def test_e1_validity_fixed_dates_or_days_after_receipt():
    t = cash(valid_days=10)
    assert validity_for(t, NOW) == (NOW, NOW + timedelta(days=10))
    fixed = cash(valid_days=0, valid_from=NOW, valid_until=NOW + timedelta(days=1))
    assert validity_for(fixed, NOW + timedelta(hours=5)) == (NOW, NOW + timedelta(days=1))


def test_e1_both_validity_kinds_at_once_is_refused():
    with pytest.raises(InvalidInput) as err:
        cash(valid_days=3, valid_from=NOW, valid_until=NOW + timedelta(days=1))
    assert err.value.fields == {"valid_days": "validation.invalid"}


def test_e1_conversion_amount_only_with_the_conversion_switch():
    with pytest.raises(InvalidInput) as err:
        cash(conversion_fen=100)
    assert err.value.fields == {"conversion_value": "validation.invalid"}
    with pytest.raises(InvalidInput) as err:
        cash(convertible_to_stored_value=True)
    assert err.value.fields == {"conversion_value": "validation.invalid"}
    assert cash(convertible_to_stored_value=True, conversion_fen=1000).conversion_fen == 1000


def test_e1_discount_percent_between_1_and_99():
    base = {"name": "折", "kind": "discount", "valid_days": 1}
    for bad in (0, 100):
        with pytest.raises(InvalidInput) as err:
            validate_template(TemplateInput(**base, percent_off=bad))
        assert err.value.fields == {"percent_off": "validation.invalid"}


def test_b7_codes_carry_a_check_digit_and_qr_payload_normalises():
    code = codes.new_code()
    assert codes.is_well_formed(code)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not codes.is_well_formed(wrong)
    assert codes.normalize(codes.qr_payload(code)) == code
    assert codes.normalize(f" {code[:4]}-{code[4:8]} {code[8:]} ") == code


def test_b7_ten_thousand_codes_have_no_duplicates():
    batch = {codes.new_code() for _ in range(10_000)}
    assert len(batch) == 10_000


def _decide(t, lines, *, status=ACTIVE, store="s-1", used=0, now=NOW):
    return decide(
        t,
        status=status,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=1),
        store_id=store,
        lines=tuple(lines),
        used_on_order=used,
        now=now,
    )


def test_e4_refusals_name_their_reason():
    t = cash(min_spend_fen=10000, store_ids=("s-1",))
    lines = [Line("p", "c", 1, 20000)]
    assert _decide(t, lines, status=REDEEMED).code == ErrorCode.COUPON_ALREADY_REDEEMED
    assert _decide(t, lines, now=NOW - timedelta(days=2)).code == ErrorCode.COUPON_NOT_YET_VALID
    assert _decide(t, lines, now=NOW + timedelta(days=1)).code == ErrorCode.COUPON_EXPIRED
    assert _decide(t, lines, store="s-2").code == ErrorCode.COUPON_STORE_NOT_ALLOWED
    assert _decide(t, lines, used=1).code == ErrorCode.COUPON_PER_ORDER_LIMIT
    below = _decide(t, [Line("p", "c", 1, 7000)])
    assert below == Refusal(ErrorCode.COUPON_BELOW_MIN_SPEND, {"min_spend": "10000", "missing": "3000"})


def test_e4_category_restriction_counts_only_those_lines():
    t = cash(category_ids=("cake",), min_spend_fen=5000)
    lines = [Line("p1", "cake", 1, 4000), Line("p2", "bread", 1, 9000)]
    assert _decide(t, lines).code == ErrorCode.COUPON_BELOW_MIN_SPEND
    assert _decide(t, [*lines, Line("p3", "cake", 1, 1000)]) == Decision(2000, ())


def test_e4_pickup_hands_over_its_products():
    t = validate_template(TemplateInput(name="提", kind="pickup", pickup_product_ids=("a", "b"), valid_days=1))
    assert _decide(t, [Line("x", "", 1, 0)]) == Decision(0, ("a", "b"))


lines_st = st.lists(
    st.builds(
        Line,
        st.sampled_from(["p1", "p2", "p3"]),
        st.sampled_from(["c1", "c2"]),
        st.integers(1, 5),
        st.integers(0, 100_000),
    ),
    min_size=1,
    max_size=6,
)
template_st = st.builds(
    lambda kind, value, pct, min_spend, products, cats: validate_template(
        TemplateInput(
            name="券",
            kind=kind,
            value_fen=value,
            percent_off=pct,
            pickup_product_ids=("p1",),
            valid_days=10,
            min_spend_fen=min_spend,
            product_ids=tuple(products),
            category_ids=tuple(cats),
        )
    ),
    st.sampled_from(["cash", "discount", "pickup"]),
    st.integers(1, 50_000),
    st.integers(1, 99),
    st.integers(0, 200_000),
    st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=2),
    st.lists(st.sampled_from(["c1", "c2"]), max_size=1),
)


@given(template_st, lines_st, st.integers(0, 3))
def test_e4_property_a_coupon_never_takes_off_more_than_the_eligible_spend(t, lines, used):
    outcome = _decide(t, lines, used=used)
    spend = eligible_amount(t, tuple(lines))
    if isinstance(outcome, Decision):
        assert 0 <= outcome.discount_fen <= spend
        assert spend >= t.min_spend_fen and used < t.per_order_limit
    else:
        assert outcome.code in {
            ErrorCode.COUPON_BELOW_MIN_SPEND,
            ErrorCode.COUPON_PER_ORDER_LIMIT,
            "COUPON_NO_ELIGIBLE_ITEMS",
        }
        if outcome.code == ErrorCode.COUPON_BELOW_MIN_SPEND:
            assert int(outcome.params["missing"]) == t.min_spend_fen - spend > 0


@given(template_st, lines_st, st.integers(0, 200_000))
def test_e4_property_more_spend_on_eligible_lines_never_turns_a_yes_into_a_no(t, lines, extra):
    first = _decide(t, lines)
    target = t.product_ids[0] if t.product_ids else "p1"
    category = t.category_ids[0] if t.category_ids and not t.product_ids else "c1"
    more = _decide(t, [*lines, Line(target, category, 1, extra)])
    if isinstance(first, Decision):
        assert isinstance(more, Decision) and more.discount_fen >= first.discount_fen


@given(template_st, lines_st)
def test_e4_property_a_used_coupon_is_always_refused(t, lines):
    assert _decide(t, lines, status=REDEEMED).code == ErrorCode.COUPON_ALREADY_REDEEMED


def test_e3_a_batch_of_100000_codes_has_no_duplicates_and_neighbours_share_nothing():
    batch = [codes.new_code() for _ in range(100_000)]
    assert len(set(batch)) == 100_000
    assert all(codes.is_well_formed(c) for c in batch[:1000])
    # Not sequential: consecutive codes differ in most positions (random digits, ~90% each).
    same_positions = sum(
        a == b for x, y in zip(batch, batch[1:1001], strict=False) for a, b in zip(x[:-1], y[:-1], strict=True)
    )
    assert same_positions / (1000 * codes.CODE_DIGITS) < 0.2
