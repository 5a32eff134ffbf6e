"""Money arithmetic in integer fen: one home for amounts, so no float ever touches a price."""

from __future__ import annotations

from collections.abc import Iterable

# The gateway refuses the same values first (crmkit.limits, one value each).
from crmkit.limits import MAX_FEN, MAX_QUANTITY


def is_valid_price(fen: int) -> bool:
    return isinstance(fen, int) and not isinstance(fen, bool) and 0 <= fen <= MAX_FEN


def line_amount(unit_price_fen: int, quantity: int) -> int:
    """Unit price × quantity, exact. Callers have validated both (price ≥ 0, quantity > 0)."""
    if not is_valid_price(unit_price_fen):
        raise ValueError(f"unit price out of range: {unit_price_fen!r}")
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise ValueError(f"quantity out of range: {quantity!r}")
    return unit_price_fen * quantity


def total(amounts: Iterable[int]) -> int:
    return sum(amounts, 0)


def yuan(fen: int) -> str:
    """Fen as a yuan amount for people to read, e.g. 123456 -> "1234.56", -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
