"""G4: the print queue's timing rules.

- A failed attempt is retried after 1, 2, 4 ... seconds, at most a minute apart: a printer that
  comes back is used again within a minute, and a printer that is off all night is not hammered.
- A printer that fails OFFLINE_AFTER times in a row is marked offline (the merchant is told once);
  one printed job brings it back.
- A job older than the store's limit when its turn comes is not printed by itself (state stale):
  after an outage nobody wants every lost ticket at once; the merchant reprints what still matters.
- A job whose failure cannot be cured by waiting (the cloud refused the printer or the content)
  is failed at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

QUEUED = "queued"
PRINTING = "printing"  # being sent, or sent to a cloud printer and not yet confirmed printed
PRINTED = "printed"
FAILED = "failed"
STALE = "stale"
STATES = (QUEUED, PRINTING, PRINTED, FAILED, STALE)
OPEN = (QUEUED, PRINTING)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
OFFLINE_AFTER = 3
STALE_AFTER_MINUTES = 30
STALE_AFTER_MAX_MINUTES = 24 * 60
# How long a claimed job may stay "being sent" before another worker takes it back.
LEASE_SECONDS = 60
# A cloud job sent but not yet printed: asked again after this (then with the back-off).
CONFIRM_SECONDS = 2.0


def backoff(attempts: int, *, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_MAX_SECONDS) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1 -> base, 2 -> 2*base ...)."""
    exponent = max(attempts - 1, 0)
    return timedelta(seconds=min(base * (2 ** min(exponent, 30)), cap))


def is_stale(created_at: datetime, now: datetime, stale_after_minutes: int) -> bool:
    return now - created_at > timedelta(minutes=stale_after_minutes)


def goes_offline(online: bool, consecutive_failures: int, *, threshold: int = OFFLINE_AFTER) -> bool:
    """An online printer whose failures in a row reached the threshold: marked offline now, and
    the merchant told once (an offline printer failing again tells nobody again)."""
    return online and consecutive_failures >= threshold
