"""The delivery port: what the orders service needs from a same-city delivery provider (B12).

Use cases depend on `DeliveryPort` only; the Dada open platform adapter (and, in tests, the same
adapter pointed at the local fake server) implements it. Money is integer fen throughout; the
adapter converts to and from the provider's yuan at the edge.

Errors tell the caller what it must decide:
- `DeliveryRejected`: the provider refused this request (bad parameters, unknown shop, order
  already delivered…); sending it again fails the same way.
- `DeliveryUnavailable`: no usable answer (timeout, 5xx, provider system error, a body that is
  not the provider's). The request may or may not have taken effect, so query before re-adding.
- `CallbackRejected`: a status callback that must not be believed; answer it with a non-2xx status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Our delivery statuses (the provider's finer ones map onto these).
STATUS_ACCEPTED = "accepted"  # the provider has the order; a rider is being found or assigned
STATUS_PICKING = "picking"  # a rider took it and is on the way to, or at, the shop
STATUS_DELIVERING = "delivering"  # the rider has the goods
STATUS_DELIVERED = "delivered"
STATUS_CANCELLED = "cancelled"  # cancelled by us (the merchant)
STATUS_FAILED = "failed"  # not delivered for another reason; `reason` says why

CALLBACK_BAD_SIGNATURE = "BAD_SIGNATURE"
CALLBACK_MALFORMED = "MALFORMED"
CALLBACK_UNKNOWN_STATUS = "UNKNOWN_STATUS"


@dataclass(frozen=True)
class DeliveryQuote:
    """What adding an order cost: the fee actually charged and the riding distance."""

    fee_fen: int
    distance_m: int


@dataclass(frozen=True)
class DeliveryStatus:
    order_id: str
    status: str  # one of STATUS_*
    provider_status: int
    reason: str  # why it failed or was cancelled, else ""
    rider_name: str
    rider_phone: str


@dataclass(frozen=True)
class DeliveryUpdate:
    """A verified status callback. The same callback delivered twice parses equal, so a handler
    can be idempotent on (order_id, provider_status, at)."""

    order_id: str
    status: str  # one of STATUS_*
    provider_status: int
    reason: str
    rider_name: str
    rider_phone: str
    at: datetime | None


class DeliveryError(Exception):
    """Base of the port's errors, so a caller can catch them at once."""


class DeliveryRejected(DeliveryError):
    """The provider refused the request; `code` is its code, `message` for people."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code
        self.message = message


class DeliveryUnavailable(DeliveryError):
    """No trustworthy answer; whether the request took effect is unknown (query before retrying)."""


class CallbackRejected(DeliveryError):
    """A callback that must not be acted on; `reason` is one of the CALLBACK_* codes."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class DeliveryPort(Protocol):
    provider: str  # its name on the delivery row, e.g. "dada"

    def add_order(
        self,
        order_id: str,
        *,
        shop_no: str,
        city_code: str,
        cargo_fen: int,
        receiver_name: str,
        receiver_address: str,
        receiver_phone: str,
        callback_url: str,
        receiver_lat: float | None,
        receiver_lng: float | None,
        cargo_weight_kg: float,
    ) -> DeliveryQuote:
        """Hand an order over. The receiver's coordinates (GCJ-02) are required: a rider is sent
        to a point, not to a line of text; ValueError naming the missing or invalid field when the
        order lacks what the provider needs (the merchant then delivers it)."""
        ...

    def cancel(self, order_id: str, reason: str) -> int:
        """Cancel the delivery; returns the fee (fen) the provider keeps for cancelling late."""
        ...

    def query(self, order_id: str) -> DeliveryStatus: ...

    def parse_callback(self, body: bytes | str) -> DeliveryUpdate: ...
