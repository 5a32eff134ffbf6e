"""The storefront orders' change log (A1): who changed which storefront order, when, and its
changed fields before and after, in the orders database's `change_log` (object type
`storefront_order`), written in the transaction of the change like every document's here
(orders.service.changes).

Who: the staff member or customer acting (crmkit.changelog.author), or a service acting as
itself (printing's auto-accept); a change nobody asked for through the API names the job or the
provider callback that made it (crmkit.changelog.system).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crmkit import changelog
from crmkit.auth import Actor
from crmkit.changelog import Author
from orders.models_storefront import StorefrontLineRow, StorefrontOrderRow, StorefrontRefundRow
from orders.service.changes import log_change

STOREFRONT_ORDER = "storefront_order"

# Changes no person asked for: the background loop (unpaid orders closed, payments found by
# asking WeChat Pay, top-ups credited late) and WeChat Pay's notifications.
STOREFRONT_LOOP = changelog.system("storefront-loop")
PAYMENT_NOTIFICATION = changelog.system("wechat-pay-notification")

# The entry of each step of orders.domain.storefront.STEPS, in the past tense as every other
# document's entries are.
LOGGED_AS = {
    "pay": "paid",
    "credit": "credited",
    "accept": "accepted",
    "confirm": "confirmed",
    "ship": "shipped",
    "dispatch": "dispatched",
    "deliver": "delivered",
    "delivery_failed": "delivery_failed",
    "confirm_receipt": "receipt_confirmed",
    "complete": "completed",
    "verify": "verified",
    "cancel": "cancelled",
}
PLACED = "placed"
REFUND_REQUESTED = "refund_requested"
REFUND_APPROVED = "refund_approved"
REFUND_REJECTED = "refund_rejected"
# WeChat Pay's refund notification: the money went back, or could not.
REFUND_SETTLED = "refund_settled"
REFUND_FAILED = "refund_failed"
# A payment that arrived for an order closed meanwhile, sent back in full at once.
LATE_PAYMENT_REFUNDED = "late_payment_refunded"


def delivery_callback(provider: str) -> Author:
    """The delivery company's status callbacks ("dada-callback")."""
    return changelog.system(f"{provider}-callback")


def order_snapshot(row: StorefrontOrderRow, refund: StorefrontRefundRow | None = None) -> dict[str, Any]:
    """What moves on a storefront order after it is placed, with one of its refunds when the
    change is about it (under `refund.<id>`, so the entry names it, as a product's
    `customer_price.<customer id>`). Not its one-time code: whoever reads the log must not be
    able to serve the order with it."""
    snapshot = {
        "state": row.state,
        "paid_fen": row.paid_fen,
        "refunded_fen": row.refunded_fen,
        "payment_method": row.payment_method,
        "transaction_id": row.transaction_id,
        "carrier": row.carrier,
        "tracking_no": row.tracking_no,
        "verified_at": row.verified_at,
        "reason": row.reason,
    }
    if refund is not None:
        snapshot[f"refund.{refund.id}"] = {
            "state": refund.state,
            "requested_fen": refund.requested_fen,
            "approved_fen": refund.approved_fen,
            "reason": refund.reason,
            "reject_reason": refund.reject_reason,
        }
    return snapshot


def placed_snapshot(row: StorefrontOrderRow, lines: list[StorefrontLineRow]) -> dict[str, Any]:
    """The whole order as it was placed: what kind, for whom, where, at which prices."""
    return {
        **order_snapshot(row),
        "kind": row.kind,
        "number": row.number,
        "customer_id": row.customer_id,
        "store_id": row.store_id,
        "placed_by": row.placed_by,
        "goods_total_fen": row.goods_total_fen,
        "discount_fen": row.discount_fen,
        "delivery_fee_fen": row.delivery_fee_fen,
        "total_fen": row.total_fen,
        "note": row.note,
        "reserved_for": row.reserved_for,
        "lines": [
            {
                "product_id": li.product_id,
                "quantity": li.quantity,
                "unit_price_fen": li.unit_price_fen,
                "spec": li.spec,
            }
            for li in lines
        ],
    }


def log_order_change(
    session: Session,
    by: Author | Actor,
    row: StorefrontOrderRow,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    now: datetime,
) -> bool:
    return log_change(session, by, STOREFRONT_ORDER, row, action, before=before, after=after, now=now)
