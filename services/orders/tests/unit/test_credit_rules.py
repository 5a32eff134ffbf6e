"""B2 credit control rules: exposure, overdue by China calendar day, warn/block/off."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.errors import Conflict, InvalidInput
from orders.domain import credit
from orders.domain.money import yuan

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in China


def test_b2_overdue_from_the_day_after_the_due_day_in_china():
    due = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 23:30 on the 20th in China
    assert not credit.is_overdue(due, datetime(2026, 11, 20, 15, 59, tzinfo=UTC))
    assert credit.is_overdue(due, datetime(2026, 11, 20, 16, 0, tzinfo=UTC))  # 00:00 on the 21st
    assert not credit.is_overdue(None, NOW)


def test_b2_position_sums_debt_pending_and_overdue():
    debts = [credit.OpenDebt(700, NOW - timedelta(days=2)), credit.OpenDebt(300, NOW + timedelta(days=5))]
    pos = credit.position(2000, debts, 400, NOW)
    assert (pos.debt_fen, pos.pending_fen, pos.overdue_fen, pos.exposure_fen, pos.available_fen) == (
        1000,
        400,
        700,
        1400,
        600,
    )
    assert credit.position(None, debts, 0, NOW).available_fen is None
    assert credit.position(500, debts, 0, NOW).available_fen == -500


def test_b2_warnings_name_each_reason():
    clean = credit.position(1000, [], 0, NOW)
    assert credit.warnings_for(clean, 1000) == ()
    assert credit.warnings_for(clean, 1001) == (credit.OVER_LIMIT,)
    late = credit.position(None, [credit.OpenDebt(1, NOW - timedelta(days=3))], 0, NOW)
    assert credit.warnings_for(late, 0) == (credit.OVERDUE,)


def test_b2_modes():
    over = credit.position(100, [], 0, NOW)
    assert credit.check_order(credit.OFF, over, 500) == ()
    assert credit.check_order(credit.WARN, over, 500) == (credit.OVER_LIMIT,)
    with pytest.raises(Conflict) as refused:
        credit.check_order(credit.BLOCK, over, 500)
    assert refused.value.params == {
        "reasons": "over_limit",
        "limit": "1.00",
        "owing": "0.00",
        "order_total": "5.00",
        "overdue": "0.00",
    }
    assert credit.check_order(credit.BLOCK, over, 100) == ()


def test_b2_bad_settings_name_their_field():
    with pytest.raises(InvalidInput) as bad:
        credit.check_mode("maybe")
    assert bad.value.fields == {"credit_control": "validation.invalid_choice"}
    with pytest.raises(InvalidInput):
        credit.check_limit(credit.MAX_LIMIT_FEN + 1)
    assert credit.check_limit(None) is None and credit.check_limit(0) == 0


@given(
    limit=st.integers(0, 10**9), debt=st.integers(0, 10**9), pending=st.integers(0, 10**9), order=st.integers(0, 10**9)
)
def test_b2_over_limit_exactly_when_the_order_would_pass_the_limit(limit, debt, pending, order):
    pos = credit.position(limit, [credit.OpenDebt(debt, None)], pending, NOW)
    assert (credit.OVER_LIMIT in credit.warnings_for(pos, order)) == (debt + pending + order > limit)


@given(st.integers(-(10**12), 10**12))
def test_b2_yuan_reads_back_as_the_same_fen(fen):
    text = yuan(fen)
    whole, cents = text.lstrip("-").split(".")
    assert (-1 if text.startswith("-") else 1) * (int(whole) * 100 + int(cents)) == fen
