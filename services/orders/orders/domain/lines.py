"""Lines of an order or a return (B2, B3): which product, how many, at which price."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crmkit.errors import InvalidInput
from crmkit.limits import MAX_LINES, MAX_QUANTITY
from orders.domain.money import line_amount
from orders.domain.pricing import ChosenPrice, PriceOptions, choose_price
from orders.errors import ErrorCode

NOTE_MAX = 200


@dataclass(frozen=True)
class LineRequest:
    product_id: str
    quantity: int
    price_source: str | None = None  # None: the default by price tracking
    manual_price_fen: int | None = None


@dataclass(frozen=True)
class Orderable:
    """What the rules need to know of a product: whether it may be sold now."""

    id: str
    listed: bool
    archived: bool


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    quantity: int
    price: ChosenPrice

    @property
    def amount_fen(self) -> int:
        return line_amount(self.price.unit_price_fen, self.quantity)


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields=fields)


def check_lines(lines: Sequence[LineRequest], products: Mapping[str, Orderable], note: str = "") -> None:
    """Every problem at once, each named by its field (`lines.2.quantity`), so the form can mark
    them all. Unknown, unlisted and archived products are one error: none may be sold."""
    fields: dict[str, str] = {}
    if not lines:
        fields["lines"] = "validation.required"
    elif len(lines) > MAX_LINES:
        fields["lines"] = "validation.too_long"
    if len(note) > NOTE_MAX:
        fields["note"] = "validation.too_long"
    for i, line in enumerate(lines[:MAX_LINES]):
        product = products.get(line.product_id)
        if not line.product_id:
            fields[f"lines.{i}.product_id"] = "validation.required"
        elif product is None or not product.listed or product.archived:
            fields[f"lines.{i}.product_id"] = "validation.invalid_choice"
        if not 0 < line.quantity <= MAX_QUANTITY:
            fields[f"lines.{i}.quantity"] = "validation.invalid"
    if fields:
        raise _invalid(fields)


def price_lines(lines: Sequence[LineRequest], options: Mapping[str, PriceOptions]) -> list[PricedLine]:
    """Lines already checked by `check_lines`; a chosen source that does not exist is an error."""
    priced = []
    for i, line in enumerate(lines):
        price = choose_price(options[line.product_id], line.price_source, line.manual_price_fen, field=f"lines.{i}")
        priced.append(PricedLine(line.product_id, line.quantity, price))
    return priced


def quantities_by_product(lines: Sequence[tuple[str, int]]) -> dict[str, int]:
    """One stock movement per product even when a product is on several lines."""
    totals: dict[str, int] = {}
    for product_id, quantity in lines:
        totals[product_id] = totals.get(product_id, 0) + quantity
    return totals
