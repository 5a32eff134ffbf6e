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
