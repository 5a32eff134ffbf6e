"""What a new storefront order (B6) must carry, by kind, checked before anything is read or
written and every problem named at once (`lines.1.quantity`, `address`), so a form can mark them
all.

Goods kinds (e-commerce, reservation, in-store, takeaway) carry lines priced from the catalogue;
face-to-face and top-up carry only an amount. Takeaway goes to a contact at an address, an
e-commerce order is shipped to an address, a reservation names when the customer comes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from crmkit.errors import InvalidInput
from orders.domain.storefront import (
    ECOMMERCE,
    FACE_TO_FACE,
    IN_STORE,
    KINDS,
    RESERVATION,
    TAKEAWAY,
    TOP_UP,
)
from orders.errors import ErrorCode

GOODS_KINDS = (ECOMMERCE, RESERVATION, IN_STORE, TAKEAWAY)
AMOUNT_KINDS = (FACE_TO_FACE, TOP_UP)
# A shop basket, not a wholesale order: 999 of one thing is already a typo.
MAX_QUANTITY = 999
MAX_LINES = 50
# 100,000 yuan paid at the counter or topped up at once.
MAX_AMOUNT_FEN = 10_000_000
SPEC_MAX = 60
NOTE_MAX = 200
CONTACT_NAME_MAX = 50
ADDRESS_MAX = 200
STORE_ID_MAX = 36
_COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}
# A mainland mobile number: riders and couriers call or text it.
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class LineInput:
    product_id: str
    quantity: int
    # Options the customer picked (大份, 少辣), printed on the slip.
    spec: str = ""


@dataclass(frozen=True)
class Placement:
    store_id: str
    kind: str
    lines: tuple[LineInput, ...] = ()
    # face_to_face and top_up: what is paid; None when not sent.
    amount_fen: int | None = None
    note: str = ""
    # Staff name the customer; a customer orders for themselves.
    customer_id: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    # takeaway and ecommerce: the address's coordinates (GCJ-02), both or neither.
    latitude: float | None = None
    longitude: float | None = None
    reserved_for: datetime | None = None
    coupon_codes: tuple[str, ...] = ()
    idempotency_key: str = ""


def check_placement(p: Placement, *, own_customer_id: str | None, now: datetime) -> Placement:
    """The placement trimmed, or InvalidInput naming every field in the way.

    `own_customer_id`: the caller's customer id when a customer places their own order (they may
    leave customer_id empty or send their own), None when staff place one (customer_id needed)."""
    p = replace(
        p,
        store_id=p.store_id.strip(),
        kind=p.kind.strip(),
        lines=tuple(replace(line, product_id=line.product_id.strip(), spec=line.spec.strip()) for line in p.lines),
        note=p.note.strip(),
        customer_id=p.customer_id.strip(),
        contact_name=p.contact_name.strip(),
        contact_phone=p.contact_phone.strip(),
        address=p.address.strip(),
    )
    fields: dict[str, str] = {}
    if not p.store_id:
        fields["store_id"] = "validation.required"
    elif len(p.store_id) > STORE_ID_MAX:
        fields["store_id"] = "validation.too_long"
    if own_customer_id is None and not p.customer_id:
        fields["customer_id"] = "validation.required"
    elif own_customer_id is not None and p.customer_id not in ("", own_customer_id):
        fields["customer_id"] = "validation.not_allowed"
    if len(p.note) > NOTE_MAX:
        fields["note"] = "validation.too_long"
    if not p.kind:
        fields["kind"] = "validation.required"
    elif p.kind not in KINDS:
        fields["kind"] = "validation.invalid_choice"
    elif p.kind in GOODS_KINDS:
        _check_goods(p, fields)
    else:
        _check_amount(p, fields)
    _check_delivery(p, fields, now)
    if fields:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields=fields)
    return p


def _check_goods(p: Placement, fields: dict[str, str]) -> None:
    if p.amount_fen:
        fields["amount_fen"] = "validation.not_allowed"
    if not p.lines:
        fields["lines"] = "validation.required"
    elif len(p.lines) > MAX_LINES:
        fields["lines"] = "validation.too_many"
    for i, line in enumerate(p.lines[:MAX_LINES]):
        if not line.product_id:
            fields[f"lines.{i}.product_id"] = "validation.required"
        if not 0 < line.quantity <= MAX_QUANTITY:
            fields[f"lines.{i}.quantity"] = "validation.invalid"
        if len(line.spec) > SPEC_MAX:
            fields[f"lines.{i}.spec"] = "validation.too_long"


def _check_amount(p: Placement, fields: dict[str, str]) -> None:
    """Paid at the counter or topped up: an amount, nothing to pick, no coupon (coupons are
    checked against the goods of an order)."""
    if p.amount_fen is None or p.amount_fen == 0:
        fields["amount_fen"] = "validation.required"
    elif not 0 < p.amount_fen <= MAX_AMOUNT_FEN:
        fields["amount_fen"] = "validation.invalid_amount"
    if p.lines:
        fields["lines"] = "validation.not_allowed"
    if p.coupon_codes:
        fields["coupon_codes"] = "validation.not_allowed"


def _check_delivery(p: Placement, fields: dict[str, str], now: datetime) -> None:
    if p.kind == TAKEAWAY:
        for name in ("contact_name", "contact_phone", "address"):
            if not getattr(p, name):
                fields[name] = "validation.required"
    if p.kind == ECOMMERCE and not p.address:
        fields["address"] = "validation.required"
    if len(p.contact_name) > CONTACT_NAME_MAX:
        fields["contact_name"] = "validation.too_long"
    if p.contact_phone and not _PHONE.fullmatch(p.contact_phone):
        fields["contact_phone"] = "validation.phone_invalid"
    if len(p.address) > ADDRESS_MAX:
        fields["address"] = "validation.too_long"
    _check_coordinates(p, fields)
    if p.kind == RESERVATION:
        if p.reserved_for is None:
            fields["reserved_for"] = "validation.required"
        elif p.reserved_for <= now:
            fields["reserved_for"] = "validation.not_in_future"
    elif p.reserved_for is not None:
        fields["reserved_for"] = "validation.not_allowed"


def _check_coordinates(p: Placement, fields: dict[str, str]) -> None:
    """A point on the map goes with an address (takeaway, e-commerce), whole: a latitude without
    its longitude places nothing."""
    given = {"latitude": p.latitude, "longitude": p.longitude}
    if all(value is None for value in given.values()):
        return
    if p.kind not in (TAKEAWAY, ECOMMERCE):
        fields.update({name: "validation.not_allowed" for name, value in given.items() if value is not None})
        return
    for name, value in given.items():
        if value is None:
            fields[name] = "validation.required"
        elif not -_COORDINATE_LIMITS[name] <= value <= _COORDINATE_LIMITS[name]:  # NaN too: it compares false
            fields[name] = "validation.invalid"
