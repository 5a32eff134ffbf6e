"""Who an order or a return belongs to and where it is fulfilled (B2, B3)."""

from __future__ import annotations

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.onetime_codes import QrFormat
from orders.errors import ErrorCode

IDEMPOTENCY_KEY_MAX = 64


def salesperson_for_order(customer_owner_staff_id: str, submitter_id: str) -> str:
    """The customer's bound salesperson fills in automatically (B2); a customer in the public
    pool is credited to whoever took the order."""
    return customer_owner_staff_id or submitter_id


def resolve_store(actor: Actor, customer_store_id: str, requested: str) -> str:
    """The store the goods leave from (or come back to): as asked, else the customer's store,
    else the caller's first store. Staff may only name their own stores or the customer's; the
    owner may name any store of the tenant."""
    if requested:
        if actor.has_role("owner") or requested in actor.store_ids or requested == customer_store_id:
            return requested
        raise PermissionDenied(ErrorCode.STORE_ACCESS_DENIED, params={"store_id": requested})
    store = customer_store_id or (actor.store_ids[0] if actor.store_ids else "")
    if not store:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"store_id": "validation.required"})
    return store


def idempotency_key(key: str) -> str | None:
    """None when the client sent none: such a submission is simply never deduplicated."""
    key = key.strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"idempotency_key": "validation.too_long"})
    return key or None


# B7: what an order's verification QR code carries (crmkit's one-time codes, like coupons').
ORDER_QR = QrFormat("CRMORD:")
