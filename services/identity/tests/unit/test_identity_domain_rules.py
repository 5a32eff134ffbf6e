"""Pure rules of identity: validation, roles and switches, seats, refresh token states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidInput
from identity.domain import roles as rules
from identity.domain import seats, sessions
from identity.domain.validation import name_problem, password_problem, phone_problem, raise_if_any

T0 = datetime(2025, 1, 31, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("13800000000", None),
        ("19912345678", None),
        ("", "validation.required"),
        ("12800000000", "validation.phone_invalid"),  # second digit 2
        ("1380000000", "validation.phone_invalid"),  # 10 digits
        ("138000000001", "validation.phone_invalid"),  # 12 digits
        ("+8613800000000", "validation.phone_invalid"),
        ("1380000000a", "validation.phone_invalid"),
        ("１３８００００００００", "validation.phone_invalid"),  # full-width digits
    ],
)
def test_a1_phone_rule(phone, problem):
    assert phone_problem(phone) == problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abcd1234", None),
        ("Abc12345678", None),
        ("", "validation.required"),
        ("abc1234", "validation.too_short"),
        ("abcdefgh", "validation.password_too_weak"),
        ("12345678", "validation.password_too_weak"),
        ("密码密码密码12", "validation.password_too_weak"),  # letters must be Latin
        ("a1" * 65, "validation.too_long"),
    ],
)
def test_a1_password_policy(password, problem):
    assert password_problem(password) == problem


@pytest.mark.parametrize(
    ("name", "problem"),
    [("茶", None), ("x" * 50, None), ("", "validation.required"), ("x" * 51, "validation.too_long")],
)
def test_a1_name_rule(name, problem):
    assert name_problem(name) == problem


def test_a1_raise_if_any_names_only_the_bad_fields():
    with pytest.raises(InvalidInput) as err:
        raise_if_any({"a": None, "b": "validation.required"})
    assert err.value.fields == {"b": "validation.required"}
    raise_if_any({"a": None})


@pytest.mark.parametrize(
    ("given", "cleaned", "problem"),
    [
        (["salesperson"], ["salesperson"], None),
        (["store_manager", "salesperson", "store_manager"], ["store_manager", "salesperson"], None),
        ([], [], "validation.required"),
        (["admin"], ["admin"], "validation.invalid_choice"),
    ],
)
def test_a1_roles_are_validated(given, cleaned, problem):
    assert rules.roles_problem(given) == (cleaned, problem)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ([], None),
        (["change_price", "approve_collections"], None),
        (["change_price", "fly"], "validation.invalid_choice"),
    ],
)
def test_a1_switch_names_are_validated(given, problem):
    assert rules.switches_problem(given)[1] == problem


def test_a1_owner_holds_every_switch_others_only_theirs():
    assert rules.effective_permissions(["owner"], []) == set(rules.SWITCHES)
    assert rules.effective_permissions(["salesperson"], ["change_price"]) == {"change_price"}


@pytest.mark.parametrize(
    ("actor_roles", "actor_stores", "new_roles", "new_stores", "switches", "allowed"),
    [
        (["owner"], ["h"], ["finance"], ["h"], ["approve_collections"], True),
        (["store_manager"], ["s1"], ["salesperson"], ["s1"], [], True),
        (["store_manager"], ["s1"], ["salesperson"], ["s2"], [], False),
        (["store_manager"], ["s1"], ["salesperson"], ["s1", "s2"], [], False),
        (["store_manager"], ["s1"], ["store_manager"], ["s1"], [], False),
        (["store_manager"], ["s1"], ["salesperson"], ["s1"], ["change_price"], False),
        (["salesperson"], ["s1"], ["salesperson"], ["s1"], [], False),
        (["finance"], ["h"], ["salesperson"], ["h"], [], False),
    ],
)
def test_a1_who_may_create_staff(actor_roles, actor_stores, new_roles, new_stores, switches, allowed):
    assert rules.may_create_staff(actor_roles, actor_stores, new_roles, new_stores, switches) is allowed


def test_a1_store_manager_sees_staff_sharing_a_store():
    assert rules.may_see_staff(["store_manager"], ["s1"], ["s1", "s2"])
    assert not rules.may_see_staff(["store_manager"], ["s1"], ["s2"])
    assert not rules.may_see_staff(["salesperson"], ["s1"], ["s1"])
    assert rules.may_see_staff(["owner"], [], ["s9"])


def test_a3_trial_lasts_thirty_days():
    seat = seats.new_seat(T0)
    assert seat.valid_until == T0 + timedelta(days=30)
    assert seat.is_valid_at(T0 + timedelta(days=29, hours=23))
    assert not seat.is_valid_at(T0 + timedelta(days=30))


@pytest.mark.parametrize(
    ("paid_at", "months", "expected"),
    [
        # During the trial (it ends Mar 2): the paid month starts when the trial ends.
        (T0 + timedelta(days=5), 1, datetime(2025, 4, 2, 10, 0, tzinfo=UTC)),
        # Lapsed: the paid period starts at payment.
        (datetime(2025, 6, 15, tzinfo=UTC), 2, datetime(2025, 8, 15, tzinfo=UTC)),
    ],
)
def test_a3_payment_extends_from_the_later_of_now_and_seat_end(paid_at, months, expected):
    assert seats.new_seat(T0).pay(months, paid_at).paid_until == expected


def test_a3_paying_twice_stacks():
    once = seats.new_seat(T0).pay(1, T0)
    twice = once.pay(1, T0)
    assert twice.paid_until == seats.add_months(once.paid_until, 1)
    assert twice.valid_until == twice.paid_until


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2025, 1, 31, tzinfo=UTC), 1, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2025, 11, 15, tzinfo=UTC), 3, datetime(2026, 2, 15, tzinfo=UTC)),
        (datetime(2025, 5, 1, tzinfo=UTC), 12, datetime(2026, 5, 1, tzinfo=UTC)),
    ],
)
def test_a3_calendar_months(start, months, expected):
    assert seats.add_months(start, months) == expected


@pytest.mark.parametrize("months", [0, -1, 37])
def test_a3_months_out_of_range_are_refused(months):
    with pytest.raises(InvalidInput) as err:
        seats.new_seat(T0).pay(months, T0)
    assert err.value.fields == {"months": "validation.invalid"}


@pytest.mark.parametrize(
    ("used", "revoked", "expires", "state"),
    [
        (None, None, T0 + timedelta(days=1), sessions.USABLE),
        (T0, None, T0 + timedelta(days=1), sessions.REUSED),
        (T0, T0, T0 + timedelta(days=1), sessions.INVALID),
        (None, T0, T0 + timedelta(days=1), sessions.INVALID),
        (None, None, T0, sessions.INVALID),
    ],
)
def test_a2_refresh_token_states(used, revoked, expires, state):
    assert sessions.refresh_state(used_at=used, revoked_at=revoked, expires_at=expires, now=T0) == state


def test_a2_refresh_tokens_are_random_and_stored_hashed():
    a, b = sessions.new_refresh_token(), sessions.new_refresh_token()
    assert a != b and len(a) >= 43
    assert sessions.hash_refresh_token(a) != a and len(sessions.hash_refresh_token(a)) == 64
