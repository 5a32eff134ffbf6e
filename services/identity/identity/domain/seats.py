"""Seats (A3): every salesperson occupies one. 30 days free from creation, then paid months."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from crmkit.errors import InvalidInput

TRIAL = timedelta(days=30)
MAX_MONTHS_PER_PAYMENT = 36


@dataclass(frozen=True)
class SeatPeriod:
    trial_ends_at: datetime
    paid_until: datetime | None = None

    @property
    def valid_until(self) -> datetime:
        if self.paid_until is None:
            return self.trial_ends_at
        return max(self.trial_ends_at, self.paid_until)

    def is_valid_at(self, now: datetime) -> bool:
        return now < self.valid_until

    def pay(self, months: int, now: datetime) -> SeatPeriod:
        """Paying extends from today if the seat has lapsed, otherwise from its current end, so
        paying early never loses the days already bought (or the rest of the trial)."""
        check_months(months)
        start = max(now, self.valid_until)
        return SeatPeriod(trial_ends_at=self.trial_ends_at, paid_until=add_months(start, months))


def new_seat(created_at: datetime) -> SeatPeriod:
    return SeatPeriod(trial_ends_at=created_at + TRIAL)


def check_months(months: int) -> None:
    if months < 1 or months > MAX_MONTHS_PER_PAYMENT:
        raise InvalidInput(fields={"months": "validation.invalid"})


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, the day clamped to the month's length (Jan 31 + 1 month = Feb 28/29)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
