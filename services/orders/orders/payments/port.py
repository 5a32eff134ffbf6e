"""The payment port: what the orders service needs from an online payment provider (B6).

Use cases depend on `PaymentPort` only; the WeChat Pay v3 adapter (and, in tests, the same
adapter pointed at the local fake server) implements it. Money is integer fen throughout.

Errors tell the caller what it must decide:
- `PaymentRejected`: the provider refused this request (bad parameters, order already paid or
  closed, refund above what is left…); sending it again fails the same way.
- `PaymentUnavailable`: no usable answer (timeout, 5xx, rate limit, a response whose signature
  does not verify). The request may or may not have taken effect, so the caller retries later
  and queries before prepaying again.
- `NotificationRejected`: a callback that must not be believed; answer it with a non-2xx status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# WeChat Pay's trade states (query and notifications).
TRADE_SUCCESS = "SUCCESS"
TRADE_REFUND = "REFUND"
TRADE_NOTPAY = "NOTPAY"
TRADE_CLOSED = "CLOSED"
TRADE_REVOKED = "REVOKED"
TRADE_USERPAYING = "USERPAYING"
TRADE_PAYERROR = "PAYERROR"

# Refund states.
REFUND_SUCCESS = "SUCCESS"
REFUND_CLOSED = "CLOSED"
REFUND_PROCESSING = "PROCESSING"
REFUND_ABNORMAL = "ABNORMAL"

# What a notification is about.
KIND_TRANSACTION = "transaction"
KIND_REFUND = "refund"


@dataclass(frozen=True)
class JsapiPayParams:
    """What the mini program / official-account page passes to wx.requestPayment, as named there."""

    appId: str  # noqa: N815 - the client API's own names, so they serialise as-is
    timeStamp: str  # noqa: N815
    nonceStr: str  # noqa: N815
    package: str
    signType: str  # noqa: N815
    paySign: str  # noqa: N815

    def as_dict(self) -> dict[str, str]:
        return {
            "appId": self.appId,
            "timeStamp": self.timeStamp,
            "nonceStr": self.nonceStr,
            "package": self.package,
            "signType": self.signType,
            "paySign": self.paySign,
        }


@dataclass(frozen=True)
class TransactionStatus:
    out_trade_no: str
    trade_state: str
    total_fen: int
    payer_total_fen: int | None  # only once paid
    transaction_id: str | None
    success_time: datetime | None


@dataclass(frozen=True)
class RefundResult:
    out_refund_no: str
    refund_id: str
    status: str
    refund_fen: int
    total_fen: int


@dataclass(frozen=True)
class PaymentEvent:
    """A verified, decrypted notification. The same notification delivered twice parses equal,
    and `event_id` is the provider's id of it, so a handler can be idempotent on either."""

    kind: str  # KIND_TRANSACTION or KIND_REFUND
    event_id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    out_trade_no: str
    transaction_id: str
    total_fen: int
    payer_total_fen: int
    success_time: datetime | None
    trade_state: str | None = None  # transactions
    out_refund_no: str | None = None  # refunds
    refund_id: str | None = None
    refund_status: str | None = None
    refund_fen: int | None = None


class PaymentError(Exception):
    """Base of the port's errors, so a caller can catch them at once."""


class PaymentRejected(PaymentError):
    """The provider refused the request; `code` is its code (e.g. ORDERPAID, ORDER_NOT_EXIST),
    `status` the HTTP status, `message` for people."""

    def __init__(self, code: str, message: str = "", status: int = 400) -> None:
        super().__init__(f"{code} ({status}): {message}" if message else f"{code} ({status})")
        self.code = code
        self.message = message
        self.status = status


class PaymentUnavailable(PaymentError):
    """No trustworthy answer; whether the request took effect is unknown (query before retrying)."""


class NotificationRejected(PaymentError):
    """A notification that must not be acted on; `reason` is one of the NOTIFY_* codes."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


NOTIFY_BAD_SIGNATURE = "BAD_SIGNATURE"
NOTIFY_UNKNOWN_SERIAL = "UNKNOWN_SERIAL"
NOTIFY_STALE = "STALE_TIMESTAMP"
NOTIFY_WRONG_MERCHANT = "WRONG_MERCHANT"
NOTIFY_UNDECRYPTABLE = "UNDECRYPTABLE"
NOTIFY_MALFORMED = "MALFORMED"


class PaymentPort(Protocol):
    def prepay(
        self, out_trade_no: str, description: str, amount_fen: int, payer_openid: str, notify_url: str
    ) -> JsapiPayParams: ...

    def query(self, out_trade_no: str) -> TransactionStatus: ...

    def close(self, out_trade_no: str) -> None: ...

    def refund(
        self,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str,
        notify_url: str,
    ) -> RefundResult: ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes | str) -> PaymentEvent: ...
