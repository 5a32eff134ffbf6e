"""D2: visible reading time that can be trusted: beats carry running totals; a stored total only
moves forward, by at most a step, never past wall time or the session cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketing.domain import shares
from marketing.domain.reading import (
    BEAT_MAX_CLICKS,
    BEAT_MAX_STEP_SECONDS,
    SESSION_CAP_SECONDS,
    Progress,
    advance,
    is_qualified,
)

OPENED = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def beat(stored, seconds, *, clicks=0, after=None):
    now = OPENED + timedelta(seconds=seconds + 1 if after is None else after)
    return advance(stored, reported_seconds=seconds, reported_clicks=clicks, opened_at=OPENED, now=now)


def test_d2_a_beat_moves_the_total_to_the_reported_running_total():
    assert beat(Progress(0, 0), 5) == Progress(5, 0)
    assert beat(Progress(5, 0), 10, clicks=1) == Progress(10, 1)


def test_d2_clicks_are_a_running_total_so_a_beat_applied_twice_counts_once():
    once = beat(Progress(5, 1), 10, clicks=3)
    assert once == Progress(10, 3)
    assert beat(once, 10, clicks=3) is None  # the same beat again (a redelivery)
    assert beat(Progress(10, 3), 10, clicks=2) is None  # an older beat arriving late
    assert beat(Progress(10, 0), 15, clicks=10_000) == Progress(15, BEAT_MAX_CLICKS)


def test_d2_negative_absurd_and_repeated_beats_are_dropped():
    assert beat(Progress(5, 0), -3) is None
    assert beat(Progress(5, 0), SESSION_CAP_SECONDS * 10) is None
    assert beat(Progress(5, 0), 5) is None  # a repeat changes nothing
    assert beat(Progress(10, 0), 4) is None  # an older beat arriving late
    assert beat(Progress(0, 0), 5, clicks=-1) is None


def test_d2_a_jump_is_cut_to_one_step_and_to_the_time_since_opening():
    assert beat(Progress(0, 0), 600, after=3600) == Progress(BEAT_MAX_STEP_SECONDS, 0)
    # 50 s claimed 10 s after opening: at most the wall time (a forged or clock-skewed beat).
    assert beat(Progress(0, 0), 50, after=10) == Progress(11, 0)


def test_d2_a_session_is_capped():
    near = Progress(SESSION_CAP_SECONDS - 5, 0)
    assert beat(near, SESSION_CAP_SECONDS + 30, after=SESSION_CAP_SECONDS * 2) == Progress(SESSION_CAP_SECONDS, 0)
    assert beat(Progress(SESSION_CAP_SECONDS, 0), SESSION_CAP_SECONDS + 10, after=SESSION_CAP_SECONDS * 2) is None


def test_d2_a_qualified_visitor_needs_both_clicks_and_seconds():
    assert is_qualified(2, 30, min_clicks=2, min_seconds=30)
    assert not is_qualified(1, 300, min_clicks=2, min_seconds=30)
    assert not is_qualified(5, 29, min_clicks=2, min_seconds=30)


def test_d2_share_tokens_are_unguessable_and_checked_for_shape():
    tokens = {shares.new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(shares.token_well_formed(t) for t in tokens)
    assert not shares.token_well_formed("short")
    assert not shares.token_well_formed(next(iter(tokens)) + "x")
    assert not shares.token_well_formed("../../etc/passwd////////")
