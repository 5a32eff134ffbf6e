"""Coupon templates (E1): what a coupon is worth, how long it lives and where it may be used."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from coupons.errors import ErrorCode
from crmkit.errors import InvalidInput
from crmkit.limits import MAX_FEN

CASH = "cash"
PICKUP = "pickup"
DISCOUNT = "discount"
KINDS = (CASH, PICKUP, DISCOUNT)
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_NAME = 40
# A restriction list longer than this is a mistake (a whole catalogue is "no restriction").
MAX_IDS = 500
MAX_QUANTITY = 10_000_000
MAX_VALID_DAYS = 3660


@dataclass(frozen=True)
class TemplateInput:
    name: str
    kind: str
    colour: str = "#E64A19"
    value_fen: int = 0
    percent_off: int = 0
    pickup_product_ids: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int = 0
    min_spend_fen: int = 0
    per_order_limit: int = 1
    product_ids: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()
    store_ids: tuple[str, ...] = ()
    convertible_to_stored_value: bool = False
    conversion_fen: int = 0
    total_quantity: int = 0
    per_person_limit: int = 1
    remind_days_before: int = 0


def _ids(values, field: str, fields: dict) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(cleaned) > MAX_IDS or any(len(v) > 36 for v in cleaned):
        fields[field] = "validation.invalid"
    return cleaned


def validate_template(t: TemplateInput) -> TemplateInput:
    """The template as stored, or InvalidInput naming every bad field (request field names)."""
    fields: dict[str, str] = {}
    name = t.name.strip()
    if not name:
        fields["name"] = "validation.required"
    elif len(name) > MAX_NAME:
        fields["name"] = "validation.too_long"
    if t.kind not in KINDS:
        fields["kind"] = "validation.invalid_choice"
    colour = t.colour.strip() or TemplateInput.colour
    if not COLOUR.match(colour):
        fields["colour"] = "validation.invalid"
    if t.kind == CASH and not 0 < t.value_fen <= MAX_FEN:
        fields["value"] = "validation.invalid"
    if t.kind == DISCOUNT and not 1 <= t.percent_off <= 99:
        fields["percent_off"] = "validation.invalid"
    pickup = _ids(t.pickup_product_ids, "pickup_product_ids", fields)
    if t.kind == PICKUP and not pickup and "pickup_product_ids" not in fields:
        fields["pickup_product_ids"] = "validation.required"
    # Validity: exactly one of fixed dates or N days after receipt.
    fixed = t.valid_from is not None or t.valid_until is not None
    if fixed and t.valid_days:
        fields["valid_days"] = "validation.invalid"
    elif fixed:
        if t.valid_from is None:
            fields["valid_from"] = "validation.required"
        if t.valid_until is None:
            fields["valid_until"] = "validation.required"
        if t.valid_from and t.valid_until and t.valid_until <= t.valid_from:
            fields["valid_until"] = "validation.invalid_date"
    elif not 0 < t.valid_days <= MAX_VALID_DAYS:
        fields["valid_days"] = "validation.required" if t.valid_days == 0 else "validation.invalid"
    if not 0 <= t.min_spend_fen <= MAX_FEN:
        fields["min_spend"] = "validation.invalid"
    per_order = t.per_order_limit or 1
    if not 1 <= per_order <= 100:
        fields["per_order_limit"] = "validation.invalid"
    products = _ids(t.product_ids, "product_ids", fields)
    categories = _ids(t.category_ids, "category_ids", fields)
    stores = _ids(t.store_ids, "store_ids", fields)
    if t.convertible_to_stored_value and not 0 < t.conversion_fen <= MAX_FEN:
        fields["conversion_value"] = "validation.invalid"
    if not t.convertible_to_stored_value and t.conversion_fen:
        fields["conversion_value"] = "validation.invalid"
    if not 0 <= t.total_quantity <= MAX_QUANTITY:
        fields["total_quantity"] = "validation.invalid"
    per_person = t.per_person_limit or 1
    if not 1 <= per_person <= 1000:
        fields["per_person_limit"] = "validation.invalid"
    if not 0 <= t.remind_days_before <= 365:
        fields["remind_days_before"] = "validation.invalid"
    if fields:
        raise InvalidInput(ErrorCode.COUPON_TEMPLATE_INVALID, fields=fields)
    return replace(
        t,
        name=name,
        colour=colour.upper(),
        value_fen=t.value_fen if t.kind == CASH else 0,
        percent_off=t.percent_off if t.kind == DISCOUNT else 0,
        pickup_product_ids=pickup if t.kind == PICKUP else (),
        per_order_limit=per_order,
        product_ids=products,
        category_ids=categories,
        store_ids=stores,
        per_person_limit=per_person,
    )


def validity_for(t: TemplateInput, issued_at: datetime) -> tuple[datetime, datetime]:
    """When one coupon of this template may be used: the fixed dates, or from receipt for N days."""
    if t.valid_days:
        return issued_at, issued_at + timedelta(days=t.valid_days)
    assert t.valid_from is not None and t.valid_until is not None
    return t.valid_from, t.valid_until
