"""B3 refund allocation, B2 document numbers and China-time date ranges."""

from datetime import UTC, datetime

import pytest

from crmkit.errors import InvalidInput
from orders.domain.numbering import china_day, day_range, document_number
from orders.domain.refunds import PAID_BACK, REDUCE_DEBT, Debt, settle_refund


@pytest.mark.parametrize(
    "refund, debts, reductions, paid_back",
    [
        (500, [], (), 500),
        (500, [("o1", 300), ("o2", 400)], (("o1", 300), ("o2", 200)), 0),
        (700, [("o1", 300), ("o2", 400)], (("o1", 300), ("o2", 400)), 0),
        (1000, [("o1", 300), ("o2", 400)], (("o1", 300), ("o2", 400)), 300),
        (100, [("o1", 300), ("o2", 400)], (("o1", 100),), 0),
        (100, [("o1", 0), ("o2", 400)], (("o2", 100),), 0),
        (100, [("o1", -5), ("o2", 400)], (("o2", 100),), 0),  # never pushes a debt below zero
        (0, [("o1", 300)], (), 0),
    ],
)
def test_b3_refund_reduces_oldest_debts_first(refund, debts, reductions, paid_back):
    settlement = settle_refund(refund, REDUCE_DEBT, [Debt(o, d) for o, d in debts])
    assert (settlement.reductions, settlement.paid_back_fen) == (reductions, paid_back)
    assert settlement.debt_reduced_fen + settlement.paid_back_fen == refund


def test_b3_paid_back_ignores_debts():
    settlement = settle_refund(900, PAID_BACK, [Debt("o1", 300)])
    assert (settlement.reductions, settlement.paid_back_fen, settlement.debt_reduced_fen) == ((), 900, 0)


@pytest.mark.parametrize("refund, method", [(-1, REDUCE_DEBT), (1, "cash")])
def test_b3_refund_refuses_nonsense(refund, method):
    with pytest.raises(ValueError):
        settle_refund(refund, method, [])


@pytest.mark.parametrize(
    "now, day",
    [
        (datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC), "20261122"),
        (datetime(2026, 11, 22, 16, 0, 0, tzinfo=UTC), "20261123"),  # midnight in Beijing
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "20270101"),
    ],
)
def test_b2_order_day_is_the_china_calendar_day(now, day):
    assert china_day(now) == day


def test_b2_china_day_refuses_naive_times():
    with pytest.raises(ValueError):
        china_day(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "prefix, seq, number",
    [
        ("XS", 1, "XS20261123-0001"),
        ("XS", 42, "XS20261123-0042"),
        ("TH", 9999, "TH20261123-9999"),
        ("XS", 10000, "XS20261123-10000"),
    ],
)
def test_b2_document_number_format(prefix, seq, number):
    assert document_number(prefix, "20261123", seq) == number


def test_b2_sequence_starts_at_one():
    with pytest.raises(ValueError):
        document_number("XS", "20261123", 0)


def test_b2_date_range_is_inclusive_china_days_in_utc():
    assert day_range("2026-11-23", "2026-11-24") == (
        datetime(2026, 11, 22, 16, tzinfo=UTC),
        datetime(2026, 11, 24, 16, tzinfo=UTC),
    )
    assert day_range("", "") == (None, None)
    assert day_range("2026-11-23", "") == (datetime(2026, 11, 22, 16, tzinfo=UTC), None)


@pytest.mark.parametrize(
    "date_from, date_to, fields",
    [
        ("2026-13-01", "", {"date_from": "validation.invalid_date"}),
        ("20261123", "", {"date_from": "validation.invalid_date"}),
        ("", "2026-02-30", {"date_to": "validation.invalid_date"}),
        ("2026-11-24", "2026-11-23", {"date_to": "validation.invalid"}),
    ],
)
def test_b2_bad_dates_name_the_field(date_from, date_to, fields):
    with pytest.raises(InvalidInput) as err:
        day_range(date_from, date_to)
    assert err.value.fields == fields
