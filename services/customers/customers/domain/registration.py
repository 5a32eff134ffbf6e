"""On-the-spot registration by staff (C2): who may register, for whom, in which store, and
whether name, phone and custom field values are acceptable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain.fields import FieldDefinition, field_value_errors
from customers.domain.geo import location_errors
from customers.errors import ErrorCode

OWNER = "owner"
STORE_MANAGER = "store_manager"
SALESPERSON = "salesperson"
REGISTERING_ROLES = (SALESPERSON, STORE_MANAGER, OWNER)
# Roles that may hand a new customer to a colleague.
ASSIGNING_ROLES = (STORE_MANAGER, OWNER)

NAME_MAX = 50
# Mainland China mobile numbers, without country code.
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# A member level code: short, letters, digits, underscore or Chinese (e.g. "A", "VIP", "金卡").
LEVEL_PATTERN = re.compile(r"[0-9A-Za-z_\u4e00-\u9fff]{1,20}")
# Administrative division codes: 2 (province) to 12 digits (village).
REGION_PATTERN = re.compile(r"^\d{2,12}$")


@dataclass(frozen=True)
class RegisterCustomer:
    name: str
    phone: str
    fields: Mapping[str, str]
    store_id: str = ""
    owner_staff_id: str = ""
    level: str = ""
    # C5: region code and shop location (both coordinates or neither).
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Registration:
    """What will be stored: checked and normalised values, the owner and the store."""

    name: str
    phone: str
    fields: dict[str, str]
    # None: nobody's, in the public pool (a shopper's first login, B6).
    owner_staff_id: str | None
    store_id: str | None
    registered_by_staff_id: str
    level: str = ""
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None


def check_registrar(actor: Actor) -> str:
    """The registering staff id; only staff in a selling or managing role may register."""
    if actor.staff_id is None or not actor.has_role(*REGISTERING_ROLES):
        raise PermissionDenied(ErrorCode.CUSTOMER_REGISTER_DENIED)
    return actor.staff_id


def resolve_owner(actor: Actor, requested: str) -> str:
    """The bound salesperson: the caller, unless a manager registers for a colleague."""
    if not requested or requested == actor.staff_id:
        return actor.staff_id
    if not actor.has_role(*ASSIGNING_ROLES):
        raise PermissionDenied(ErrorCode.CUSTOMER_OWNER_ASSIGN_DENIED)
    return requested


def resolve_store(actor: Actor, requested: str) -> str | None:
    """The caller's first store by default; another store only if it is one of the caller's,
    except for the owner, who holds every store of the tenant. None: an owner with no store."""
    if not requested:
        if actor.store_ids:
            return actor.store_ids[0]
        if actor.has_role(OWNER):
            return None
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields={"store_id": "validation.required"})
    if requested in actor.store_ids or actor.has_role(OWNER):
        return requested
    raise PermissionDenied(ErrorCode.STORE_ACCESS_DENIED, params={"store_id": requested})


def name_error(name: str) -> str | None:
    if not name:
        return "validation.required"
    return "validation.too_long" if len(name) > NAME_MAX else None


def phone_error(phone: str) -> str | None:
    if not phone:
        return "validation.required"
    return None if PHONE_PATTERN.fullmatch(phone) else "validation.phone_invalid"


def register(actor: Actor, cmd: RegisterCustomer, definitions: Iterable[FieldDefinition]) -> Registration:
    """Permission first (a denied caller learns nothing about the input), then every input
    problem at once in one InvalidInput."""
    registrar = check_registrar(actor)
    owner = resolve_owner(actor, cmd.owner_staff_id.strip())
    store = resolve_store(actor, cmd.store_id.strip())
    name, phone = cmd.name.strip(), cmd.phone.strip()
    errors: dict[str, str] = {}
    if problem := name_error(name):
        errors["name"] = problem
    if problem := phone_error(phone):
        errors["phone"] = problem
    level = cmd.level.strip()
    if level and not LEVEL_PATTERN.fullmatch(level):
        errors["level"] = "validation.invalid"
    region = cmd.region.strip()
    if region and not REGION_PATTERN.fullmatch(region):
        errors["region"] = "validation.invalid"
    errors.update(location_errors(cmd.latitude, cmd.longitude))
    clean, field_errors = field_value_errors(definitions, cmd.fields)
    errors.update(field_errors)
    if errors:
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields=errors)
    return Registration(name, phone, clean, owner, store, registrar, level, region, cmd.latitude, cmd.longitude)
