"""Changing a customer's profile (C1, C5): the same checks as registration, applied to what
changes, and the configured fields checked again on the merged values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crmkit.errors import InvalidInput
from customers.domain.fields import FieldDefinition, field_value_errors
from customers.domain.geo import location_errors
from customers.domain.registration import LEVEL_PATTERN, REGION_PATTERN, name_error, phone_error
from customers.errors import ErrorCode


def region_error(region: str) -> str | None:
    return None if not region or REGION_PATTERN.fullmatch(region) else "validation.invalid"


@dataclass(frozen=True)
class UpdateCustomer:
    """None: leave as it is. `fields` entries set a value; "" removes it."""

    customer_id: str
    name: str | None = None
    phone: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    level: str | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    clear_location: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    phone: str
    fields: dict[str, str]
    level: str
    region: str
    latitude: float | None
    longitude: float | None


def updated_profile(current: Profile, cmd: UpdateCustomer, definitions: Iterable[FieldDefinition]) -> Profile:
    """The profile after the change; every problem at once in one InvalidInput."""
    errors: dict[str, str] = {}
    name = current.name if cmd.name is None else cmd.name.strip()
    phone = current.phone if cmd.phone is None else cmd.phone.strip()
    if cmd.name is not None and (problem := name_error(name)):
        errors["name"] = problem
    if cmd.phone is not None and (problem := phone_error(phone)):
        errors["phone"] = problem
    level = current.level if cmd.level is None else cmd.level.strip()
    if cmd.level is not None and level and not LEVEL_PATTERN.fullmatch(level):
        errors["level"] = "validation.invalid"
    region = current.region if cmd.region is None else cmd.region.strip()
    if problem := region_error(region):
        errors["region"] = problem
    latitude, longitude = current.latitude, current.longitude
    if cmd.clear_location:
        latitude = longitude = None
    elif cmd.latitude is not None or cmd.longitude is not None:
        errors.update(location_errors(cmd.latitude, cmd.longitude))
        latitude, longitude = cmd.latitude, cmd.longitude
    merged = dict(current.fields)
    for key, value in cmd.fields.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    clean, field_errors = field_value_errors(definitions, merged)
    errors.update(field_errors)
    if errors:
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields=errors)
    return Profile(name, phone, clean, level, region, latitude, longitude)
