"""Pure rules of the salesperson's day: leads (C7), follow-ups (C8), visit routes (C6) and
duplicates (C9). Values in, values or typed crmkit errors out; `now` always comes from outside."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain.calendar import china_day
from customers.domain.registration import PHONE_PATTERN
from customers.errors import ErrorCode

MANAGER_ROLES = ("owner", "store_manager")
SELLING_ROLES = ("salesperson", "store_manager", "owner")

LEAD_NAME_MAX = 50
COMPANY_MAX = 50
NOTE_MAX = 500
UNION_ID_MAX = 64
TAG_MAX = 20
TAGS_MAX = 10
CONTENT_MAX = 500
REASON_MAX = 200
VISIT_NOTE_MAX = 200
# A WeChat unionID: letters, digits, '-' and '_' (28 characters today; allow some room).
UNION_ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{6,64}")

# Follow-up status (跟进状态): what the salesperson learnt this time.
FOLLOWUP_STATUSES = ("contacted", "interested", "negotiating", "won", "no_interest", "visited")
VISITED = "visited"
FOLLOWUP, VISIT = "followup", "visit"

# Lead states and sources.
OPEN, CONVERTED, MERGED = "open", "converted", "merged"
SOURCE_IMPORT, SOURCE_MANUAL, SOURCE_VISITOR = "import", "manual", "visitor"
LEAD_SCOPES = ("pool", "mine", "all")

# Visit task states and lists.
PLANNED, DONE = "planned", "done"
DUE, OVERDUE = "due", "overdue"

# Duplicate kinds and states.
MERGEABLE, COLLISION = "mergeable", "collision"
RELEASED = "released"


def invalid(code: ErrorCode, fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(code, fields=fields)


def denied(code: ErrorCode) -> PermissionDenied:
    return PermissionDenied(code)


def is_manager(actor: Actor) -> bool:
    return actor.is_service or actor.has_role(*MANAGER_ROLES)


def selling_staff(actor: Actor) -> str:
    """The calling staff member's id; only staff in a selling or managing role work leads,
    follow-ups and visits."""
    if actor.staff_id is None or not actor.has_role(*SELLING_ROLES):
        raise denied(ErrorCode.ACTIVITY_DENIED)
    return actor.staff_id


# --- leads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadInput:
    name: str
    phone: str = ""
    union_id: str = ""
    company: str = ""
    note: str = ""
    tags: tuple[str, ...] = ()


def lead_problems(lead: LeadInput) -> tuple[LeadInput, dict[str, str]]:
    """The normalised lead and its problems by field. A lead needs a name and a way to know
    the person again (phone or unionID): without one, dedupe could never work."""
    clean = LeadInput(
        name=lead.name.strip(),
        phone=lead.phone.strip(),
        union_id=lead.union_id.strip(),
        company=lead.company.strip(),
        note=lead.note.strip(),
        tags=tuple(dict.fromkeys(t.strip() for t in lead.tags if t.strip())),
    )
    errors: dict[str, str] = {}
    if not clean.name:
        errors["name"] = "validation.required"
    elif len(clean.name) > LEAD_NAME_MAX:
        errors["name"] = "validation.too_long"
    if clean.phone and not PHONE_PATTERN.fullmatch(clean.phone):
        errors["phone"] = "validation.phone_invalid"
    if clean.union_id and not UNION_ID_PATTERN.fullmatch(clean.union_id):
        errors["union_id"] = "validation.invalid"
    if not clean.phone and not clean.union_id:
        errors["phone"] = "validation.phone_or_union_id_required"
    if len(clean.company) > COMPANY_MAX:
        errors["company"] = "validation.too_long"
    if len(clean.note) > NOTE_MAX:
        errors["note"] = "validation.too_long"
    if len(clean.tags) > TAGS_MAX or any(len(t) > TAG_MAX for t in clean.tags):
        errors["tags"] = "validation.too_long"
    return clean, errors


def check_lead(lead: LeadInput) -> LeadInput:
    clean, errors = lead_problems(lead)
    if errors:
        raise invalid(ErrorCode.LEAD_INPUT_INVALID, errors)
    return clean


def may_follow_lead(actor: Actor, lead_staff_id: str | None) -> bool:
    """Only the assigned salesperson follows a lead, until it is released (seed: 只有保留线索
    关联的业务员可以跟进这条线索)."""
    return lead_staff_id is not None and lead_staff_id == actor.staff_id


def may_release_lead(actor: Actor, lead_staff_id: str | None) -> bool:
    return is_manager(actor) or (lead_staff_id is not None and lead_staff_id == actor.staff_id)


# --- follow-ups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowupInput:
    status: str
    content: str
    next_followup_at: datetime | None = None


def check_followup(f: FollowupInput, *, now: datetime) -> FollowupInput:
    errors: dict[str, str] = {}
    status, content = f.status.strip(), f.content.strip()
    if not status:
        errors["status"] = "validation.required"
    elif status not in FOLLOWUP_STATUSES:
        errors["status"] = "validation.invalid_choice"
    if not content:
        errors["content"] = "validation.required"
    elif len(content) > CONTENT_MAX:
        errors["content"] = "validation.too_long"
    if f.next_followup_at is not None and f.next_followup_at <= now:
        # "Next time" in the past would put the customer on top of everybody's list forever.
        errors["next_followup_at"] = "validation.not_in_future"
    if errors:
        raise invalid(ErrorCode.FOLLOWUP_INPUT_INVALID, errors)
    return FollowupInput(status, content, f.next_followup_at)


def may_follow_customer(actor: Actor, owner_staff_id: str | None) -> bool:
    """The customer's salesperson, or a manager (seed: 允许业务员/管理员对客户"写跟进")."""
    return is_manager(actor) or (owner_staff_id is not None and owner_staff_id == actor.staff_id)


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise invalid(ErrorCode.FOLLOWUP_INPUT_INVALID, {"reason": "validation.required"})
    if len(reason) > REASON_MAX:
        raise invalid(ErrorCode.FOLLOWUP_INPUT_INVALID, {"reason": "validation.too_long"})
    return reason


# --- visits ----------------------------------------------------------------------------------


def parse_day(text: str, *, now: datetime, field: str = "day") -> date:
    """YYYY-MM-DD; empty means today in China."""
    text = text.strip()
    if not text:
        return china_day(now)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(ErrorCode.VISIT_INPUT_INVALID, {field: "validation.invalid_date"}) from None


def visit_staff(actor: Actor, requested: str) -> str:
    """Whose schedule: the caller's own, or a salesperson's named by a manager."""
    me = selling_staff(actor)
    requested = requested.strip()
    if not requested or requested == me:
        return me
    if not is_manager(actor):
        raise denied(ErrorCode.VISIT_ASSIGN_DENIED)
    return requested


def check_position(latitude: float, longitude: float) -> None:
    errors = {}
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors["latitude"] = "validation.invalid"
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors["longitude"] = "validation.invalid"
    if latitude == 0 and longitude == 0:
        # (0, 0) is what a client sends when it has no fix; nobody visits the Gulf of Guinea.
        errors["latitude"] = "validation.required"
    if errors:
        raise invalid(ErrorCode.VISIT_INPUT_INVALID, errors)


EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    key: str
    latitude: float | None
    longitude: float | None


def nearest_neighbour_route(start: tuple[float, float], places: Sequence[Place]) -> list[tuple[Place, int]]:
    """Greedy route: from the current position always to the nearest place not yet visited.
    Places without a location go last, in the order given. Each stop carries the metres from
    the previous stop (-1 when it has no location). Ties break on key, so the order is stable."""
    located = [p for p in places if p.latitude is not None and p.longitude is not None]
    unlocated = [p for p in places if p.latitude is None or p.longitude is None]
    route: list[tuple[Place, int]] = []
    here = start
    while located:
        nxt = min(located, key=lambda p: (distance_m(here[0], here[1], p.latitude, p.longitude), p.key))
        route.append((nxt, round(distance_m(here[0], here[1], nxt.latitude, nxt.longitude))))
        here = (nxt.latitude, nxt.longitude)
        located.remove(nxt)
    route.extend((p, -1) for p in unlocated)
    return route


# --- duplicates ------------------------------------------------------------------------------


def duplicate_kind(customer_owner: str | None, lead_staff: str | None) -> str:
    """Seed: same phone and the same salesperson, or one of them has none -> may be merged;
    two different salespeople -> a collision (撞单) both are told about."""
    if not customer_owner or not lead_staff or customer_owner == lead_staff:
        return MERGEABLE
    return COLLISION
