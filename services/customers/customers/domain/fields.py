"""Tenant-configured customer fields (C1): what a definition may look like, and whether the
values sent for a customer satisfy the tenant's definitions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from crmkit.errors import InvalidInput
from customers.errors import ErrorCode

TEXT = "text"
NUMBER = "number"
DATE = "date"  # ISO calendar date, YYYY-MM-DD
CHOICE = "choice"  # one of the definition's options
KINDS = (TEXT, NUMBER, DATE, CHOICE)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 30
OPTIONS_MAX = 50
OPTION_MAX_LENGTH = 50
TEXT_VALUE_MAX = 500
# Plain decimals only: "1e9", "NaN" or "inf" are numbers to Python but not to a merchant.
NUMBER_PATTERN = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
# date.fromisoformat also takes "20240101" and week dates since 3.11; the form is pinned first.
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    label: str
    kind: str
    required: bool = False
    options: tuple[str, ...] = ()
    position: int = 0


def define_field(
    *, key: str, label: str, kind: str, required: bool, options: Iterable[str], position: int
) -> FieldDefinition:
    """A checked definition, or InvalidInput naming every bad part as `field.<attr>`."""
    label = label.strip()
    options = tuple(o.strip() for o in options)
    errors: dict[str, str] = {}
    if not key:
        errors["field.key"] = "validation.required"
    elif not KEY_PATTERN.fullmatch(key):
        errors["field.key"] = "validation.invalid"
    if not label:
        errors["field.label"] = "validation.required"
    elif len(label) > LABEL_MAX:
        errors["field.label"] = "validation.too_long"
    if not kind:
        errors["field.kind"] = "validation.required"
    elif kind not in KINDS:
        errors["field.kind"] = "validation.invalid"
    if position < 0:
        errors["field.position"] = "validation.invalid"
    options_error = _options_error(kind, options)
    if options_error:
        errors["field.options"] = options_error
    if errors:
        raise InvalidInput(ErrorCode.FIELD_DEFINITION_INVALID, fields=errors)
    return FieldDefinition(key, label, kind, required, options if kind == CHOICE else (), position)


def _options_error(kind: str, options: tuple[str, ...]) -> str | None:
    if kind != CHOICE:
        # Options on a text field would be silently ignored; say so instead.
        return "validation.invalid" if options else None
    if not options:
        return "validation.required"
    if len(options) > OPTIONS_MAX:
        return "validation.too_long"
    if any(not o for o in options) or len(set(options)) != len(options):
        return "validation.invalid"
    if any(len(o) > OPTION_MAX_LENGTH for o in options):
        return "validation.too_long"
    return None


def value_error(definition: FieldDefinition, value: str) -> str | None:
    """The i18n key of what is wrong with one non-empty value, or None."""
    if definition.kind == TEXT:
        return "validation.too_long" if len(value) > TEXT_VALUE_MAX else None
    if definition.kind == NUMBER:
        return None if NUMBER_PATTERN.fullmatch(value) else "validation.not_a_number"
    if definition.kind == DATE:
        if not DATE_PATTERN.fullmatch(value):
            return "validation.invalid_date"
        try:
            date.fromisoformat(value)
        except ValueError:  # 2025-02-30
            return "validation.invalid_date"
        return None
    if definition.kind == CHOICE:
        return None if value in definition.options else "validation.invalid_choice"
    raise AssertionError(f"unknown field kind {definition.kind!r}")


def field_value_errors(
    definitions: Iterable[FieldDefinition], values: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, errors keyed `fields.<key>`). All problems are collected, so a form shows
    every wrong field at once. Blank values count as absent: an optional field may be left empty."""
    by_key = {d.key: d for d in definitions}
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, raw in values.items():
        definition = by_key.get(key)
        if definition is None:
            errors[f"fields.{key}"] = "validation.unknown_field"
            continue
        value = raw.strip()
        if not value:
            continue
        problem = value_error(definition, value)
        if problem:
            errors[f"fields.{key}"] = problem
        else:
            clean[key] = value
    for definition in by_key.values():
        if definition.required and definition.key not in clean and f"fields.{definition.key}" not in errors:
            errors[f"fields.{definition.key}"] = "validation.required"
    return clean, errors
