"""Catalogue rules (B1): what a category and a product may look like."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from crmkit.errors import InvalidInput
from orders.domain.money import is_valid_price
from orders.errors import ErrorCode

GOODS = "goods"
KINDS = (GOODS, "reservation", "takeaway", "in_store", "stored_value")
CATEGORY_NAME_MAX = 30
NAME_MAX = 60
BARCODE_MAX = 40
BRAND_MAX = 40
UNIT_MAX = 10
LEVEL_MAX = 20
REASON_MAX = 200


@dataclass(frozen=True)
class ProductInput:
    name: str
    barcode: str = ""
    category_id: str = ""
    brand: str = ""
    unit: str = ""
    wholesale_price_fen: int = 0
    # (level code, price) pairs as sent, so a duplicate level can be named.
    level_prices: tuple[tuple[str, int], ...] = ()
    kind: str = GOODS
    listed: bool = True


@dataclass(frozen=True)
class ProductFields:
    """Checked, normalised editable fields of a product."""

    name: str
    barcode: str | None
    category_id: str | None
    brand: str
    unit: str
    wholesale_price_fen: int
    level_prices: dict[str, int] = field(default_factory=dict)
    kind: str = GOODS
    listed: bool = True


def _invalid(fields: Mapping[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.CATALOGUE_INPUT_INVALID, fields=fields)


def _text(fields: dict[str, str], name: str, value: str, maximum: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        fields[name] = "validation.required"
    elif len(value) > maximum:
        fields[name] = "validation.too_long"
    return value


def check_product(cmd: ProductInput) -> ProductFields:
    fields: dict[str, str] = {}
    name = _text(fields, "name", cmd.name, NAME_MAX, required=True)
    barcode = _text(fields, "barcode", cmd.barcode, BARCODE_MAX)
    if barcode and any(ch.isspace() for ch in barcode):
        fields["barcode"] = "validation.invalid"
    brand = _text(fields, "brand", cmd.brand, BRAND_MAX)
    unit = _text(fields, "unit", cmd.unit, UNIT_MAX)
    if not is_valid_price(cmd.wholesale_price_fen):
        fields["wholesale_price"] = "validation.invalid"
    if cmd.kind not in KINDS:
        fields["kind"] = "validation.invalid_choice"
    levels: dict[str, int] = {}
    for i, (level, price) in enumerate(cmd.level_prices):
        level = level.strip()
        if not level:
            fields[f"level_prices.{i}.level"] = "validation.required"
        elif len(level) > LEVEL_MAX:
            fields[f"level_prices.{i}.level"] = "validation.too_long"
        elif level in levels:
            fields[f"level_prices.{i}.level"] = "validation.invalid"
        if not is_valid_price(price):
            fields[f"level_prices.{i}.price"] = "validation.invalid"
        levels[level] = price
    if fields:
        raise _invalid(fields)
    return ProductFields(
        name=name,
        barcode=barcode or None,
        category_id=cmd.category_id or None,
        brand=brand,
        unit=unit,
        wholesale_price_fen=cmd.wholesale_price_fen,
        level_prices=levels,
        kind=cmd.kind,
        listed=cmd.listed,
    )


def check_category(name: str, parent_is_top_level: bool | None) -> str:
    """`parent_is_top_level` None means no parent. Categories have two levels at most, so a
    parent must itself be top-level."""
    fields: dict[str, str] = {}
    name = _text(fields, "name", name, CATEGORY_NAME_MAX, required=True)
    if parent_is_top_level is False:
        fields["parent_id"] = "validation.invalid"
    if fields:
        raise _invalid(fields)
    return name


def check_stock_take(quantity: int, reason: str) -> str:
    fields: dict[str, str] = {}
    if quantity < 0:
        fields["quantity"] = "validation.invalid"
    reason = _text(fields, "reason", reason, REASON_MAX, required=True)
    if fields:
        raise _invalid(fields)
    return reason


def check_reject_reason(reason: str, code: ErrorCode) -> str:
    fields: dict[str, str] = {}
    reason = _text(fields, "reason", reason, REASON_MAX, required=True)
    if fields:
        raise InvalidInput(code, fields=fields)
    return reason
