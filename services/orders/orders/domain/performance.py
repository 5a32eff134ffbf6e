"""Performance figures (B9-B11) as merchants read them: China-time months and days, targets,
completion in basis points. Pure; the clock is passed in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.limits import MAX_FEN
from orders.domain.numbering import CHINA
from orders.domain.scope import scope_for
from orders.errors import ErrorCode

MANAGER_ROLES = ("owner", "store_manager")
MAX_DASHBOARD_DAYS = 92  # a quarter: one query, one screen
DEFAULT_RANKING_LIMIT = 20
MAX_RANKING_LIMIT = 100
ORDER = "order"
RETURN = "return"

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def invalid_field(field: str, key: str) -> InvalidInput:
    return InvalidInput(ErrorCode.PERFORMANCE_INPUT_INVALID, fields={field: key})


def china_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; times are aware UTC")
    return moment.astimezone(CHINA)


def month_of(moment: datetime) -> str:
    """`YYYY-MM` of the China month an approval falls in (23:30 UTC on the 31st is next month)."""
    return china_time(moment).strftime("%Y-%m")


def day_of(moment: datetime) -> str:
    return china_time(moment).strftime("%Y-%m-%d")


def parse_month(text: str, now: datetime, field: str = "month") -> str:
    """A `YYYY-MM` month; empty means the current China month."""
    if not text:
        return month_of(now)
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise invalid_field(field, "validation.invalid_date")
    return text


def _parse_day(text: str, field: str) -> date:
    if not text:
        raise invalid_field(field, "validation.required")
    try:
        # Exactly YYYY-MM-DD: fromisoformat alone would also take 20261123 or week dates.
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise invalid_field(field, "validation.invalid_date") from None


def day_span(date_from: str, date_to: str) -> tuple[list[str], datetime, datetime]:
    """Inclusive China days (at most MAX_DASHBOARD_DAYS) and the half-open UTC range they cover."""
    start, end = _parse_day(date_from, "date_from"), _parse_day(date_to, "date_to")
    if end < start or (end - start).days + 1 > MAX_DASHBOARD_DAYS:
        raise invalid_field("date_to", "validation.invalid")
    days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    return days, _utc(start), _utc(end + timedelta(days=1))


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, CHINA).astimezone(UTC)


def check_target_amount(fen: int) -> int:
    if not 0 <= fen <= MAX_FEN:
        raise invalid_field("amount_fen", "validation.invalid")
    return fen


def ranking_limit(limit: int) -> int:
    if limit == 0:
        return DEFAULT_RANKING_LIMIT
    if not 1 <= limit <= MAX_RANKING_LIMIT:
        raise invalid_field("limit", "validation.invalid")
    return limit


def completion_bp(net_fen: int, target_fen: int) -> int:
    """net / target in basis points, rounded down (a target is met only when it is met); 0
    without a target. Negative when returns exceed sales; capped to stay inside int32."""
    if target_fen <= 0:
        return 0
    return max(min((net_fen * 10_000) // target_fen, 2**31 - 1), -(2**31))


def is_manager(actor) -> bool:
    return actor.staff_id is not None and actor.has_role(*MANAGER_ROLES)


def require_manager(actor) -> str:
    if not is_manager(actor):
        raise PermissionDenied(ErrorCode.PERFORMANCE_DENIED)
    return actor.staff_id


def require_staff(actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.PERFORMANCE_DENIED)
    return actor.staff_id


def whose(actor, staff_id: str) -> str:
    """The salesperson a figure is about: the caller, or anyone when a manager names them."""
    me = require_staff(actor)
    if not staff_id or staff_id == me:
        return me
    require_manager(actor)
    return staff_id


def visible_stores(actor, store_id: str) -> tuple[str, ...] | None:
    """Stores a dashboard may show: None = every store (the owner or the see-all switch, no
    filter). A store manager sees the stores of their scope: the current store, else all theirs
    (A4); naming another one is refused rather than silently empty. A service (identity
    composing the head store's view of its sub-stores, A4) acts for the whole tenant named in its
    call; which stores a person may see was decided by the caller."""
    if actor.is_service:
        return (store_id,) if store_id else None
    require_manager(actor)
    scope = scope_for(actor)
    if scope.sees_all:
        return (store_id,) if store_id else None
    if store_id:
        if store_id not in scope.store_ids:
            raise PermissionDenied(ErrorCode.STORE_ACCESS_DENIED)
        return (store_id,)
    return tuple(sorted(scope.store_ids))


def figure_stores(actor, staff_id: str) -> tuple[str, ...] | None:
    """Whose sales a salesperson's figures count: all of their own (None); a store manager
    reading a colleague's, only those made in the manager's stores (A1 A4 scope)."""
    if staff_id == actor.staff_id:
        return None
    scope = scope_for(actor)
    return None if scope.sees_all else tuple(sorted(scope.store_ids))
