"""The merchant's storefront orders (B6) and their refunds (B8): six kinds, each with its own way
from paid to done, and who may take each step.

From the merchant manual (seed 001): e-commerce ships with a carrier and tracking number, waits
for the customer to confirm receipt, then is done; a reservation is confirmed by the merchant,
waits to be consumed, and is done when the customer confirms it or the merchant verifies its
code; an in-store order is confirmed, then verified with its one-time code (B7) or completed by
the customer; takeaway is accepted, goes out for delivery, waits for receipt, then is done; a
face-to-face payment is done when paid; a stored-value top-up is done when the coupons service
has credited it. In-store, face-to-face and top-up orders take no refund requests (the manual's
list); the others take one request at a time, for all or part of what was paid, which the
merchant approves (for at most what is left) or rejects. A full refund closes the order.

Who acts is a party, not a role: the merchant (staff of the order's store, checked by the use
case), the order's own customer, or the system (a payment or delivery callback, a timer). The
party is checked before the state, so a caller who may not act learns nothing of the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from crmkit.onetime_codes import QrFormat
from orders.errors import ErrorCode

# Kinds (B6).
ECOMMERCE = "ecommerce"  # 电商
RESERVATION = "reservation"  # 预约
IN_STORE = "in_store"  # 到店
TAKEAWAY = "takeaway"  # 外卖
FACE_TO_FACE = "face_to_face"  # 当面付
TOP_UP = "top_up"  # 储值
KINDS = (ECOMMERCE, RESERVATION, IN_STORE, TAKEAWAY, FACE_TO_FACE, TOP_UP)
# The manual: 到店、当面付、储值不支持退款.
REFUNDABLE = (ECOMMERCE, RESERVATION, TAKEAWAY)

# States.
AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"
SHIPPED = "shipped"  # e-commerce: on its way, waiting for the customer's receipt
CONFIRMED = "confirmed"  # reservation (to consume) and in-store: the merchant took it
ACCEPTED = "accepted"  # takeaway: the merchant took it, being prepared
DELIVERING = "delivering"  # takeaway: with a rider
DELIVERED = "delivered"  # takeaway: handed over, waiting for the customer's receipt
DONE = "done"
CLOSED = "closed"  # unpaid in time, cancelled before payment, or refunded in full

# Parties.
MERCHANT = "merchant"
CUSTOMER = "customer"
SYSTEM = "system"


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str
    parties: tuple[str, ...]


# Before payment, every kind: paid by a verified payment notification, closed by the customer or
# by the timer that closes unpaid orders (stock and coupons go back, the use case's part).
_PAYMENT = {
    "pay": Step((AWAITING_PAYMENT,), PAID, (SYSTEM,)),
    "cancel": Step((AWAITING_PAYMENT,), CLOSED, (CUSTOMER, SYSTEM)),
}

STEPS: dict[str, dict[str, Step]] = {
    ECOMMERCE: {
        **_PAYMENT,
        "ship": Step((PAID,), SHIPPED, (MERCHANT,)),
        # The customer confirms receipt; the system does after the store's days without one.
        "confirm_receipt": Step((SHIPPED,), DONE, (CUSTOMER, SYSTEM)),
    },
    RESERVATION: {
        **_PAYMENT,
        "confirm": Step((PAID,), CONFIRMED, (MERCHANT, SYSTEM)),
        "complete": Step((CONFIRMED,), DONE, (CUSTOMER,)),
        "verify": Step((CONFIRMED,), DONE, (MERCHANT,)),
    },
    IN_STORE: {
        **_PAYMENT,
        # SYSTEM: the store's auto-accept (G3) confirms with nobody at a screen.
        "confirm": Step((PAID,), CONFIRMED, (MERCHANT, SYSTEM)),
        "verify": Step((CONFIRMED,), DONE, (MERCHANT,)),
        "complete": Step((CONFIRMED,), DONE, (CUSTOMER,)),
    },
    TAKEAWAY: {
        **_PAYMENT,
        "accept": Step((PAID,), ACCEPTED, (MERCHANT, SYSTEM)),
        # Out with the shop's own rider (merchant) or handed to a delivery company (its callback).
        "dispatch": Step((ACCEPTED,), DELIVERING, (MERCHANT, SYSTEM)),
        # A rider who could not deliver: back to the merchant, with the reason (B12).
        "delivery_failed": Step((DELIVERING,), ACCEPTED, (MERCHANT, SYSTEM)),
        "deliver": Step((DELIVERING,), DELIVERED, (MERCHANT, SYSTEM)),
        "confirm_receipt": Step((DELIVERED,), DONE, (CUSTOMER, SYSTEM)),
    },
    # Paid at the counter: done the moment the payment is.
    FACE_TO_FACE: {**_PAYMENT, "pay": Step((AWAITING_PAYMENT,), DONE, (SYSTEM,))},
    # Paid, then credited by the coupons service's recharge rules (E7): done when credited.
    TOP_UP: {**_PAYMENT, "credit": Step((PAID,), DONE, (SYSTEM,))},
}

# A refund may be asked for once the order is paid and until it is closed (goods come back after
# receipt too); what was refunded in full is closed.
REFUND_STATES = (PAID, SHIPPED, CONFIRMED, ACCEPTED, DELIVERING, DELIVERED, DONE)
# A refund request waiting for the merchant (the state of its StorefrontRefundRow).
REFUND_REQUESTED = "requested"

# B7: what the QR code of a reservation's or an in-store order's one-time code carries.
STOREFRONT_QR = QrFormat("CRMSF:")


def next_state(kind: str, action: str, state: str, party: str) -> str:
    """The state after `party` takes `action` on an order of `kind` in `state`; PermissionDenied
    for a party that may not take it (checked first), Conflict for a wrong state or an action
    the kind does not have."""
    step = STEPS[kind].get(action)
    if step is None:
        raise Conflict(ErrorCode.STOREFRONT_STATE_INVALID, params={"status": state})
    if party not in step.parties:
        raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": action})
    if state not in step.sources:
        raise Conflict(ErrorCode.STOREFRONT_STATE_INVALID, params={"status": state})
    return step.target


def actions(kind: str, state: str, party: str) -> tuple[str, ...]:
    """What `party` may do now: the buttons a screen shows."""
    return tuple(name for name, step in STEPS[kind].items() if state in step.sources and party in step.parties)


@dataclass(frozen=True)
class Refunds:
    """An order's money so far: paid, refunded (approved and sent), and asked for (a pending
    request, 0 when none)."""

    paid_fen: int
    refunded_fen: int = 0
    requested_fen: int = 0

    @property
    def refundable_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


def may_request_refund(kind: str, state: str, money: Refunds) -> bool:
    """Whether the customer may ask for a refund now: the button check_refund_request would
    not refuse."""
    return kind in REFUNDABLE and state in REFUND_STATES and not money.requested_fen and money.refundable_fen > 0


def check_refund_request(kind: str, state: str, money: Refunds, amount_fen: int) -> None:
    """The customer asks for `amount_fen` back (B8). Kinds the manual lists as not refundable are
    refused by name; one request at a time; at most what is left to refund."""
    if kind not in REFUNDABLE:
        raise Conflict(ErrorCode.REFUND_NOT_ACCEPTED, params={"kind": kind})
    if state not in REFUND_STATES:
        raise Conflict(ErrorCode.STOREFRONT_STATE_INVALID, params={"status": state})
    if money.requested_fen:
        raise Conflict(ErrorCode.REFUND_PENDING)
    _check_amount(amount_fen, money)


def approved_refund(money: Refunds, amount_fen: int) -> tuple[Refunds, bool]:
    """The merchant approves `amount_fen` (at most what is left: the request may be lowered, not
    raised past it): the money after it, and whether the order is now refunded in full (closed)."""
    if not money.requested_fen:
        raise Conflict(ErrorCode.REFUND_NOT_PENDING)
    _check_amount(amount_fen, money)
    after = Refunds(money.paid_fen, money.refunded_fen + amount_fen, 0)
    return after, after.refundable_fen == 0


def _check_amount(amount_fen: int, money: Refunds) -> None:
    if amount_fen <= 0 or amount_fen > money.refundable_fen:
        raise InvalidInput(
            ErrorCode.REFUND_AMOUNT_INVALID,
            fields={"amount_fen": "validation.refund_over_paid"},
            params={"max_fen": money.refundable_fen},
        )
