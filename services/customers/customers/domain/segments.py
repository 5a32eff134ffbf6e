"""Segment filters (C4): what a saved filter may say, checked before anything is stored or run.

A filter is a conjunction: every condition given must hold. Pure rules, no I/O, no clock: the
evaluation time `as_of` is passed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from crmkit.errors import InvalidInput
from customers.domain import fields as kinds
from customers.domain.calendar import china_day
from customers.domain.fields import FieldDefinition
from customers.errors import ErrorCode

NAME_MAX = 30
LIST_MAX = 50
DAYS_MAX = 3650
TEXT_MAX = 100
COUPONS_MAX = 1000  # "holds at least N unused coupons": beyond this nobody does
# Orders of one customer in one period. Beyond this nobody counts, and the proto's int64 would
# otherwise reach the read model's int4 sum and fail there (issue 11).
ORDER_COUNT_MAX = 1_000_000

# Operators on tenant-configured fields, by field kind.
EQ = "eq"  # the value is one of `values`
CONTAINS = "contains"  # text contains values[0]
GTE = "gte"  # number / date at least values[0]
LTE = "lte"  # number / date at most values[0]
OPS_BY_KIND = {
    kinds.TEXT: (EQ, CONTAINS),
    kinds.CHOICE: (EQ,),
    kinds.NUMBER: (EQ, GTE, LTE),
    kinds.DATE: (EQ, GTE, LTE),
}
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,36}$")
_REGION = re.compile(r"^[0-9A-Za-z]{1,20}$")


@dataclass(frozen=True)
class FieldCondition:
    key: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class SegmentFilter:
    fields: tuple[FieldCondition, ...] = ()
    tag_ids: tuple[str, ...] = ()  # carries any of them
    levels: tuple[str, ...] = ()  # member level is one of them
    region_prefixes: tuple[str, ...] = ()  # region code starts with any of them
    last_purchase_before: datetime | None = None
    last_purchase_after: datetime | None = None
    # Sleeping: no purchase in the N days before `as_of` (never-buyers count once registered
    # longer than that: a customer registered yesterday is new, not asleep).
    no_purchase_days: int | None = None
    # The window of the count, amount and products conditions: the last N days, or from/to
    # (China days, both inclusive); none of them means all time.
    period_days: int | None = None
    period_from: date | None = None
    period_to: date | None = None
    min_order_count: int | None = None
    max_order_count: int | None = None
    min_amount_fen: int | None = None
    max_amount_fen: int | None = None
    product_ids: tuple[str, ...] = ()  # bought any of them in the period
    brands: tuple[str, ...] = ()  # bought any of these brands in the period
    # Coupon behaviour, from the coupons service's events (`customer_coupons`). Unused: issued,
    # not redeemed and still valid as of `as_of`. The template ids narrow every coupon
    # condition (unused and redeemed alike) to coupons of those templates.
    coupons_unused_min: int | None = None  # holds at least N unused coupons
    coupon_template_ids: tuple[str, ...] = ()
    coupon_redeemed_within_days: int | None = None  # redeemed at least one in the last N days
    no_coupon_redeemed_within_days: int | None = None  # redeemed none in the last N days

    @property
    def has_coupon_condition(self) -> bool:
        return any(
            v is not None
            for v in (self.coupons_unused_min, self.coupon_redeemed_within_days, self.no_coupon_redeemed_within_days)
        )

    @property
    def counts_purchases(self) -> bool:
        return any(
            v is not None
            for v in (self.min_order_count, self.max_order_count, self.min_amount_fen, self.max_amount_fen)
        )

    def window(self, as_of: datetime) -> tuple[date | None, date | None]:
        """(first day, last day) of the period as of `as_of`; None ends are open."""
        if self.period_days is not None:
            end = china_day(as_of)
            return end - timedelta(days=self.period_days - 1), end
        return self.period_from, self.period_to

    def coupon_redeemed_since(self, as_of: datetime) -> datetime | None:
        days = self.coupon_redeemed_within_days
        return None if days is None else as_of - timedelta(days=days)

    def no_coupon_redeemed_since(self, as_of: datetime) -> datetime | None:
        days = self.no_coupon_redeemed_within_days
        return None if days is None else as_of - timedelta(days=days)

    def sleeping_cutoff(self, as_of: datetime) -> datetime | None:
        return None if self.no_purchase_days is None else as_of - timedelta(days=self.no_purchase_days)

    def zero_buyer_matches(self) -> bool:
        """Whether a customer without purchases in the period (count 0, amount 0) passes the
        count and amount bounds; decides how the aggregate is joined."""
        return (
            (self.min_order_count is None or self.min_order_count <= 0)
            and (self.max_order_count is None or self.max_order_count >= 0)
            and (self.min_amount_fen is None or self.min_amount_fen <= 0)
            and (self.max_amount_fen is None or self.max_amount_fen >= 0)
        )


@dataclass(frozen=True)
class Preset:
    key: str
    name_key: str  # i18n key of its display name
    filter: SegmentFilter


SLEEPING_DAYS = 90
# Ready-made filters a manager starts from (and may adjust before saving).
PRESETS = (
    Preset("sleeping_members", "segment.preset.sleeping_members", SegmentFilter(no_purchase_days=SLEEPING_DAYS)),
)


def sleeping_members(days: int = SLEEPING_DAYS) -> SegmentFilter:
    return replace(PRESETS[0].filter, no_purchase_days=days)


class _Errors:
    def __init__(self):
        self.fields: dict[str, str] = {}

    def add(self, name: str, key: str) -> None:
        self.fields.setdefault(name, key)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidInput(ErrorCode.SEGMENT_INVALID, fields=self.fields)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        key = "validation.required"
    elif len(name) > NAME_MAX:
        key = "validation.too_long"
    else:
        return name
    raise InvalidInput(ErrorCode.SEGMENT_INVALID, fields={"name": key})


def _ids(errors: _Errors, name: str, values: Iterable[str], pattern: re.Pattern = _ID) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(v.strip() for v in values))
    if len(out) > LIST_MAX:
        errors.add(name, "validation.too_long")
    for v in out:
        if not v or not pattern.match(v):
            errors.add(name, "validation.invalid")
    return out


def _days(errors: _Errors, name: str, value: int | None) -> int | None:
    if value is not None and not (1 <= value <= DAYS_MAX):
        errors.add(name, "validation.invalid")
    return value


def _coupon_count(errors: _Errors, name: str, value: int | None) -> int | None:
    # At least 0 coupons is everybody: a mistake, not a filter.
    if value is not None and not (1 <= value <= COUPONS_MAX):
        errors.add(name, "validation.invalid")
    return value


def _order_count(errors: _Errors, name: str, value: int | None) -> int | None:
    if value is not None and not (0 <= value <= ORDER_COUNT_MAX):
        errors.add(name, "validation.invalid")
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _field_conditions(
    errors: _Errors, conditions: Iterable[FieldCondition], definitions: Mapping[str, FieldDefinition]
) -> tuple[FieldCondition, ...]:
    out = []
    for c in conditions:
        name = f"filter.fields.{c.key}"
        definition = definitions.get(c.key)
        if definition is None:
            errors.add(name, "validation.unknown_field")
            continue
        if c.op not in OPS_BY_KIND[definition.kind]:
            errors.add(name, "validation.invalid")
            continue
        values = tuple(v.strip() for v in c.values)
        if not values or any(not v for v in values) or len(values) > LIST_MAX:
            errors.add(name, "validation.required" if not values else "validation.invalid")
            continue
        if c.op != EQ and len(values) != 1:
            errors.add(name, "validation.invalid")
            continue
        if any(len(v) > TEXT_MAX for v in values):
            errors.add(name, "validation.too_long")
        elif definition.kind == kinds.NUMBER and not all(_number(v) for v in values):
            errors.add(name, "validation.not_a_number")
        elif definition.kind == kinds.DATE and not all(_date(v) for v in values):
            errors.add(name, "validation.invalid_date")
        elif definition.kind == kinds.CHOICE and any(v not in definition.options for v in values):
            errors.add(name, "validation.invalid_choice")
        out.append(FieldCondition(c.key, c.op, values))
    return tuple(out)


def check_filter(f: SegmentFilter, definitions: Iterable[FieldDefinition]) -> SegmentFilter:
    """The filter, normalised; InvalidInput naming every bad part (`filter.<name>`, custom
    fields `filter.fields.<key>`). An empty filter is valid: it means every visible customer."""
    errors = _Errors()
    by_key = {d.key: d for d in definitions}
    checked = SegmentFilter(
        fields=_field_conditions(errors, f.fields, by_key),
        tag_ids=_ids(errors, "filter.tag_ids", f.tag_ids),
        levels=_ids(errors, "filter.levels", f.levels),
        region_prefixes=_ids(errors, "filter.region_prefixes", f.region_prefixes, _REGION),
        last_purchase_before=f.last_purchase_before,
        last_purchase_after=f.last_purchase_after,
        no_purchase_days=_days(errors, "filter.no_purchase_days", f.no_purchase_days),
        period_days=_days(errors, "filter.period_days", f.period_days),
        period_from=f.period_from,
        period_to=f.period_to,
        min_order_count=_order_count(errors, "filter.min_order_count", f.min_order_count),
        max_order_count=_order_count(errors, "filter.max_order_count", f.max_order_count),
        min_amount_fen=f.min_amount_fen,
        max_amount_fen=f.max_amount_fen,
        product_ids=_ids(errors, "filter.product_ids", f.product_ids),
        brands=_ids(errors, "filter.brands", f.brands, re.compile(r"^.{1,40}$")),
        coupons_unused_min=_coupon_count(errors, "filter.coupons_unused_min", f.coupons_unused_min),
        coupon_template_ids=_ids(errors, "filter.coupon_template_ids", f.coupon_template_ids),
        coupon_redeemed_within_days=_days(errors, "filter.coupon_redeemed_within_days", f.coupon_redeemed_within_days),
        no_coupon_redeemed_within_days=_days(
            errors, "filter.no_coupon_redeemed_within_days", f.no_coupon_redeemed_within_days
        ),
    )
    for name in ("last_purchase_before", "last_purchase_after"):
        value = getattr(f, name)
        if value is not None and value.tzinfo is None:
            errors.add(f"filter.{name}", "validation.invalid_date")
    if f.last_purchase_before and f.last_purchase_after and f.last_purchase_after >= f.last_purchase_before:
        errors.add("filter.last_purchase_after", "validation.invalid")
    if f.period_days is not None and (f.period_from or f.period_to):
        errors.add("filter.period_days", "validation.invalid")
    if f.period_from and f.period_to and f.period_from > f.period_to:
        errors.add("filter.period_from", "validation.invalid")
    if f.min_order_count is not None and f.max_order_count is not None and f.min_order_count > f.max_order_count:
        errors.add("filter.min_order_count", "validation.invalid")
    if f.min_amount_fen is not None and f.max_amount_fen is not None and f.min_amount_fen > f.max_amount_fen:
        errors.add("filter.min_amount_fen", "validation.invalid")
    if f.coupon_template_ids and not f.has_coupon_condition:
        # Templates alone say nothing (hold them? redeemed them?): ask for the condition.
        errors.add("filter.coupon_template_ids", "validation.coupon_condition_required")
    within, none_within = f.coupon_redeemed_within_days, f.no_coupon_redeemed_within_days
    if within is not None and none_within is not None and within <= none_within:
        # "Redeemed in the last 30 days but none in the last 90" can match nobody.
        errors.add("filter.no_coupon_redeemed_within_days", "validation.invalid")
    errors.raise_if_any()
    return checked


# --- JSON form (stored in segments.filter; also the gateway's shape) -------------------------


LIST_FIELDS = ("tag_ids", "levels", "region_prefixes", "product_ids", "brands", "coupon_template_ids")
COUPON_NUMBERS = ("coupons_unused_min", "coupon_redeemed_within_days", "no_coupon_redeemed_within_days")


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def filter_to_json(f: SegmentFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.fields:
        out["fields"] = [{"key": c.key, "op": c.op, "values": list(c.values)} for c in f.fields]
    for name in LIST_FIELDS:
        if getattr(f, name):
            out[name] = list(getattr(f, name))
    for name in ("last_purchase_before", "last_purchase_after", "period_from", "period_to"):
        if getattr(f, name) is not None:
            out[name] = _iso(getattr(f, name))
    for name in (
        "no_purchase_days",
        "period_days",
        "min_order_count",
        "max_order_count",
        "min_amount_fen",
        "max_amount_fen",
        *COUPON_NUMBERS,
    ):
        if getattr(f, name) is not None:
            out[name] = getattr(f, name)
    return out


def filter_from_json(data: Mapping[str, Any]) -> SegmentFilter:
    """Reads what filter_to_json wrote (stored filters were checked before they were saved)."""

    def when(name, parse):
        return parse(data[name]) if data.get(name) is not None else None

    return SegmentFilter(
        fields=tuple(FieldCondition(c["key"], c["op"], tuple(c["values"])) for c in data.get("fields", ())),
        tag_ids=tuple(data.get("tag_ids", ())),
        levels=tuple(data.get("levels", ())),
        region_prefixes=tuple(data.get("region_prefixes", ())),
        last_purchase_before=when("last_purchase_before", datetime.fromisoformat),
        last_purchase_after=when("last_purchase_after", datetime.fromisoformat),
        no_purchase_days=data.get("no_purchase_days"),
        period_days=data.get("period_days"),
        period_from=when("period_from", date.fromisoformat),
        period_to=when("period_to", date.fromisoformat),
        min_order_count=data.get("min_order_count"),
        max_order_count=data.get("max_order_count"),
        min_amount_fen=data.get("min_amount_fen"),
        max_amount_fen=data.get("max_amount_fen"),
        product_ids=tuple(data.get("product_ids", ())),
        brands=tuple(data.get("brands", ())),
        coupon_template_ids=tuple(data.get("coupon_template_ids", ())),
        **{name: data.get(name) for name in COUPON_NUMBERS},
    )


# --- buying behaviour read model ---------------------------------------------------------------


@dataclass(frozen=True)
class PurchasedLine:
    product_id: str
    brand: str
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class Purchase:
    """An approved order (or, with negative amount and no count, a refunded return) as the read
    model records it: on the China day it happened."""

    customer_id: str
    at: datetime
    order_count: int
    amount_fen: int
    lines: tuple[PurchasedLine, ...] = field(default_factory=tuple)

    @property
    def day(self) -> date:
        return china_day(self.at)
