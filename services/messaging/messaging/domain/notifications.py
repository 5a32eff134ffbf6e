"""Who is told about what, and how the notification reads (F4). Pure: the handler fetches the
store managers and stores the drafts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CUSTOMER_REGISTERED = "customer_registered"


class MalformedEvent(ValueError):
    """The event lacks what the rule needs; retrying cannot fix it."""


@dataclass(frozen=True)
class CustomerRegistered:
    customer_id: str
    customer_name: str
    owner_staff_id: str  # empty: the customer went to the public pool
    store_id: str  # empty: no store, so no store managers to tell


@dataclass(frozen=True)
class NotificationDraft:
    recipient_staff_id: str
    kind: str
    title_key: str
    params: dict[str, str]
    subject: str


def parse_customer_registered(data: Mapping[str, object]) -> CustomerRegistered:
    customer_id = str(data.get("customer_id") or "")
    if not customer_id:
        raise MalformedEvent("customer_registered without customer_id")
    return CustomerRegistered(
        customer_id=customer_id,
        customer_name=str(data.get("name") or ""),
        owner_staff_id=str(data.get("owner_staff_id") or ""),
        store_id=str(data.get("store_id") or ""),
    )


def recipients(owner_staff_id: str, store_manager_ids: Iterable[str]) -> list[str]:
    """The owner first, then the store's managers; each person once (a manager may own the
    customer), nobody blank."""
    seen: list[str] = []
    for staff_id in (owner_staff_id, *store_manager_ids):
        if staff_id and staff_id not in seen:
            seen.append(staff_id)
    return seen


def customer_registered_notifications(
    customer: CustomerRegistered, store_manager_ids: Iterable[str]
) -> list[NotificationDraft]:
    params = {
        "customer_name": customer.customer_name,
        "customer_id": customer.customer_id,
        "salesperson_id": customer.owner_staff_id,
    }
    return [
        NotificationDraft(
            recipient_staff_id=staff_id,
            kind=CUSTOMER_REGISTERED,
            title_key="notification.customer_registered",
            params=dict(params),
            subject=f"customer:{customer.customer_id}",
        )
        for staff_id in recipients(customer.owner_staff_id, store_manager_ids)
    ]


# --- C9: the same phone claimed by two salespeople (撞单) ---

DUPLICATE_COLLISION = "duplicate_collision"


@dataclass(frozen=True)
class DuplicateCollision:
    duplicate_id: str
    phone: str
    customer_id: str
    customer_name: str
    lead_name: str
    staff_ids: tuple[str, ...]  # the customer's owner, then the lead's salesperson


def parse_duplicate_collision(data: Mapping[str, object]) -> DuplicateCollision:
    duplicate_id = str(data.get("duplicate_id") or "")
    staff_ids = data.get("staff_ids")
    if not duplicate_id or not isinstance(staff_ids, list):
        raise MalformedEvent("duplicate_collision without duplicate_id or staff_ids")
    return DuplicateCollision(
        duplicate_id=duplicate_id,
        phone=str(data.get("phone") or ""),
        customer_id=str(data.get("customer_id") or ""),
        customer_name=str(data.get("customer_name") or ""),
        lead_name=str(data.get("lead_name") or ""),
        staff_ids=tuple(str(s) for s in staff_ids if s),
    )


def duplicate_collision_notifications(collision: DuplicateCollision) -> list[NotificationDraft]:
    """Both salespeople are told, each once, so either may release (seed: 会有客户撞单提醒)."""
    params = {
        "customer_name": collision.customer_name,
        "lead_name": collision.lead_name,
        "phone": collision.phone,
        "customer_id": collision.customer_id,
        "duplicate_id": collision.duplicate_id,
    }
    return [
        NotificationDraft(
            recipient_staff_id=staff_id,
            kind=DUPLICATE_COLLISION,
            title_key="notification.duplicate_collision",
            params=dict(params),
            subject=f"duplicate:{collision.duplicate_id}",
        )
        for staff_id in recipients("", collision.staff_ids)
    ]
