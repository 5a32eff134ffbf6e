"""G4: back-off, the offline threshold and the stale rule."""

from datetime import UTC, datetime, timedelta

from printing.domain.queue import backoff, goes_offline, is_stale


def test_g4_retries_back_off_exponentially_up_to_a_minute():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 50)] == [1, 2, 4, 8, 60, 60, 60]


def test_g4_an_online_printer_goes_offline_when_its_failures_in_a_row_reach_the_threshold():
    assert not goes_offline(True, 2, threshold=3)
    assert goes_offline(True, 3, threshold=3)
    assert not goes_offline(False, 4, threshold=3)  # already offline: told once


def test_g4_a_ticket_past_the_stores_age_is_stale():
    created = datetime(2026, 1, 1, tzinfo=UTC)
    assert not is_stale(created, created + timedelta(minutes=30), 30)
    assert is_stale(created, created + timedelta(minutes=30, seconds=1), 30)
