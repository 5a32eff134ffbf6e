"""G3: what a paid storefront order (the orders service's `storefront_order_paid`) asks of the store
with nobody at a screen: its ticket printed and the order accepted, each when the store's setting
says so. Pure: the handler reads the settings, queues the ticket and calls orders.

The event's `order` is the dict every storefront event of orders carries (order_id, number,
store_id, kind, lines with category_id, the totals in fen, customer and contact, note,
verification_code, placed_at). The store's name is not in it: the receipt goes without it, as a
ticket sent without one does. Texts longer than a ticket takes are cut rather than refused: the order is paid, and a
ticket with a long note cut short serves the kitchen better than none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .tickets import ADDRESS_MAX, CODE_MAX, MAX_LINES, NAME_MAX, NOTE_MAX, ORDER_NO_MAX, Ticket, TicketLine

TAKEAWAY = "takeaway"
IN_STORE = "in_store"
# The kinds a store runs unattended (G3): the merchant manual's 外卖 and 到店. The others wait for
# the merchant (a reservation to confirm, a parcel to ship) or need no preparation.
UNATTENDED = (TAKEAWAY, IN_STORE)
# The orders service's step that takes a paid order of each kind (orders.domain.storefront.STEPS,
# where the system party may take both).
ACCEPT_ACTION = {TAKEAWAY: "accept", IN_STORE: "confirm"}
PHONE_MAX = 20


class MalformedOrder(ValueError):
    """The event cannot be acted on as sent; requeueing would not change it."""


@dataclass(frozen=True)
class PaidOrder:
    order_id: str
    store_id: str
    kind: str
    ticket: Ticket

    @property
    def unattended(self) -> bool:
        return self.kind in UNATTENDED

    @property
    def accept_action(self) -> str:
        return ACCEPT_ACTION.get(self.kind, "")


def _text(value: object, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _fen(data: Mapping[str, object], name: str) -> int:
    value = data.get(name) or 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedOrder(f"{name} is not a whole number of fen: {value!r}")
    return value


def _line(data: object) -> TicketLine:
    if not isinstance(data, Mapping):
        raise MalformedOrder("a line that is not an object")
    quantity = data.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise MalformedOrder(f"a line's quantity is not a whole number: {quantity!r}")
    return TicketLine(
        product_id=_text(data.get("product_id"), 64),
        # The category routes the line to its kitchen or warehouse printer (G5).
        category_id=_text(data.get("category_id"), 64),
        name=_text(data.get("name"), NAME_MAX),
        quantity=quantity,
        amount_fen=_fen(data, "amount_fen"),
        spec=_text(data.get("spec"), NAME_MAX),
    )


def _placed_at(order: Mapping[str, object]) -> datetime:
    for name in ("placed_at", "paid_at"):
        value = order.get(name)
        if value:
            try:
                at = datetime.fromisoformat(str(value))
            except ValueError:
                raise MalformedOrder(f"{name} is not an ISO time: {value!r}") from None
            if at.tzinfo is None:
                raise MalformedOrder(f"{name} has no time zone: {value!r}")
            return at
    raise MalformedOrder("no placed_at")


def parse_paid_order(data: Mapping[str, object]) -> PaidOrder:
    """The event's `data` -> the order and its ticket; MalformedOrder when it cannot be printed."""
    order = data.get("order")
    if not isinstance(order, Mapping):
        raise MalformedOrder("storefront_order_paid without an order")
    order_id, store_id, kind = (_text(order.get(k), 64) for k in ("order_id", "store_id", "kind"))
    if not order_id or not store_id or not kind:
        raise MalformedOrder("an order without order_id, store_id or kind")
    lines = order.get("lines") or []
    if not isinstance(lines, list):
        raise MalformedOrder("lines is not a list")
    # A takeaway's rider and an in-store pickup are the contact's; the customer otherwise.
    name = _text(order.get("contact_name"), NAME_MAX) or _text(order.get("customer_name"), NAME_MAX)
    phone = _text(order.get("contact_phone"), PHONE_MAX) or _text(order.get("customer_phone"), PHONE_MAX)
    ticket = Ticket(
        store_id=store_id,
        order_id=order_id,
        order_no=_text(order.get("number"), ORDER_NO_MAX),
        kind=kind,
        placed_at=_placed_at(order),
        lines=tuple(_line(x) for x in lines[:MAX_LINES]),
        subtotal_fen=_fen(order, "goods_total_fen"),
        discount_fen=_fen(order, "discount_fen"),
        delivery_fee_fen=_fen(order, "delivery_fee_fen"),
        paid_fen=_fen(order, "paid_fen") or _fen(order, "total_fen"),
        customer_name=name,
        customer_phone=phone,
        address=_text(order.get("address"), ADDRESS_MAX),
        note=_text(order.get("note"), NOTE_MAX),
        verification_code=_text(order.get("verification_code"), CODE_MAX),
    )
    return PaidOrder(order_id=order_id, store_id=store_id, kind=kind, ticket=ticket)
