"""Who is told about customer ownership changes and registration applications (C2, C3, F4).
Pure: the handler fetches the store managers and stores the drafts.

- released: the store's managers, and the owner when someone else (a manager) released it;
- claimed: the store's managers (who took which customer from the pool);
- transferred: the previous and the new salesperson;
- returned to the pool by the rules: the salesperson who lost it and the store's managers;
- pool return warning: the salesperson who holds it, before it goes;
- registration applied (to review): the salesperson whose QR was scanned.
Never the person who did it, each person once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .notifications import MalformedEvent, NotificationDraft, recipients

CUSTOMER_RELEASED = "customer_released"
CUSTOMER_CLAIMED = "customer_claimed"
CUSTOMER_TRANSFERRED = "customer_transferred"
CUSTOMER_RETURNED_TO_POOL = "customer_returned_to_pool"
POOL_RETURN_WARNING = "pool_return_warning"
REGISTRATION_APPLIED = "registration_applied"

# Events whose recipients include the managers of the customer's store.
NEEDS_STORE_MANAGERS = {CUSTOMER_RELEASED, CUSTOMER_CLAIMED, CUSTOMER_RETURNED_TO_POOL}
OWNERSHIP_EVENTS = (
    CUSTOMER_RELEASED,
    CUSTOMER_CLAIMED,
    CUSTOMER_TRANSFERRED,
    CUSTOMER_RETURNED_TO_POOL,
    POOL_RETURN_WARNING,
    REGISTRATION_APPLIED,
)


@dataclass(frozen=True)
class OwnershipNotice:
    type: str
    subject: str
    store_id: str
    people: tuple[str, ...]  # directly concerned staff, before the store's managers
    actor: str  # who did it: never told about their own act
    params: dict[str, str]


def _text(data: Mapping[str, object], key: str) -> str:
    return str(data.get(key) or "")


def parse_ownership_event(type_: str, data: Mapping[str, object]) -> OwnershipNotice | None:
    """None when the event concerns nobody (e.g. an application approved automatically)."""
    if type_ == REGISTRATION_APPLIED:
        application_id = _text(data, "application_id")
        if not application_id:
            raise MalformedEvent("registration_applied without application_id")
        if data.get("auto_approved"):
            return None  # customer_registered tells the salesperson already
        return OwnershipNotice(
            type_,
            f"registration:{application_id}",
            _text(data, "store_id"),
            (_text(data, "salesperson_id"),),
            "",
            {"customer_name": _text(data, "name"), "application_id": application_id},
        )
    customer_id = _text(data, "customer_id")
    if not customer_id:
        raise MalformedEvent(f"{type_} without customer_id")
    params = {"customer_name": _text(data, "name"), "customer_id": customer_id}
    if type_ == POOL_RETURN_WARNING:
        params["due_at"] = _text(data, "due_at")
        return OwnershipNotice(type_, f"customer:{customer_id}", "", (_text(data, "owner_staff_id"),), "", params)
    params.update(
        from_staff_id=_text(data, "from_staff_id"), to_staff_id=_text(data, "to_staff_id"), reason=_text(data, "reason")
    )
    people = {
        CUSTOMER_RELEASED: (_text(data, "from_staff_id"),),
        CUSTOMER_CLAIMED: (),
        CUSTOMER_TRANSFERRED: (_text(data, "from_staff_id"), _text(data, "to_staff_id")),
        CUSTOMER_RETURNED_TO_POOL: (_text(data, "from_staff_id"),),
    }[type_]
    return OwnershipNotice(
        type_, f"customer:{customer_id}", _text(data, "store_id"), people, _text(data, "by_staff_id"), params
    )


def ownership_notifications(notice: OwnershipNotice, store_manager_ids: Iterable[str]) -> list[NotificationDraft]:
    managers = store_manager_ids if notice.type in NEEDS_STORE_MANAGERS else ()
    return [
        NotificationDraft(
            recipient_staff_id=staff_id,
            kind=notice.type,
            title_key=f"notification.{notice.type}",
            params=dict(notice.params),
            subject=notice.subject,
        )
        for staff_id in recipients("", [*notice.people, *managers])
        if staff_id != notice.actor
    ]
