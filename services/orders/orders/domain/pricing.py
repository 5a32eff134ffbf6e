"""Price tracking (B2, B3): the four prices a customer may be charged and which one is the default.

The default is the last price this customer paid for the product (what they expect to pay
again), else the price agreed for this customer, else the price of their member level, else the
wholesale price. A salesperson may pick any of those that exists; typing another price needs the
"change_price" switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.errors import InvalidInput, PermissionDenied
from orders.domain.money import is_valid_price
from orders.errors import ErrorCode

LAST = "last"
CUSTOMER = "customer"
LEVEL = "level"
WHOLESALE = "wholesale"
MANUAL = "manual"
# Order of preference of the default.
TRACKING_ORDER = (LAST, CUSTOMER, LEVEL, WHOLESALE)
SOURCES = (*TRACKING_ORDER, MANUAL)
CHANGE_PRICE = "change_price"


@dataclass(frozen=True)
class PriceOptions:
    """The prices of one product for one customer; None where there is no such price."""

    wholesale: int
    last: int | None = None
    customer: int | None = None
    level: int | None = None

    def price_of(self, source: str) -> int | None:
        return {LAST: self.last, CUSTOMER: self.customer, LEVEL: self.level, WHOLESALE: self.wholesale}.get(source)

    def default(self) -> tuple[str, int]:
        for source in TRACKING_ORDER:
            price = self.price_of(source)
            if price is not None:
                return source, price
        raise AssertionError("the wholesale price always exists")


def level_price(level_prices: dict[str, int], level: str) -> int | None:
    """A customer without a level has no level price (an empty key never matches)."""
    return level_prices.get(level) if level else None


@dataclass(frozen=True)
class ChosenPrice:
    source: str
    unit_price_fen: int


def choose_price(options: PriceOptions, source: str | None, manual_price_fen: int | None, *, field: str) -> ChosenPrice:
    """The price of one line. `source` None takes the default; `field` is the line's prefix in
    error fields (`lines.0`). The change_price switch is checked by `require_price_change` first."""
    if source is None:
        return ChosenPrice(*options.default())
    if source == MANUAL:
        if manual_price_fen is None or not is_valid_price(manual_price_fen):
            raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={f"{field}.price": "validation.invalid"})
        return ChosenPrice(MANUAL, manual_price_fen)
    price = options.price_of(source)
    if price is None:
        raise InvalidInput(
            ErrorCode.ORDER_INPUT_INVALID,
            fields={f"{field}.price_source": "validation.invalid_choice"},
        )
    return ChosenPrice(source, price)


def require_price_change(sources: list[str | None], permissions: frozenset[str]) -> None:
    """Typing a price is a privilege of staff with the switch, checked before anything is read."""
    if MANUAL in sources and CHANGE_PRICE not in permissions:
        raise PermissionDenied(ErrorCode.PRICE_CHANGE_NOT_ALLOWED)
