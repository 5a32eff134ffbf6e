"""Multi-store rules (A4): sub-store applications, who reviews them, which stores a staff member
may switch to, the pinned-first switcher order, the recent-store history and whose figures a
manager may see. Pure: values in, values or a typed error out; `now` is always passed in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from crmkit.errors import Conflict
from identity.domain.roles import OWNER, STORE_MANAGER
from identity.domain.validation import name_problem, phone_problem
from identity.errors import ErrorCode

PENDING = "pending"  # waiting for the head store's review
APPROVED = "approved"  # the sub-store was opened
REJECTED = "rejected"  # refused, with a reason the applicant sees

STATUSES = (PENDING, APPROVED, REJECTED)

ADDRESS_MAX = 200
REASON_MAX = 200
# The mini-program shows the last few stores entered; ten fit one screen.
RECENT_LIMIT = 10


@dataclass(frozen=True)
class Application:
    store_name: str
    contact_name: str
    phone: str
    address: str


def application_problems(app: Application) -> dict[str, str | None]:
    """Every bad field of an application at once (i18n keys)."""
    return {
        "store_name": name_problem(app.store_name),
        "contact_name": name_problem(app.contact_name),
        "phone": phone_problem(app.phone),
        "address": text_problem(app.address, ADDRESS_MAX),
    }


def text_problem(value: str, max_len: int) -> str | None:
    if not value:
        return "validation.required"
    if len(value) > max_len:
        return "validation.too_long"
    return None


def ensure_pending(status: str) -> None:
    """An application is decided once: approving twice would open two stores."""
    if status != PENDING:
        raise Conflict(ErrorCode.APPLICATION_DECIDED, params={"status": status})


def may_review(roles: Iterable[str], store_ids: Iterable[str], head_store_id: str) -> bool:
    """The head store decides which sub-stores join: its owner, or a manager of the head store."""
    roles = set(roles)
    return OWNER in roles or (STORE_MANAGER in roles and head_store_id in set(store_ids))


def switchable_store_ids(
    roles: Iterable[str], own_store_ids: Sequence[str], tenant_store_ids: Sequence[str]
) -> list[str]:
    """The owner may enter every store; anyone else only the stores they were given, which are
    also the stores their token lets other services act in."""
    if OWNER in set(roles):
        return list(tenant_store_ids)
    allowed = set(tenant_store_ids)
    return [s for s in own_store_ids if s in allowed]


def default_store(switchable: Sequence[str], recent: Sequence[str]) -> str | None:
    """Where a new login session starts: the store entered last, if still allowed, else the
    staff member's first (main) store."""
    allowed = set(switchable)
    for store_id in recent:
        if store_id in allowed:
            return store_id
    return switchable[0] if switchable else None


def switcher_order(switchable: Sequence[str], pinned: Sequence[str]) -> list[str]:
    """Pinned stores first in the order given (latest pin first), then the rest as they come."""
    allowed = set(switchable)
    first = [s for s in dict.fromkeys(pinned) if s in allowed]
    return first + [s for s in switchable if s not in set(first)]


def history_after_switch(
    history: Sequence[tuple[str, datetime]], store_id: str, now: datetime
) -> tuple[list[tuple[str, datetime]], list[str]]:
    """(the history newest first with the store entered now at its head and no duplicate,
    the store ids that fell off the end)."""
    entries = [(store_id, now)] + [
        (s, at) for s, at in sorted(history, key=lambda e: e[1], reverse=True) if s != store_id
    ]
    return entries[:RECENT_LIMIT], [s for s, _ in entries[RECENT_LIMIT:]]


def figures_scope(
    roles: Iterable[str], own_store_ids: Iterable[str], head_store_id: str, sub_store_ids: Sequence[str]
) -> list[str] | None:
    """The sub-stores whose figures a caller may see, or None when they may see none.

    The owner and the head store's managers see every sub-store; a sub-store's manager only
    their own stores. Other roles have no business figures screen (it is the 店长数据 view)."""
    roles, own = set(roles), set(own_store_ids)
    if OWNER in roles or (STORE_MANAGER in roles and head_store_id in own):
        return list(sub_store_ids)
    if STORE_MANAGER in roles:
        return [s for s in sub_store_ids if s in own]
    return None


@dataclass
class StoreTotals:
    orders: int = 0
    sales_fen: int = 0
    returns_fen: int = 0

    @property
    def takings_fen(self) -> int:
        return self.sales_fen - self.returns_fen


def totals_by_store(store_ids: Sequence[str], days: Iterable) -> dict[str, StoreTotals]:
    """Sums per-day takings rows (anything with store_id, orders, sales_fen, returns_fen) over
    the period for the given stores; a store without sales shows zeros rather than vanishing."""
    totals = {s: StoreTotals() for s in store_ids}
    for day in days:
        total = totals.get(day.store_id)
        if total is None:
            continue
        total.orders += day.orders
        total.sales_fen += day.sales_fen
        total.returns_fen += day.returns_fen
    return totals


# The orders dashboard (B10) takes at most this many days; refusing here names our own fields.
MAX_FIGURE_DAYS = 92


def period_problems(date_from: str, date_to: str) -> dict[str, str | None]:
    """YYYY-MM-DD days, inclusive, from <= to, at most MAX_FIGURE_DAYS."""
    parsed = {}
    problems: dict[str, str | None] = {}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not value:
            problems[name] = "validation.required"
            continue
        try:
            parsed[name] = date.fromisoformat(value)
        except ValueError:
            problems[name] = "validation.invalid_date"
        if name in parsed and len(value) != 10:
            problems[name] = "validation.invalid_date"
            parsed.pop(name)
    if len(parsed) == 2:
        span = (parsed["date_to"] - parsed["date_from"]).days + 1
        if span < 1:
            problems["date_to"] = "validation.invalid"
        elif span > MAX_FIGURE_DAYS:
            problems["date_to"] = "validation.period_too_long"
    return problems
