"""F4: the merchant's storefront orders (orders' storefront events). A paid order
(`storefront_order_paid`) and a customer's refund request (`storefront_refund_requested`) reach
the tenant's owners and the order's store managers at once, in the inbox and in their open apps
(the /m/ app speaks the title). Pure: the handler asks identity for the people and stores the drafts.

The params are strings, as every notification's: the contract's `*_fen` amounts, and the same
amounts in yuan (`*_yuan`, "61.00") for the title to read out, since a title renders its params
as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .notifications import MalformedEvent, NotificationDraft

STOREFRONT_ORDER = "storefront_order"
STOREFRONT_REFUND = "storefront_refund"
NUMBER_MAX = 40
REASON_MAX = 200


@dataclass(frozen=True)
class StorefrontOrder:
    order_id: str
    number: str
    store_id: str
    kind: str
    total_fen: int


@dataclass(frozen=True)
class RefundRequested:
    order: StorefrontOrder
    refund_id: str
    requested_fen: int
    reason: str


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _fen(data: Mapping[str, object], name: str) -> int:
    value = data.get(name) or 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(f"{name} is not a whole number of fen")
    return value


def _order(data: Mapping[str, object], event_type: str) -> StorefrontOrder:
    order = data.get("order")
    if not isinstance(order, Mapping):
        raise MalformedEvent(f"{event_type} without an order")
    order_id, store_id = str(order.get("order_id") or ""), str(order.get("store_id") or "")
    if not order_id or not store_id:
        raise MalformedEvent(f"{event_type} without order_id or store_id")
    return StorefrontOrder(
        order_id=order_id,
        number=" ".join(str(order.get("number") or "").split())[:NUMBER_MAX],
        store_id=store_id,
        kind=str(order.get("kind") or ""),
        total_fen=_fen(order, "total_fen"),
    )


def parse_order_paid(data: Mapping[str, object]) -> StorefrontOrder:
    return _order(data, "storefront_order_paid")


def parse_refund_requested(data: Mapping[str, object]) -> RefundRequested:
    order = _order(data, "storefront_refund_requested")
    refund = data.get("refund")
    if not isinstance(refund, Mapping) or not refund.get("refund_id"):
        raise MalformedEvent("storefront_refund_requested without a refund")
    return RefundRequested(
        order=order,
        refund_id=str(refund["refund_id"]),
        requested_fen=_fen(refund, "requested_fen"),
        reason=" ".join(str(refund.get("reason") or "").split())[:REASON_MAX],
    )


def recipients(owner_ids: Iterable[str], store_manager_ids: Iterable[str]) -> list[str]:
    """The owners, then the store's managers; each person once (an owner may manage the store too)."""
    return [staff_id for staff_id in dict.fromkeys((*owner_ids, *store_manager_ids)) if staff_id]


def _drafts(kind: str, order: StorefrontOrder, params: dict[str, str], people: list[str]) -> list[NotificationDraft]:
    return [
        NotificationDraft(
            recipient_staff_id=staff_id,
            kind=kind,
            title_key=f"notification.{kind}",
            params=dict(params),
            # Not "order:": that names a wholesale order (the admin's 订单 page).
            subject=f"{STOREFRONT_ORDER}:{order.order_id}",
        )
        for staff_id in people
    ]


def order_paid_notifications(
    order: StorefrontOrder, owner_ids: Iterable[str], store_manager_ids: Iterable[str]
) -> list[NotificationDraft]:
    params = {
        "number": order.number,
        "kind": order.kind,
        "total_fen": str(order.total_fen),
        "total_yuan": yuan(order.total_fen),
        "store_id": order.store_id,
    }
    return _drafts(STOREFRONT_ORDER, order, params, recipients(owner_ids, store_manager_ids))


def refund_requested_notifications(
    refund: RefundRequested, owner_ids: Iterable[str], store_manager_ids: Iterable[str]
) -> list[NotificationDraft]:
    params = {
        "number": refund.order.number,
        "requested_fen": str(refund.requested_fen),
        "requested_yuan": yuan(refund.requested_fen),
        "reason": refund.reason,
        "refund_id": refund.refund_id,
        "store_id": refund.order.store_id,
    }
    return _drafts(STOREFRONT_REFUND, refund.order, params, recipients(owner_ids, store_manager_ids))
