"""Report periods in China days (E6 statistics and reports)."""

from datetime import UTC, date, datetime

import pytest

from crmkit.errors import InvalidInput
from crmkit.periods import report_period

# 2026-11-23 17:30 UTC is already 2026-11-24 in China.
NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)


def test_default_is_the_last_30_china_days_ending_today():
    assert report_period("", "", NOW, code="X") == (date(2026, 10, 26), date(2026, 11, 24))


def test_explicit_days_are_kept_and_a_start_alone_ends_today():
    assert report_period("2026-11-01", "2026-11-02", NOW, code="X") == (date(2026, 11, 1), date(2026, 11, 2))
    assert report_period("2026-11-20", "", NOW, code="X") == (date(2026, 11, 20), date(2026, 11, 24))


@pytest.mark.parametrize(
    ("date_from", "date_to", "fields"),
    [
        ("2026-13-01", "", {"date_from": "validation.invalid_date"}),
        ("", "nope", {"date_to": "validation.invalid_date"}),
        ("2026-11-02", "2026-11-01", {"date_to": "validation.invalid"}),
        ("2025-01-01", "2026-01-02", {"date_to": "validation.invalid"}),  # 367 days
    ],
)
def test_bad_periods_name_the_field(date_from, date_to, fields):
    with pytest.raises(InvalidInput) as err:
        report_period(date_from, date_to, NOW, code="REPORT_INVALID")
    assert (err.value.code, err.value.fields) == ("REPORT_INVALID", fields)
