"""The delivery port on the Dada open platform (达达开放平台, newopen.imdada.cn).

Every request is a JSON envelope `{app_key, timestamp, format, v, source_id, body, signature}`
whose `body` is the business JSON as a string, signed with the app secret (MD5, see
`request_signature`). Every answer is `{status, code, msg, result}`; code 0 is success.

Status callbacks are signed by Dada with MD5 over the sorted values of client_id, order_id and
update_time, and no secret: the signature proves the callback is well formed, not that Dada sent
it. A caller about to act on money (refunds, settling a failed delivery) confirms with `query`.

Only the standard library talks HTTP here (the orders service has no HTTP client dependency).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .port import (
    CALLBACK_BAD_SIGNATURE,
    CALLBACK_MALFORMED,
    CALLBACK_UNKNOWN_STATUS,
    STATUS_ACCEPTED,
    STATUS_CANCELLED,
    STATUS_DELIVERED,
    STATUS_DELIVERING,
    STATUS_FAILED,
    STATUS_PICKING,
    CallbackRejected,
    DeliveryQuote,
    DeliveryRejected,
    DeliveryStatus,
    DeliveryUnavailable,
    DeliveryUpdate,
)

PROD_BASE_URL = "https://newopen.imdada.cn"
TEST_BASE_URL = "http://newopen.qa.imdada.cn"

ADD_ORDER = "/api/order/addOrder"
FORMAL_CANCEL = "/api/order/formalCancel"
STATUS_QUERY = "/api/order/status/query"

# Dada's order_status codes.
DADA_WAITING = 1  # 待接单
DADA_TO_PICK_UP = 2  # 待取货
DADA_DELIVERING = 3  # 配送中
DADA_DELIVERED = 4  # 已完成
DADA_CANCELLED = 5  # 已取消
DADA_ASSIGNED = 8  # 指派单
DADA_RETURNING = 9  # 妥投异常之物品返回中
DADA_RETURNED = 10  # 妥投异常之物品返回完成
DADA_AT_SHOP = 100  # 骑士到店
DADA_CREATE_FAILED = 1000  # 创建达达运单失败

# Who cancelled (callback cancel_from): only a merchant cancel is "cancelled"; a rider, Dada's
# system or its customer service cancelling means the delivery failed.
CANCEL_FROM_MERCHANT = 2

# Dada's "other" cancel reason, which takes free text (ids: /api/order/cancel/reasons).
OTHER_CANCEL_REASON_ID = 10000
# Dada answers code -1 for its own system errors: worth retrying, unlike a refusal.
_SYSTEM_ERROR_CODE = -1

_SIMPLE = {
    DADA_WAITING: STATUS_ACCEPTED,
    DADA_ASSIGNED: STATUS_ACCEPTED,
    DADA_TO_PICK_UP: STATUS_PICKING,
    DADA_AT_SHOP: STATUS_PICKING,
    DADA_DELIVERING: STATUS_DELIVERING,
    DADA_DELIVERED: STATUS_DELIVERED,
}
# Reasons when Dada gives none, stable so callers can key messages on them.
_FAILED_DEFAULT_REASON = {
    DADA_RETURNING: "returning_to_shop",
    DADA_RETURNED: "returned_to_shop",
    DADA_CANCELLED: "cancelled_by_provider",
    DADA_CREATE_FAILED: "provider_order_failed",
}


def map_status(dada_status: int, reason: str = "", cancel_from: int | None = None) -> tuple[str, str]:
    """(our status, reason) for a Dada order_status; ValueError for a code we do not know.

    cancel_from None (status query, which does not say who cancelled) counts as ours."""
    if dada_status in _SIMPLE:
        return _SIMPLE[dada_status], ""
    if dada_status == DADA_CANCELLED and cancel_from in (None, CANCEL_FROM_MERCHANT):
        return STATUS_CANCELLED, reason
    if dada_status in _FAILED_DEFAULT_REASON:
        return STATUS_FAILED, reason or _FAILED_DEFAULT_REASON[dada_status]
    raise ValueError(f"unknown Dada order_status {dada_status}")


def request_signature(params: Mapping[str, str], app_secret: str) -> str:
    """MD5(secret + k1v1k2v2… over the sorted signed keys + secret), upper-case hex."""
    signed = ("app_key", "body", "format", "source_id", "timestamp", "v")
    joined = "".join(f"{key}{params[key]}" for key in sorted(signed))
    return hashlib.md5(f"{app_secret}{joined}{app_secret}".encode()).hexdigest().upper()


def callback_signature(client_id: str, order_id: str, update_time: str) -> str:
    """Dada's callback signature: MD5 of the three values sorted and joined, lower-case hex."""
    return hashlib.md5("".join(sorted([client_id, order_id, update_time])).encode()).hexdigest()


def fen_to_yuan(fen: int) -> float:
    # a float whose shortest repr is exactly the two-decimal yuan amount, so JSON carries "12.34"
    return float(Decimal(fen) / 100)


def yuan_to_fen(value: Any) -> int:
    amount = Decimal(str(value)) * 100
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DadaConfig:
    app_key: str
    app_secret: str
    source_id: str  # the merchant id (商户编号); Dada's test environment uses its own
    base_url: str = PROD_BASE_URL
    timeout_seconds: float = 10.0


def _check_fen(field: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{field}: a positive whole number of fen")


def _check_number(field: str, value: float | None, limit: float, *, positive: bool = False) -> None:
    if value is None:
        raise ValueError(f"{field}: required")
    if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
        raise ValueError(f"{field}: a number within ±{limit:g}")
    if positive and value <= 0:
        raise ValueError(f"{field}: above 0")


def _required(field: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: required")


class Dada:
    """`DeliveryPort` on the Dada open platform."""

    provider = "dada"

    def __init__(self, config: DadaConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._base_url = config.base_url.rstrip("/")

    # --- the port -------------------------------------------------------------------------

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
        for field, value in (
            ("order_id", order_id),
            ("shop_no", shop_no),
            ("city_code", city_code),
            ("receiver_name", receiver_name),
            ("receiver_address", receiver_address),
            ("receiver_phone", receiver_phone),
        ):
            _required(field, value)
        _check_fen("cargo_fen", cargo_fen)
        # Required by addOrder: the rider is sent to the point (高德/GCJ-02), and the fee is by weight.
        _check_number("receiver_lat", receiver_lat, 90)
        _check_number("receiver_lng", receiver_lng, 180)
        _check_number("cargo_weight", cargo_weight_kg, 1000, positive=True)
        if not callback_url.startswith(("http://", "https://")):
            raise ValueError("callback_url: an http(s) URL")
        business: dict[str, Any] = {
            "shop_no": shop_no,
            "origin_id": order_id,
            "city_code": city_code,
            "cargo_price": fen_to_yuan(cargo_fen),
            "is_prepay": 0,
            "receiver_name": receiver_name,
            "receiver_address": receiver_address,
            "receiver_phone": receiver_phone,
            "receiver_lat": receiver_lat,
            "receiver_lng": receiver_lng,
            "cargo_weight": cargo_weight_kg,
            "callback": callback_url,
        }
        result = self._call(ADD_ORDER, business)
        try:
            return DeliveryQuote(fee_fen=yuan_to_fen(result["fee"]), distance_m=int(round(float(result["distance"]))))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise DeliveryUnavailable(f"addOrder answered an unexpected result: {exc!r}") from exc

    def cancel(self, order_id: str, reason: str, reason_id: int = OTHER_CANCEL_REASON_ID) -> int:
        _required("order_id", order_id)
        _required("reason", reason)
        result = self._call(
            FORMAL_CANCEL, {"order_id": order_id, "cancel_reason_id": reason_id, "cancel_reason": reason}
        )
        try:
            return yuan_to_fen((result or {}).get("deduct_fee") or 0)
        except (TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise DeliveryUnavailable(f"formalCancel answered an unexpected result: {exc!r}") from exc

    def query(self, order_id: str) -> DeliveryStatus:
        _required("order_id", order_id)
        result = self._call(STATUS_QUERY, {"order_id": order_id})
        try:
            code = int(result["statusCode"])
            status, reason = map_status(code, str(result.get("cancelReason") or ""))
            return DeliveryStatus(
                order_id=str(result.get("orderId") or order_id),
                status=status,
                provider_status=code,
                reason=reason,
                rider_name=str(result.get("transporterName") or ""),
                rider_phone=str(result.get("transporterPhone") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DeliveryUnavailable(f"status query answered an unexpected result: {exc!r}") from exc

    def parse_callback(self, body: bytes | str) -> DeliveryUpdate:
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            client_id, order_id = str(data["client_id"]), str(data["order_id"])
            update_time, signature = str(data["update_time"]), str(data["signature"])
            dada_status = int(data["order_status"])
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected(CALLBACK_MALFORMED, f"not a Dada callback: {exc!r}") from exc
        expected = callback_signature(client_id, order_id, update_time)
        if not hmac.compare_digest(expected, signature.lower()):
            raise CallbackRejected(CALLBACK_BAD_SIGNATURE, "signature does not match client_id/order_id/update_time")
        try:
            cancel_from = int(data.get("cancel_from") or 0)
            status, reason = map_status(dada_status, str(data.get("cancel_reason") or ""), cancel_from)
        except ValueError as exc:
            raise CallbackRejected(CALLBACK_UNKNOWN_STATUS, str(exc)) from exc
        try:
            at = datetime.fromtimestamp(int(update_time), UTC)
        except (ValueError, OverflowError, OSError):
            at = None
        return DeliveryUpdate(
            order_id=order_id,
            status=status,
            provider_status=dada_status,
            reason=reason,
            rider_name=str(data.get("dm_name") or ""),
            rider_phone=str(data.get("dm_mobile") or ""),
            at=at,
        )

    # --- plumbing -------------------------------------------------------------------------

    def envelope(self, business: Mapping[str, Any]) -> dict[str, str]:
        """The signed request envelope for one business body."""
        cfg = self._config
        params = {
            "app_key": cfg.app_key,
            "timestamp": str(int(self._clock())),
            "format": "json",
            "v": "1.0",
            "source_id": cfg.source_id,
            "body": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
        }
        params["signature"] = request_signature(params, cfg.app_secret)
        return params

    def _call(self, path: str, business: Mapping[str, Any]) -> Any:
        cfg = self._config
        request = urllib.request.Request(
            self._base_url + path,
            data=json.dumps(self.envelope(business), ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "crm-orders-dada/1",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=cfg.timeout_seconds) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets are OSErrors
            raise DeliveryUnavailable(f"POST {path}: {exc}") from exc
        text = raw.decode("utf-8", errors="replace")
        if status >= 500 or status == 429:
            raise DeliveryUnavailable(f"POST {path}: HTTP {status} {text[:200]}")
        try:
            answer = json.loads(text)
            outcome, code = answer["status"], int(answer["code"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryUnavailable(f"POST {path}: HTTP {status}, not a Dada answer: {text[:200]!r}") from exc
        message = str(answer.get("msg") or "")
        if outcome == "success" and code == 0:
            return answer.get("result")
        if code == _SYSTEM_ERROR_CODE:
            raise DeliveryUnavailable(f"POST {path}: Dada system error: {message}")
        raise DeliveryRejected(code, message)
