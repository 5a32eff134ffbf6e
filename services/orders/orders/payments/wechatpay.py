"""The payment port on WeChat Pay API v3 (JSAPI: mini programs and official-account pages).

Every request is signed with the merchant's API key (Authorization header); every response and
every notification is verified with the WeChat Pay platform public key (Wechatpay-* headers) and
a timestamp no more than five minutes off, so neither a man in the middle nor a forged callback
can make an order look paid. Notification resources are decrypted with the APIv3 key.

Only the standard library talks HTTP here (the orders service has no HTTP client dependency).
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa

from . import crypto
from .port import (
    KIND_REFUND,
    KIND_TRANSACTION,
    NOTIFY_BAD_SIGNATURE,
    NOTIFY_MALFORMED,
    NOTIFY_STALE,
    NOTIFY_UNDECRYPTABLE,
    NOTIFY_UNKNOWN_SERIAL,
    NOTIFY_WRONG_MERCHANT,
    JsapiPayParams,
    NotificationRejected,
    PaymentEvent,
    PaymentRejected,
    PaymentUnavailable,
    RefundResult,
    TransactionStatus,
)

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
# WeChat Pay refuses (and we refuse) signed messages more than five minutes off the clock.
MAX_CLOCK_SKEW_SECONDS = 300
# WeChat's rule for out_trade_no / out_refund_no: 6-32 characters of these.
_OUT_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    merchant_serial_no: str  # serial of the merchant API certificate the private key belongs to
    merchant_private_key: rsa.RSAPrivateKey
    platform_serial_no: str  # platform certificate serial or public key id (PUB_KEY_ID_...)
    platform_public_key: rsa.RSAPublicKey
    apiv3_key: bytes  # 32 bytes
    base_url: str = DEFAULT_BASE_URL
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if len(self.apiv3_key) != 32:
            raise ValueError("apiv3_key must be 32 bytes (AES-256)")


def _check_out_no(field: str, value: str) -> None:
    if not isinstance(value, str) or not _OUT_NO.fullmatch(value):
        raise ValueError(f"{field}: 6-32 characters of 0-9 A-Z a-z _ - | *")


def _check_fen(field: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{field}: a positive whole number of fen")


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


class WeChatPay:
    """`PaymentPort` on WeChat Pay API v3."""

    provider = "wechatpay"

    def __init__(self, config: WeChatPayConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._base_url = config.base_url.rstrip("/")

    # --- the port -------------------------------------------------------------------------

    def prepay(
        self, out_trade_no: str, description: str, amount_fen: int, payer_openid: str, notify_url: str
    ) -> JsapiPayParams:
        _check_out_no("out_trade_no", out_trade_no)
        _check_fen("amount_fen", amount_fen)
        if not description or len(description) > 127:
            raise ValueError("description: 1-127 characters")
        if not payer_openid:
            raise ValueError("payer_openid: required")
        cfg = self._config
        answer = self._call(
            "POST",
            "/v3/pay/transactions/jsapi",
            {
                "appid": cfg.appid,
                "mchid": cfg.mchid,
                "description": description,
                "out_trade_no": out_trade_no,
                "notify_url": notify_url,
                "amount": {"total": amount_fen, "currency": "CNY"},
                "payer": {"openid": payer_openid},
            },
        )
        prepay_id = answer.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise PaymentUnavailable("prepay answered without a prepay_id")
        return self.pay_params(prepay_id)

    def pay_params(self, prepay_id: str) -> JsapiPayParams:
        """The client's wx.requestPayment parameters for a prepay id (valid two hours)."""
        cfg = self._config
        timestamp = str(int(self._clock()))
        nonce = crypto.new_nonce()
        package = f"prepay_id={prepay_id}"
        pay_sign = crypto.sign(cfg.merchant_private_key, crypto.pay_sign_message(cfg.appid, timestamp, nonce, package))
        return JsapiPayParams(
            appId=cfg.appid, timeStamp=timestamp, nonceStr=nonce, package=package, signType="RSA", paySign=pay_sign
        )

    def query(self, out_trade_no: str) -> TransactionStatus:
        _check_out_no("out_trade_no", out_trade_no)
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={quote(self._config.mchid)}"
        answer = self._call("GET", path, None)
        self._check_merchant(answer, PaymentUnavailable)
        amount = answer.get("amount") or {}
        try:
            return TransactionStatus(
                out_trade_no=str(answer["out_trade_no"]),
                trade_state=str(answer["trade_state"]),
                total_fen=int(amount["total"]),
                payer_total_fen=int(amount["payer_total"]) if "payer_total" in amount else None,
                transaction_id=answer.get("transaction_id") or None,
                success_time=_parse_time(answer.get("success_time")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PaymentUnavailable(f"query answered an unexpected body: {exc!r}") from exc

    def close(self, out_trade_no: str) -> None:
        _check_out_no("out_trade_no", out_trade_no)
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close"
        self._call("POST", path, {"mchid": self._config.mchid})

    def refund(
        self,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str,
        notify_url: str,
    ) -> RefundResult:
        _check_out_no("out_trade_no", out_trade_no)
        _check_out_no("out_refund_no", out_refund_no)
        _check_fen("refund_fen", refund_fen)
        _check_fen("total_fen", total_fen)
        if refund_fen > total_fen:
            raise ValueError("refund_fen: more than total_fen")
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "notify_url": notify_url,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        }
        if reason:
            body["reason"] = reason[:80]
        answer = self._call("POST", "/v3/refund/domestic/refunds", body)
        amount = answer.get("amount") or {}
        try:
            return RefundResult(
                out_refund_no=str(answer["out_refund_no"]),
                refund_id=str(answer["refund_id"]),
                status=str(answer["status"]),
                refund_fen=int(amount["refund"]),
                total_fen=int(amount["total"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PaymentUnavailable(f"refund answered an unexpected body: {exc!r}") from exc

    def parse_notification(self, headers: Mapping[str, str], body: bytes | str) -> PaymentEvent:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        problem = self._signature_problem(headers, text)
        if problem is not None:
            raise NotificationRejected(*problem)
        try:
            envelope = json.loads(text)
            event_id = str(envelope["id"])
            event_type = str(envelope["event_type"])
            resource = envelope["resource"]
            sealed = (str(resource["ciphertext"]), str(resource.get("associated_data") or ""), str(resource["nonce"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected(NOTIFY_MALFORMED, f"not a WeChat Pay notification: {exc!r}") from exc
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected(NOTIFY_MALFORMED, f"unknown algorithm {resource.get('algorithm')!r}")
        try:
            plain = json.loads(crypto.decrypt_resource(self._config.apiv3_key, *sealed))
        except (InvalidTag, ValueError) as exc:
            raise NotificationRejected(NOTIFY_UNDECRYPTABLE, "the resource does not open with our APIv3 key") from exc
        self._check_merchant(plain, lambda message: NotificationRejected(NOTIFY_WRONG_MERCHANT, message))
        try:
            return self._event(event_id, event_type, plain)
        except (KeyError, TypeError, ValueError) as exc:
            raise NotificationRejected(NOTIFY_MALFORMED, f"unexpected resource: {exc!r}") from exc

    # --- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _event(event_id: str, event_type: str, plain: dict[str, Any]) -> PaymentEvent:
        amount = plain["amount"]
        common = {
            "event_id": event_id,
            "event_type": event_type,
            "out_trade_no": str(plain["out_trade_no"]),
            "transaction_id": str(plain["transaction_id"]),
            "total_fen": int(amount["total"]),
            "payer_total_fen": int(amount["payer_total"]),
            "success_time": _parse_time(plain.get("success_time")),
        }
        if event_type.startswith("REFUND."):
            return PaymentEvent(
                kind=KIND_REFUND,
                out_refund_no=str(plain["out_refund_no"]),
                refund_id=str(plain["refund_id"]),
                refund_status=str(plain["refund_status"]),
                refund_fen=int(amount["refund"]),
                **common,
            )
        return PaymentEvent(kind=KIND_TRANSACTION, trade_state=str(plain["trade_state"]), **common)

    def _check_merchant(self, data: Mapping[str, Any], error: Callable[[str], Exception]) -> None:
        # a validly signed message for another merchant or app is still not ours to act on
        cfg = self._config
        if str(data.get("mchid")) != cfg.mchid:
            raise error(f"mchid {data.get('mchid')!r} is not ours")
        if "appid" in data and str(data["appid"]) != cfg.appid:
            raise error(f"appid {data.get('appid')!r} is not ours")

    def _signature_problem(self, headers: Mapping[str, str], body: str) -> tuple[str, str] | None:
        h = {k.lower(): v for k, v in headers.items()}
        timestamp = h.get("wechatpay-timestamp", "")
        nonce = h.get("wechatpay-nonce", "")
        signature = h.get("wechatpay-signature", "")
        serial = h.get("wechatpay-serial", "")
        if not (timestamp and nonce and signature and serial):
            return NOTIFY_BAD_SIGNATURE, "Wechatpay-Timestamp/Nonce/Signature/Serial missing"
        if serial != self._config.platform_serial_no:
            # WeChat rotates platform keys; an unknown serial needs the new key configured
            return NOTIFY_UNKNOWN_SERIAL, f"Wechatpay-Serial {serial!r} is not the configured platform key"
        try:
            skew = abs(self._clock() - int(timestamp))
        except ValueError:
            return NOTIFY_BAD_SIGNATURE, "Wechatpay-Timestamp is not a number"
        if skew > MAX_CLOCK_SKEW_SECONDS:
            return NOTIFY_STALE, f"Wechatpay-Timestamp is {int(skew)} s off (at most {MAX_CLOCK_SKEW_SECONDS})"
        message = crypto.response_message(timestamp, nonce, body)
        if not crypto.verify(self._config.platform_public_key, message, signature):
            return NOTIFY_BAD_SIGNATURE, "Wechatpay-Signature does not verify with the platform key"
        return None

    def _call(self, method: str, path_with_query: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        cfg = self._config
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        headers = {
            "Accept": "application/json",
            "User-Agent": "crm-orders-wechatpay/1",
            "Authorization": crypto.authorization(
                mchid=cfg.mchid,
                serial_no=cfg.merchant_serial_no,
                private_key=cfg.merchant_private_key,
                method=method,
                path_with_query=path_with_query,
                body=body,
                timestamp=str(int(self._clock())),
            ),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self._base_url + path_with_query,
            data=body.encode("utf-8") if payload is not None else None,
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=cfg.timeout_seconds) as response:
                status, resp_headers, raw = response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            status, resp_headers, raw = exc.code, dict(exc.headers.items()), exc.read()
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets are OSErrors
            raise PaymentUnavailable(f"{method} {path_with_query.split('?')[0]}: {exc}") from exc
        text = raw.decode("utf-8", errors="replace")
        if status >= 500 or status == 429:
            raise PaymentUnavailable(f"{method} {path_with_query.split('?')[0]}: HTTP {status} {text[:200]}")
        if status >= 400:
            # A refusal is not verified: believing a forged one can only make us not take money,
            # and WeChat does not sign every error (e.g. some 401s).
            try:
                error = json.loads(text)
                code, message = str(error.get("code") or f"HTTP_{status}"), str(error.get("message") or "")
            except (ValueError, AttributeError):
                code, message = f"HTTP_{status}", text[:200]
            raise PaymentRejected(code, message, status)
        problem = self._signature_problem(resp_headers, text)
        if problem is not None:
            raise PaymentUnavailable(f"response not verified ({problem[0]}): {problem[1]}")
        if not text:
            return {}
        try:
            answer = json.loads(text)
        except ValueError as exc:
            raise PaymentUnavailable(f"response is not JSON: {text[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise PaymentUnavailable("response is not a JSON object")
        return answer
