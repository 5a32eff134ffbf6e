"""A local fake of WeChat Pay API v3 (JSAPI orders and refunds), for tests and `make run`.

It checks requests and signs answers and notifications the way api.mch.weixin.qq.com does:
- a request whose Authorization does not verify with the merchant's public key (or names
  another mchid or certificate serial, or is more than five minutes off) is 401 SIGN_ERROR;
- every answer carries Wechatpay-Timestamp/Nonce/Serial/Signature made with the fake's own
  platform key, which `platform_public_key` hands to the adapter;
- notifications are POSTed to the order's notify_url, the resource sealed with AES-256-GCM under
  the APIv3 key and the envelope signed with the platform key.

    POST /v3/pay/transactions/jsapi                        -> {prepay_id}
    GET  /v3/pay/transactions/out-trade-no/{no}?mchid=     -> the transaction
    POST /v3/pay/transactions/out-trade-no/{no}/close      -> 204
    POST /v3/refund/domestic/refunds                       -> the refund (PROCESSING)
    POST /_fake/pay/{out_trade_no}                         (unsigned, for `make run`) pay it

Tests drive the payer from Python: `pay(no, times=2 | forge=True | tamper_payer_total_fen=1 |
timestamp_offset=-600)`, `settle_refund(out_refund_no, ...)`, `fail_next(status, code)`,
`forge_next_answer()`.

Embed it: server = FakeWeChatPayServer(); server.start(); adapter = WeChatPay(server.config()); ...
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from crmkit.fake_http import FakeHttpServer

from . import crypto, fake_keys
from .wechatpay import MAX_CLOCK_SKEW_SECONDS, WeChatPayConfig

# Defaults the fake and `config()` agree on. Not secrets.
TEST_MCHID = "1900000109"
TEST_APPID = "wxd678efh567hg6787"
TEST_MERCHANT_SERIAL_NO = "FAKEMERCHANTSERIAL0000000000000000000001"
TEST_PLATFORM_SERIAL_NO = "PUB_KEY_ID_0000000000000000000000000000001"
TEST_APIV3_KEY = b"fake-apiv3-key-0123456789abcdef!"

_CHINA = timezone(timedelta(hours=8))
_OUT_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
_TRADE_PATH = re.compile(r"/v3/pay/transactions/out-trade-no/([^/?]+)(/close)?")


def _china_now() -> str:
    return datetime.now(UTC).astimezone(_CHINA).replace(microsecond=0).isoformat()


@dataclass
class Delivery:
    """One notification POSTed to a notify_url: what was sent and the status it got (None: no answer)."""

    url: str
    headers: dict[str, str]
    body: str
    status: int | None


@dataclass
class _Order:
    out_trade_no: str
    description: str
    total: int
    openid: str
    notify_url: str
    prepay_id: str
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    refunded: int = 0
    refunds: list[str] = field(default_factory=list)


@dataclass
class _Refund:
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    refund: int
    notify_url: str
    reason: str
    create_time: str
    status: str = "PROCESSING"
    success_time: str | None = None


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeWeChatPay:
    """The fake's state and rules, without the socket (thread-safe)."""

    def __init__(
        self,
        *,
        mchid: str = TEST_MCHID,
        appid: str = TEST_APPID,
        merchant_serial_no: str = TEST_MERCHANT_SERIAL_NO,
        merchant_public_key: rsa.RSAPublicKey,
        apiv3_key: bytes = TEST_APIV3_KEY,
        platform_serial_no: str = TEST_PLATFORM_SERIAL_NO,
        platform_private_key: rsa.RSAPrivateKey | None = None,
    ) -> None:
        self.mchid, self.appid = mchid, appid
        self.merchant_serial_no = merchant_serial_no
        self.merchant_public_key = merchant_public_key
        self.apiv3_key = apiv3_key
        self.platform_serial_no = platform_serial_no
        self._platform_key = platform_private_key or crypto.generate_key()
        self.platform_public_key = self._platform_key.public_key()
        self._lock = threading.Lock()
        self._orders: dict[str, _Order] = {}
        self._refunds: dict[str, _Refund] = {}
        self._fail_next: _Refusal | None = None
        self._forge_next = False
        self.deliveries: list[Delivery] = []

    # --- the API --------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: str) -> tuple[int, dict[str, str], str]:
        """Status, headers and body for one request (`target` is the path with its query)."""
        try:
            self._check_signature(method, target, headers, body)
            with self._lock:
                if self._fail_next is not None:
                    refusal, self._fail_next = self._fail_next, None
                    raise refusal
                status, payload = self._route(method, target, body)
        except _Refusal as refusal:
            status, payload = refusal.status, {"code": refusal.code, "message": refusal.message}
        text = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            forge, self._forge_next = self._forge_next, False
        return status, self._signed_headers(text, forge=forge), text

    def _check_signature(self, method: str, target: str, headers: dict[str, str], body: str) -> None:
        h = {k.lower(): v for k, v in headers.items()}
        params = crypto.parse_authorization(h.get("authorization", ""))
        if params is None:
            raise _Refusal(401, "SIGN_ERROR", "Authorization 缺失或认证类型不是 WECHATPAY2-SHA256-RSA2048")
        if params.get("mchid") != self.mchid:
            raise _Refusal(401, "SIGN_ERROR", "商户号与签名不符")
        if params.get("serial_no") != self.merchant_serial_no:
            raise _Refusal(401, "SIGN_ERROR", "商户证书序列号有误")
        try:
            skew = abs(time.time() - int(params.get("timestamp", "")))
        except ValueError:
            raise _Refusal(401, "SIGN_ERROR", "timestamp 无效") from None
        if skew > MAX_CLOCK_SKEW_SECONDS:
            raise _Refusal(401, "SIGN_ERROR", "请求已过期")
        message = crypto.request_message(method, target, params["timestamp"], params.get("nonce_str", ""), body)
        if not crypto.verify(self.merchant_public_key, message, params.get("signature", "")):
            raise _Refusal(401, "SIGN_ERROR", "签名错误")

    def _route(self, method: str, target: str, body: str) -> tuple[int, dict[str, Any] | None]:
        url = urlsplit(target)
        if method == "POST" and url.path == "/v3/pay/transactions/jsapi":
            return 200, self._prepay(self._json(body))
        if method == "POST" and url.path == "/v3/refund/domestic/refunds":
            return 200, self._refund(self._json(body))
        match = _TRADE_PATH.fullmatch(url.path)
        if match:
            out_trade_no, close = unquote(match.group(1)), bool(match.group(2))
            if method == "GET" and not close:
                if dict(parse_qsl(url.query)).get("mchid") != self.mchid:
                    raise _Refusal(400, "PARAM_ERROR", "mchid 与订单不符")
                return 200, self._transaction(self._order(out_trade_no))
            if method == "POST" and close:
                if self._json(body).get("mchid") != self.mchid:
                    raise _Refusal(400, "PARAM_ERROR", "mchid 与订单不符")
                order = self._order(out_trade_no)
                if order.trade_state in ("SUCCESS", "REFUND"):
                    raise _Refusal(400, "ORDERPAID", "订单已支付")
                order.trade_state = "CLOSED"
                return 204, None
        raise _Refusal(404, "NOT_FOUND", f"no route {method} {url.path}")

    @staticmethod
    def _json(body: str) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except ValueError:
            raise _Refusal(400, "PARAM_ERROR", "请求体不是 JSON") from None
        if not isinstance(data, dict):
            raise _Refusal(400, "PARAM_ERROR", "请求体不是 JSON 对象")
        return data

    def _order(self, out_trade_no: str) -> _Order:
        order = self._orders.get(out_trade_no)
        if order is None:
            raise _Refusal(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    def _prepay(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("appid") != self.appid or data.get("mchid") != self.mchid:
            raise _Refusal(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
        out_trade_no, amount = data.get("out_trade_no"), data.get("amount") or {}
        total, openid = amount.get("total"), (data.get("payer") or {}).get("openid")
        if not isinstance(out_trade_no, str) or not _OUT_NO.fullmatch(out_trade_no):
            raise _Refusal(400, "PARAM_ERROR", "out_trade_no 格式错误")
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            raise _Refusal(400, "PARAM_ERROR", "amount.total 必须是正整数（分）")
        if amount.get("currency", "CNY") != "CNY" or not openid or not data.get("description"):
            raise _Refusal(400, "PARAM_ERROR", "currency、payer.openid 或 description 有误")
        notify_url = data.get("notify_url")
        if not isinstance(notify_url, str) or not notify_url.startswith(("http://", "https://")):
            raise _Refusal(400, "PARAM_ERROR", "notify_url 格式错误")
        order = self._orders.get(out_trade_no)
        if order is not None:
            if order.trade_state in ("SUCCESS", "REFUND"):
                raise _Refusal(403, "ORDERPAID", "订单已支付")
            if order.trade_state == "CLOSED":
                raise _Refusal(400, "ORDER_CLOSED", "订单已关闭")
            if (order.total, order.description, order.openid) != (total, data["description"], openid):
                raise _Refusal(403, "OUT_TRADE_NO_USED", "商户订单号重复")
            # the same order asked again: the same prepay id, as WeChat does
            return {"prepay_id": order.prepay_id}
        order = _Order(
            out_trade_no=out_trade_no,
            description=str(data["description"]),
            total=total,
            openid=str(openid),
            notify_url=notify_url,
            prepay_id="wx" + uuid.uuid4().hex[:30],
        )
        self._orders[out_trade_no] = order
        return {"prepay_id": order.prepay_id}

    def _transaction(self, order: _Order) -> dict[str, Any]:
        paid = order.trade_state in ("SUCCESS", "REFUND")
        amount: dict[str, Any] = {"total": order.total, "currency": "CNY"}
        result: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": order.out_trade_no,
            "trade_state": order.trade_state,
            "trade_state_desc": {"NOTPAY": "未支付", "CLOSED": "已关闭", "SUCCESS": "支付成功"}.get(
                order.trade_state, "转入退款"
            ),
            "amount": amount,
        }
        if paid:
            amount.update(payer_total=order.total, payer_currency="CNY")
            result.update(
                transaction_id=order.transaction_id,
                trade_type="JSAPI",
                bank_type="OTHERS",
                success_time=order.success_time,
                payer={"openid": order.openid},
            )
        return result

    def _refund(self, data: dict[str, Any]) -> dict[str, Any]:
        out_refund_no, amount = data.get("out_refund_no"), data.get("amount") or {}
        if not isinstance(out_refund_no, str) or not _OUT_NO.fullmatch(out_refund_no):
            raise _Refusal(400, "PARAM_ERROR", "out_refund_no 格式错误")
        existing = self._refunds.get(out_refund_no)
        if existing is not None:
            # a repeated refund request answers the refund already made
            return self._refund_answer(existing)
        order = self._orders.get(str(data.get("out_trade_no")))
        if order is None:
            raise _Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if order.trade_state not in ("SUCCESS", "REFUND"):
            raise _Refusal(400, "INVALID_REQUEST", "订单未支付，不能退款")
        refund, total = amount.get("refund"), amount.get("total")
        if not isinstance(refund, int) or isinstance(refund, bool) or refund <= 0:
            raise _Refusal(400, "PARAM_ERROR", "amount.refund 必须是正整数（分）")
        if total != order.total:
            raise _Refusal(400, "PARAM_ERROR", "amount.total 与订单金额不符")
        if order.refunded + refund > order.total:
            raise _Refusal(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        notify_url = data.get("notify_url") or order.notify_url
        record = _Refund(
            out_refund_no=out_refund_no,
            refund_id="50" + uuid.uuid4().hex[:30],
            out_trade_no=order.out_trade_no,
            refund=refund,
            notify_url=str(notify_url),
            reason=str(data.get("reason") or ""),
            create_time=_china_now(),
        )
        order.refunded += refund
        order.refunds.append(out_refund_no)
        self._refunds[out_refund_no] = record
        return self._refund_answer(record)

    def _refund_answer(self, record: _Refund) -> dict[str, Any]:
        order = self._orders[record.out_trade_no]
        answer: dict[str, Any] = {
            "refund_id": record.refund_id,
            "out_refund_no": record.out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": order.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": record.create_time,
            "status": record.status,
            "amount": {
                "total": order.total,
                "refund": record.refund,
                "payer_total": order.total,
                "payer_refund": record.refund,
                "currency": "CNY",
            },
        }
        if record.success_time:
            answer["success_time"] = record.success_time
        return answer

    # --- what tests drive -----------------------------------------------------------------

    def fail_next(self, status: int, code: str, message: str = "") -> None:
        """The next signed request is answered with this error (e.g. 500 SYSTEM_ERROR)."""
        with self._lock:
            self._fail_next = _Refusal(status, code, message)

    def forge_next_answer(self) -> None:
        """The next answer is signed with a key that is not the platform key."""
        with self._lock:
            self._forge_next = True

    def trade_state(self, out_trade_no: str) -> str:
        with self._lock:
            return self._order(out_trade_no).trade_state

    def pay(
        self,
        out_trade_no: str,
        *,
        times: int = 1,
        forge: bool = False,
        tamper_payer_total_fen: int | None = None,
        timestamp_offset: int = 0,
    ) -> list[Delivery]:
        """The payer pays: the order becomes SUCCESS and TRANSACTION.SUCCESS is POSTed `times` times.

        forge: signed with a stranger's key; tamper_payer_total_fen: the amount is changed after
        signing; timestamp_offset: seconds added to the (signed) Wechatpay-Timestamp.
        """
        with self._lock:
            order = self._order(out_trade_no)
            if order.trade_state != "NOTPAY":
                raise ValueError(f"{out_trade_no} is {order.trade_state}, not NOTPAY")
            order.trade_state = "SUCCESS"
            order.transaction_id = "4200" + uuid.uuid4().hex[:24]
            order.success_time = _china_now()
            resource = self._transaction(order)
            url = order.notify_url
        return self._notify(
            url,
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            resource,
            times=times,
            forge=forge,
            tamper=tamper_payer_total_fen,
            timestamp_offset=timestamp_offset,
        )

    def settle_refund(
        self,
        out_refund_no: str,
        *,
        times: int = 1,
        forge: bool = False,
        tamper_payer_total_fen: int | None = None,
        timestamp_offset: int = 0,
    ) -> list[Delivery]:
        """The refund reaches the payer: it becomes SUCCESS and REFUND.SUCCESS is POSTed."""
        with self._lock:
            record = self._refunds.get(out_refund_no)
            if record is None or record.status != "PROCESSING":
                raise ValueError(f"no PROCESSING refund {out_refund_no}")
            record.status = "SUCCESS"
            record.success_time = _china_now()
            order = self._orders[record.out_trade_no]
            order.trade_state = "REFUND"
            resource = {
                "mchid": self.mchid,
                "out_trade_no": order.out_trade_no,
                "transaction_id": order.transaction_id,
                "out_refund_no": record.out_refund_no,
                "refund_id": record.refund_id,
                "refund_status": "SUCCESS",
                "success_time": record.success_time,
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": order.total,
                    "refund": record.refund,
                    "payer_total": order.total,
                    "payer_refund": record.refund,
                },
            }
            url = record.notify_url
        return self._notify(
            url,
            "REFUND.SUCCESS",
            "退款成功",
            "refund",
            resource,
            times=times,
            forge=forge,
            tamper=tamper_payer_total_fen,
            timestamp_offset=timestamp_offset,
        )

    # --- signing and delivery -------------------------------------------------------------

    def _signed_headers(self, body: str, *, forge: bool = False, timestamp_offset: int = 0) -> dict[str, str]:
        timestamp = str(int(time.time()) + timestamp_offset)
        nonce = crypto.new_nonce()
        key = crypto.generate_key() if forge else self._platform_key
        return {
            "Request-ID": uuid.uuid4().hex,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.platform_serial_no,
            "Wechatpay-Signature": crypto.sign(key, crypto.response_message(timestamp, nonce, body)),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def _envelope(self, event_id: str, event_type: str, summary: str, original_type: str, resource: dict) -> str:
        nonce = uuid.uuid4().hex[:12]
        plain = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
        envelope = {
            "id": event_id,
            "create_time": _china_now(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": crypto.encrypt_resource(self.apiv3_key, plain, original_type, nonce),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))

    def _notify(
        self,
        url: str,
        event_type: str,
        summary: str,
        original_type: str,
        resource: dict[str, Any],
        *,
        times: int,
        forge: bool,
        tamper: int | None,
        timestamp_offset: int,
    ) -> list[Delivery]:
        event_id = str(uuid.uuid4())
        body = self._envelope(event_id, event_type, summary, original_type, resource)
        headers = self._signed_headers(body, forge=forge, timestamp_offset=timestamp_offset)
        if tamper is not None:
            # what a man in the middle holding the APIv3 key could send: the signature stays
            altered = json.loads(json.dumps(resource))
            altered["amount"]["payer_total"] = tamper
            body = self._envelope(event_id, event_type, summary, original_type, altered)
        sent = [self._post(url, headers, body) for _ in range(times)]
        with self._lock:
            self.deliveries.extend(sent)
        return sent

    @staticmethod
    def _post(url: str, headers: dict[str, str], body: str) -> Delivery:
        request = urllib.request.Request(
            url,
            data=body.encode("utf-8"),
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status: int | None = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = None
        return Delivery(url=url, headers=dict(headers), body=body, status=status)


class _Handler(BaseHTTPRequestHandler):
    server: Any  # crmkit.fake_http: the server, its state as `.fake`

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        fake = self.server.fake
        if method == "POST" and self.path.startswith("/_fake/pay/"):
            try:
                deliveries = fake.pay(unquote(self.path.removeprefix("/_fake/pay/")))
                status, text = 200, json.dumps({"delivered": [d.status for d in deliveries]})
            except _Refusal as refusal:
                status, text = refusal.status, json.dumps({"code": refusal.code, "message": refusal.message})
            except ValueError as exc:
                status, text = 409, json.dumps({"code": "NOT_PAYABLE", "message": str(exc)})
            self._reply(status, {"Content-Type": "application/json"}, text)
            return
        status, headers, text = fake.answer(method, self.path, dict(self.headers.items()), body)
        self._reply(status, headers, text)

    def _reply(self, status: int, headers: dict[str, str], text: str) -> None:
        raw = text.encode("utf-8")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if raw:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeWeChatPayServer(FakeHttpServer):
    """The fake on a real socket, served from a background thread.

    Without a merchant key it makes one, so `config()` gives a working adapter configuration.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        merchant_private_key: rsa.RSAPrivateKey | None = None,
        mchid: str = TEST_MCHID,
        appid: str = TEST_APPID,
        apiv3_key: bytes = TEST_APIV3_KEY,
        platform_private_key: rsa.RSAPrivateKey | None = None,
    ) -> None:
        self.merchant_private_key = merchant_private_key or crypto.generate_key()
        fake = FakeWeChatPay(
            mchid=mchid,
            appid=appid,
            merchant_public_key=self.merchant_private_key.public_key(),
            apiv3_key=apiv3_key,
            platform_private_key=platform_private_key,
        )
        super().__init__(_Handler, fake, name="fake-wechatpay", host=host, port=port)

    def config(self, **overrides: Any) -> WeChatPayConfig:
        """An adapter configuration for this fake (start() first)."""
        fake = self.fake
        values: dict[str, Any] = {
            "mchid": fake.mchid,
            "appid": fake.appid,
            "merchant_serial_no": fake.merchant_serial_no,
            "merchant_private_key": self.merchant_private_key,
            "platform_serial_no": fake.platform_serial_no,
            "platform_public_key": fake.platform_public_key,
            "apiv3_key": fake.apiv3_key,
            "base_url": self.url,
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        return WeChatPayConfig(**values)


def serve_fake() -> FakeWeChatPayServer:
    """The launcher's stand-in for `{fake:orders.payments.fake_server}` (declaration.py): on a free
    port, with the fixed keys of `fake_keys` that orders' local configuration names, so `make run`
    takes payments against it (`POST <url>/_fake/pay/<out_trade_no>` pays an order)."""
    server = FakeWeChatPayServer(
        port=0,
        merchant_private_key=crypto.load_private_key(fake_keys.FAKE_MERCHANT_PRIVATE_KEY),
        platform_private_key=crypto.load_private_key(fake_keys.FAKE_PLATFORM_PRIVATE_KEY),
    )
    server.start()
    return server
