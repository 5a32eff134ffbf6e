"""A4 rules: applications, reviewers, switchable stores, switcher order, history, figures scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import Conflict
from identity.domain import stores as rules

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def test_a4_application_names_every_bad_field():
    bad = rules.Application(store_name="", contact_name="x" * 51, phone="123", address="y" * 201)
    assert {k: v for k, v in rules.application_problems(bad).items() if v} == {
        "store_name": "validation.required",
        "contact_name": "validation.too_long",
        "phone": "validation.phone_invalid",
        "address": "validation.too_long",
    }
    good = rules.Application(store_name="东门店", contact_name="张三", phone="13912345678", address="东门路1号")
    assert not any(rules.application_problems(good).values())


@pytest.mark.parametrize("status", [rules.APPROVED, rules.REJECTED])
def test_a4_a_decided_application_cannot_be_decided_again(status):
    rules.ensure_pending(rules.PENDING)
    with pytest.raises(Conflict) as err:
        rules.ensure_pending(status)
    assert err.value.code == "APPLICATION_DECIDED"


@pytest.mark.parametrize(
    ("roles", "stores", "expected"),
    [
        (["owner"], [], True),
        (["store_manager"], ["head"], True),
        (["store_manager"], ["sub-b"], False),
        (["salesperson"], ["head"], False),
        (["finance"], ["head"], False),
    ],
)
def test_a4_only_the_head_stores_owner_or_manager_reviews(roles, stores, expected):
    assert rules.may_review(roles, stores, "head") is expected


def test_a4_owner_switches_to_any_store_others_only_to_their_own():
    tenant = ["head", "b", "c"]
    assert rules.switchable_store_ids(["owner"], ["head"], tenant) == tenant
    assert rules.switchable_store_ids(["store_manager"], ["c", "b"], tenant) == ["c", "b"]
    # A store id that is not (or no longer) the tenant's is never switchable.
    assert rules.switchable_store_ids(["salesperson"], ["b", "gone"], tenant) == ["b"]


def test_a4_a_new_session_opens_the_last_entered_store_still_allowed():
    assert rules.default_store(["a", "b"], ["x", "b", "a"]) == "b"
    assert rules.default_store(["a", "b"], []) == "a"
    assert rules.default_store([], ["a"]) is None


def test_a4_pinned_stores_come_first_latest_pin_first():
    assert rules.switcher_order(["head", "b", "c", "d"], ["d", "b", "gone"]) == ["d", "b", "head", "c"]
    assert rules.switcher_order(["head", "b"], []) == ["head", "b"]


def test_a4_history_is_newest_first_without_duplicates_and_bounded():
    history = [(f"s{i}", T0 + timedelta(minutes=i)) for i in range(rules.RECENT_LIMIT)]
    now = T0 + timedelta(hours=1)
    kept, dropped = rules.history_after_switch(history, "s3", now)
    assert kept[0] == ("s3", now) and [s for s, _ in kept].count("s3") == 1
    assert len(kept) == rules.RECENT_LIMIT and dropped == []
    kept, dropped = rules.history_after_switch(history, "new", now)
    assert kept[0] == ("new", now) and len(kept) == rules.RECENT_LIMIT
    assert dropped == ["s0"]  # the oldest falls off


@pytest.mark.parametrize(
    ("roles", "own", "expected"),
    [
        (["owner"], [], ["b", "c"]),
        (["store_manager"], ["head"], ["b", "c"]),
        (["store_manager"], ["b"], ["b"]),
        (["salesperson"], ["head"], None),
    ],
)
def test_a4_head_store_sees_every_sub_store_a_sub_store_manager_only_theirs(roles, own, expected):
    assert rules.figures_scope(roles, own, "head", ["b", "c"]) == expected


@dataclass
class Day:
    store_id: str
    orders: int
    sales_fen: int
    returns_fen: int


def test_a4_figures_sum_days_per_store_and_show_zeros():
    days = [Day("b", 2, 1000, 100), Day("b", 1, 500, 0), Day("head", 9, 9999, 0), Day("x", 1, 1, 0)]
    totals = rules.totals_by_store(["b", "c"], days)
    assert (totals["b"].orders, totals["b"].sales_fen, totals["b"].returns_fen, totals["b"].takings_fen) == (
        3,
        1500,
        100,
        1400,
    )
    assert totals["c"].takings_fen == 0 and set(totals) == {"b", "c"}


@pytest.mark.parametrize(
    ("date_from", "date_to", "problems"),
    [
        ("2026-11-01", "2026-11-30", {}),
        ("", "2026-11-30", {"date_from": "validation.required"}),
        ("2026-13-01", "2026-11-30", {"date_from": "validation.invalid_date"}),
        ("20261101", "2026-11-30", {"date_from": "validation.invalid_date"}),
        ("2026-11-30", "2026-11-01", {"date_to": "validation.invalid"}),
        ("2026-01-01", "2026-12-31", {"date_to": "validation.period_too_long"}),
    ],
)
def test_a4_figures_period_is_checked(date_from, date_to, problems):
    assert {k: v for k, v in rules.period_problems(date_from, date_to).items() if v} == problems
