"""Document numbers and dates as merchants read them: China time (UTC+8, no daylight saving)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from crmkit.errors import InvalidInput
from crmkit.periods import CHINA
from orders.errors import ErrorCode

ORDER_PREFIX = "XS"  # 销售 (sale)
RETURN_PREFIX = "TH"  # 退货 (return)
STOREFRONT_PREFIX = "SF"  # the merchant's storefront orders (B6)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def china_day(now: datetime) -> str:
    """YYYYMMDD of the China calendar day `now` (aware) falls on."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given; times are aware UTC")
    return now.astimezone(CHINA).strftime("%Y%m%d")


def document_number(prefix: str, day: str, seq: int) -> str:
    """`XS20261123-0001`: four digits at least; a 10,000th order of a day just gets a fifth."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{prefix}{day}-{seq:04d}"


def _parse(text: str, field: str) -> date:
    try:
        # Exactly YYYY-MM-DD: fromisoformat alone would also take 20261123 or week dates.
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(ErrorCode.LIST_INPUT_INVALID, fields={field: "validation.invalid_date"}) from None


def day_range(date_from: str, date_to: str) -> tuple[datetime | None, datetime | None]:
    """Inclusive China-time days as a half-open UTC range [start, end); empty means open-ended."""
    start = _parse(date_from, "date_from") if date_from else None
    end = _parse(date_to, "date_to") if date_to else None
    if start and end and end < start:
        raise InvalidInput(ErrorCode.LIST_INPUT_INVALID, fields={"date_to": "validation.invalid"})

    def utc(day: date) -> datetime:
        return datetime.combine(day, time.min, CHINA).astimezone(UTC)

    return (utc(start) if start else None, utc(end + timedelta(days=1)) if end else None)
