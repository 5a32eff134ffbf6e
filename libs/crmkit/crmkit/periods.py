"""The merchant's calendar (China time): its zone, the China day of a timestamp column in SQL, and
the inclusive days a statistics or report request asks for."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, literal_column

from crmkit.errors import InvalidInput

# Mainland China keeps UTC+8 all year (no daylight saving since 1991): a fixed offset is exact and
# needs no time zone database in the image.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
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


def china_day_sql(column, dialect: str):
    """The China calendar day (YYYY-MM-DD) of a UTC timestamp column, computed by the database,
    to GROUP BY in reports."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    # SQLite (embedded mode) stores naive UTC text: add the fixed +8 hours (China has no DST).
    return func.strftime("%Y-%m-%d", column, literal_column("'+8 hours'"))
