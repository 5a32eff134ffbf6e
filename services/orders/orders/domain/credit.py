"""Credit control (B2): a customer's credit limit and overdue debt, shown while an order is
taken and enforced on submission as the tenant chooses (off, warn, block). No I/O, `now` given.

Exposure counts what the customer owes on approved orders plus the totals of orders still
waiting for approval: those become debt as soon as the back office approves them, and counting
them stops a salesperson from splitting one large order into several small ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crmkit.errors import Conflict, InvalidInput
from orders.domain.money import yuan
from orders.domain.numbering import CHINA
from orders.errors import ErrorCode

OFF, WARN, BLOCK = "off", "warn", "block"
CONTROL_MODES = (OFF, WARN, BLOCK)
OVER_LIMIT, OVERDUE = "over_limit", "overdue"
MAX_LIMIT_FEN = 10**12  # ten billion yuan: beyond any wholesale customer, below int64


@dataclass(frozen=True)
class OpenDebt:
    """One approved order's unpaid debt and when it falls due (None without a term)."""

    debt_fen: int
    due: datetime | None


@dataclass(frozen=True)
class CreditPosition:
    limit_fen: int | None  # None: no limit set
    debt_fen: int  # unpaid debt of approved orders
    pending_fen: int  # totals of orders waiting for approval
    overdue_fen: int  # the part of debt_fen past its due day

    @property
    def exposure_fen(self) -> int:
        return self.debt_fen + self.pending_fen

    @property
    def available_fen(self) -> int | None:
        """What may still be ordered before the limit; negative once over it."""
        return None if self.limit_fen is None else self.limit_fen - self.exposure_fen


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Overdue from the day after the due day, by China calendar day as merchants count."""
    return due is not None and now.astimezone(CHINA).date() > due.astimezone(CHINA).date()


def position(limit_fen: int | None, debts: Iterable[OpenDebt], pending_fen: int, now: datetime) -> CreditPosition:
    debts = list(debts)
    return CreditPosition(
        limit_fen=limit_fen,
        debt_fen=sum(d.debt_fen for d in debts),
        pending_fen=pending_fen,
        overdue_fen=sum(d.debt_fen for d in debts if is_overdue(d.due, now)),
    )


def warnings_for(pos: CreditPosition, order_total_fen: int) -> tuple[str, ...]:
    found = []
    if pos.limit_fen is not None and pos.exposure_fen + order_total_fen > pos.limit_fen:
        found.append(OVER_LIMIT)
    if pos.overdue_fen > 0:
        found.append(OVERDUE)
    return tuple(found)


def check_order(mode: str, pos: CreditPosition, order_total_fen: int) -> tuple[str, ...]:
    """The warnings the order carries; raises Conflict instead when the tenant blocks."""
    if mode == OFF:
        return ()
    found = warnings_for(pos, order_total_fen)
    if found and mode == BLOCK:
        raise Conflict(
            ErrorCode.CREDIT_BLOCKED,
            params={
                "reasons": ",".join(found),
                "limit": yuan(pos.limit_fen) if pos.limit_fen is not None else "-",
                "owing": yuan(pos.exposure_fen),
                "order_total": yuan(order_total_fen),
                "overdue": yuan(pos.overdue_fen),
            },
        )
    return found


def check_mode(mode: str) -> str:
    if mode not in CONTROL_MODES:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"credit_control": "validation.invalid_choice"})
    return mode


def check_limit(limit_fen: int | None) -> int | None:
    if limit_fen is not None and not 0 <= limit_fen <= MAX_LIMIT_FEN:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"credit_limit_fen": "validation.invalid"})
    return limit_fen
