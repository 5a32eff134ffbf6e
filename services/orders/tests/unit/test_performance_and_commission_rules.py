"""B9-B11 pure rules: commission rule choice and rounding, China months and days, completion."""

from datetime import UTC, datetime

import pytest

from crmkit.auth import STAFF, Actor
from crmkit.errors import InvalidInput, PermissionDenied
from orders.domain.commission import (
    BRAND,
    FIXED_PER_UNIT,
    PERCENT,
    PRODUCT,
    Rule,
    RuleInput,
    check_rule,
    choose_rule,
    commission_fen,
)
from orders.domain.performance import (
    completion_bp,
    day_span,
    month_of,
    parse_month,
    ranking_limit,
    visible_stores,
    whose,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
BY_PRODUCT = Rule("r-p", PRODUCT, "p1", PERCENT, 500, 0)
BY_BRAND = Rule("r-b", BRAND, "Acme", FIXED_PER_UNIT, 0, 30)


def staff(tenant, role, stores=("store-1",)):
    return Actor(kind=STAFF, subject_id=f"s-{role}", tenant_id=tenant, roles=frozenset([role]), store_ids=stores)


def test_b9_product_rule_beats_brand_rule_whatever_the_order():
    assert choose_rule([BY_BRAND, BY_PRODUCT], "p1", "Acme") is BY_PRODUCT
    assert choose_rule([BY_PRODUCT, BY_BRAND], "p1", "Acme") is BY_PRODUCT
    assert choose_rule([BY_PRODUCT, BY_BRAND], "p2", "Acme") is BY_BRAND
    assert choose_rule([BY_PRODUCT, BY_BRAND], "p2", "Other") is None
    # A product without a brand never matches a brand rule named "".
    assert choose_rule([Rule("x", BRAND, "", PERCENT, 1, 0)], "p2", "") is None


@pytest.mark.parametrize(
    ("rate_bp", "amount", "expected"),
    [
        (500, 1000, 50),  # 5% of 10.00
        (333, 150, 5),  # 4.995 -> 5 (half up)
        (333, 149, 5),  # 4.9617 -> 5
        (250, 10, 0),  # 0.25 -> 0
        (500, 10, 1),  # 0.5 -> 1
        (10_000, 999, 999),
        (0, 999, 0),
        (500, -10, -1),  # a return takes back exactly what the sale earned
        (333, -150, -5),
    ],
)
def test_b9_percent_commission_rounds_half_up(rate_bp, amount, expected):
    assert commission_fen(Rule("r", PRODUCT, "p", PERCENT, rate_bp, 0), 1, amount) == expected


def test_b9_fixed_commission_is_per_unit_and_none_without_rule():
    assert commission_fen(BY_BRAND, 7, 12345) == 210
    assert commission_fen(BY_BRAND, -2, -500) == -60
    assert commission_fen(None, 3, 900) == 0


def test_b9_rule_input_names_every_wrong_field():
    with pytest.raises(InvalidInput) as err:
        check_rule(RuleInput("store", " ", "bonus"))
    assert err.value.fields == {
        "scope": "validation.invalid_choice",
        "target": "validation.required",
        "kind": "validation.invalid_choice",
    }
    with pytest.raises(InvalidInput) as err:
        check_rule(RuleInput(BRAND, "Acme", PERCENT, rate_bp=10_001))
    assert err.value.fields == {"rate_bp": "validation.invalid"}
    with pytest.raises(InvalidInput) as err:
        check_rule(RuleInput(BRAND, "Acme", FIXED_PER_UNIT, amount_per_unit_fen=-1))
    assert err.value.fields == {"amount_per_unit_fen": "validation.invalid"}
    # The figure the kind does not use is dropped, the target trimmed.
    assert check_rule(RuleInput(BRAND, " Acme ", PERCENT, 100, 99)) == RuleInput(BRAND, "Acme", PERCENT, 100, 0)


def test_b9_month_is_the_china_month_of_approval():
    assert month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"
    assert month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"  # 00:00 on 1 Dec in China
    assert parse_month("", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027-01"
    assert parse_month("2026-02", NOW) == "2026-02"
    for bad in ("2026-13", "2026-00", "2026-1", "202611", "2026-11-01", "abcd-ef"):
        with pytest.raises(InvalidInput) as err:
            parse_month(bad, NOW)
        assert err.value.fields == {"month": "validation.invalid_date"}


def test_b10_day_span_is_inclusive_china_days_up_to_92():
    days, start, end = day_span("2026-11-01", "2026-11-03")
    assert days == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert (start, end) == (datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 3, 16, tzinfo=UTC))
    assert len(day_span("2026-01-01", "2026-04-02")[0]) == 92
    for a, b, field in (
        ("2026-01-01", "2026-04-03", "date_to"),
        ("2026-11-03", "2026-11-01", "date_to"),
        ("2026/11/01", "2026-11-03", "date_from"),
        ("", "2026-11-03", "date_from"),
    ):
        with pytest.raises(InvalidInput) as err:
            day_span(a, b)
        assert list(err.value.fields) == [field]


def test_b9_completion_in_basis_points():
    assert completion_bp(5_000, 10_000) == 5_000
    assert completion_bp(9_999, 10_000) == 9_999
    assert completion_bp(1, 3) == 3333  # rounded down: a target is met only when met
    assert completion_bp(30_000, 10_000) == 30_000
    assert completion_bp(-500, 10_000) == -500
    assert completion_bp(123, 0) == 0


def test_b9_only_managers_name_another_salesperson_and_limits_are_bounded():
    seller, manager = staff("t", "salesperson"), staff("t", "store_manager")
    assert whose(seller, "") == seller.staff_id
    assert whose(manager, "s-other") == "s-other"
    with pytest.raises(PermissionDenied):
        whose(seller, "s-other")
    assert ranking_limit(0) == 20
    with pytest.raises(InvalidInput):
        ranking_limit(101)


def test_b10_store_manager_sees_only_their_stores():
    owner = staff("t", "owner")
    manager = staff("t", "store_manager", stores=("s1", "s2"))
    assert visible_stores(owner, "") is None
    assert visible_stores(owner, "s9") == ("s9",)
    assert visible_stores(manager, "") == ("s1", "s2")
    assert visible_stores(manager, "s2") == ("s2",)
    with pytest.raises(PermissionDenied) as err:
        visible_stores(manager, "s9")
    assert err.value.code == "STORE_ACCESS_DENIED"
    with pytest.raises(PermissionDenied):
        visible_stores(staff("t", "salesperson"), "")


def test_a4_a_service_reads_every_store_of_the_tenant_it_acts_for():
    # identity composes the head store's view of its sub-stores and decided who sees what.
    service = Actor(kind="service", subject_id="identity", tenant_id="t")
    assert visible_stores(service, "") is None
    assert visible_stores(service, "s9") == ("s9",)
