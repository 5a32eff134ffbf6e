"""Settling a return's refund (B3): against what the customer owes, oldest order first, or paid
back in money."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REDUCE_DEBT = "reduce_debt"
PAID_BACK = "paid_back"
METHODS = (REDUCE_DEBT, PAID_BACK)


@dataclass(frozen=True)
class Debt:
    order_id: str
    debt_fen: int


@dataclass(frozen=True)
class Settlement:
    # (order id, fen taken off its debt), in the order they were reduced.
    reductions: tuple[tuple[str, int], ...]
    paid_back_fen: int

    @property
    def debt_reduced_fen(self) -> int:
        return sum(amount for _, amount in self.reductions)


def settle_refund(refund_fen: int, method: str, debts_oldest_first: Sequence[Debt]) -> Settlement:
    """REDUCE_DEBT takes the refund off the oldest debts first, never below zero; what the debts
    cannot absorb is paid back. PAID_BACK pays the whole refund back."""
    if refund_fen < 0:
        raise ValueError("a refund is never negative")
    if method == PAID_BACK:
        return Settlement((), refund_fen)
    if method != REDUCE_DEBT:
        raise ValueError(f"unknown refund method {method!r}")
    left = refund_fen
    reductions = []
    for debt in debts_oldest_first:
        if left == 0:
            break
        taken = min(left, max(debt.debt_fen, 0))
        if taken:
            reductions.append((debt.order_id, taken))
            left -= taken
    return Settlement(tuple(reductions), left)
