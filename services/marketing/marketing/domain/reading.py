"""Reading time that can be trusted (D2).

The public page counts only the time it is visible and reports it in beats of a few seconds, a
last one sent with `sendBeacon` when the page is hidden or left (WeChat's browser often never
fires `unload`). Each beat carries the view's running totals (visible seconds, link clicks), so
a lost, repeated or reordered beat costs nothing: a stored total only moves forward, by at most
what can have happened since the last beat, and never past the session cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A beat reports at most this much new reading: the page beats every ~5 s, so a larger jump is a
# paused tab, a clock trick or a forged request.
BEAT_MAX_STEP_SECONDS = 60
# One view counts at most this long: an open, forgotten tab must not inflate the averages.
SESSION_CAP_SECONDS = 2 * 60 * 60
# Clicks (links, products, contact taps) move by at most this much a beat.
BEAT_MAX_CLICKS = 20

DEFAULT_QUALIFIED_CLICKS = 2
DEFAULT_QUALIFIED_SECONDS = 30


@dataclass(frozen=True)
class Progress:
    seconds: int
    clicks: int


def advance(
    stored: Progress, *, reported_seconds: int, reported_clicks: int, opened_at: datetime, now: datetime
) -> Progress | None:
    """The view's progress after a beat, or None when the beat is to be ignored (negative, absurd,
    or nothing new). Seconds: the reported running total, moved forward by at most
    BEAT_MAX_STEP_SECONDS and never beyond the wall time since the view opened or the cap.
    Clicks: the reported running total, moved forward by at most BEAT_MAX_CLICKS."""
    if reported_seconds < 0 or reported_clicks < 0:
        return None
    if reported_seconds > SESSION_CAP_SECONDS + BEAT_MAX_STEP_SECONDS:
        return None
    elapsed = max(0, int((now - opened_at).total_seconds()) + 1)
    ceiling = min(stored.seconds + BEAT_MAX_STEP_SECONDS, elapsed, SESSION_CAP_SECONDS)
    seconds = max(stored.seconds, min(reported_seconds, ceiling))
    clicks = max(stored.clicks, min(reported_clicks, stored.clicks + BEAT_MAX_CLICKS))
    if seconds == stored.seconds and clicks == stored.clicks:
        return None
    return Progress(seconds, clicks)


def is_qualified(clicks: int, seconds: int, *, min_clicks: int, min_seconds: int) -> bool:
    """A qualified visitor (有效访客): at least N clicks (openings of shared items) and M seconds of
    visible reading in all, both set by the tenant."""
    return clicks >= min_clicks and seconds >= min_seconds
