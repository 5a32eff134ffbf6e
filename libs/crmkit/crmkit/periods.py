"""Report periods in the merchant's calendar (China time, no daylight saving): the inclusive days
a statistics or report request asks for."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crmkit.errors import InvalidInput

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 30
MAX_DAYS = 366


def _parse(value: str, field: str, fields: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fields[field] = "validation.invalid_date"
        return None


def report_period(date_from: str, date_to: str, now: datetime, *, code: str) -> tuple[date, date]:
    """YYYY-MM-DD strings -> inclusive China days: the end defaults to today, the start to 30 days
    before the end; at most 366 days. InvalidInput (`code`) naming date_from / date_to."""
    fields: dict[str, str] = {}
    start, end = _parse(date_from, "date_from", fields), _parse(date_to, "date_to", fields)
    end = end or now.astimezone(CHINA).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if not fields and (end < start or (end - start).days >= MAX_DAYS):
        fields["date_to"] = "validation.invalid"
    if fields:
        raise InvalidInput(code, "error.invalid_input", fields=fields)
    return start, end
