"""Tenant-defined tags (C12): a short name and an optional colour."""

from __future__ import annotations

import re

from crmkit.errors import InvalidInput
from customers.errors import ErrorCode

TAG_NAME_MAX = 20
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# One bulk request touches at most this many customers (a page of a list, or a selection).
BULK_MAX = 500


def clean_tag(name: str, colour: str) -> tuple[str, str]:
    """Trimmed name and upper-case colour; every problem at once."""
    name, colour = name.strip(), colour.strip()
    errors = {}
    if not name:
        errors["name"] = "validation.required"
    elif len(name) > TAG_NAME_MAX:
        errors["name"] = "validation.too_long"
    if colour and not COLOUR.fullmatch(colour):
        errors["colour"] = "validation.invalid"
    if errors:
        raise InvalidInput(ErrorCode.TAG_INPUT_INVALID, fields=errors)
    return name, colour.upper()


def bulk_ids(tag_ids, customer_ids) -> tuple[list[str], list[str]]:
    """Distinct ids in the order given; both lists required, customers capped."""
    tags = list(dict.fromkeys(t.strip() for t in tag_ids if t.strip()))
    customers = list(dict.fromkeys(c.strip() for c in customer_ids if c.strip()))
    errors = {}
    if not tags:
        errors["tag_ids"] = "validation.required"
    elif len(tags) > 50:
        errors["tag_ids"] = "validation.too_long"
    if not customers:
        errors["customer_ids"] = "validation.required"
    elif len(customers) > BULK_MAX:
        errors["customer_ids"] = "validation.too_long"
    if errors:
        raise InvalidInput(ErrorCode.TAG_INPUT_INVALID, fields=errors)
    return tags, customers
