"""A local fake of the Dada open platform (orders, cancels, status callbacks), for tests and `make run`.

It checks requests the way newopen.imdada.cn does: an unknown app_key, source_id or a signature
that does not match the app secret is answered `{status: "fail", code: 2003}`. Orders are kept in
memory; `advance(order_id, status)` moves one along and POSTs a correctly signed callback to its
callback URL (or a forged one).

    POST /api/order/addOrder        -> {distance, fee, deliverFee}
    POST /api/order/formalCancel    -> {deduct_fee}
    POST /api/order/status/query    -> {orderId, statusCode, statusMsg, transporterName, ...}

Error codes other than 0 and the signature's are the fake's own (tests rely on none of them).

Embed it: server = FakeDadaServer(); server.start(); adapter = Dada(server.config()); ...
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any

from crmkit.fake_http import FakeHttpServer

from .dada import (
    ADD_ORDER,
    DADA_AT_SHOP,
    DADA_CANCELLED,
    DADA_DELIVERED,
    DADA_DELIVERING,
    DADA_RETURNED,
    DADA_TO_PICK_UP,
    DADA_WAITING,
    FORMAL_CANCEL,
    STATUS_QUERY,
    DadaConfig,
    callback_signature,
    fen_to_yuan,
    request_signature,
)

# Defaults the fake and `config()` agree on. Not secrets.
TEST_APP_KEY = "dada-fake-app-key"
TEST_APP_SECRET = "dada-fake-app-secret"
TEST_SOURCE_ID = "73753"
TEST_CLIENT_ID = "dada-fake-client"

CODE_SIGNATURE = 2003
CODE_PARAMS = 2001
CODE_DUPLICATE = 2105
CODE_NOT_FOUND = 2005
CODE_NOT_CANCELLABLE = 2076

_STATUS_MSG = {1: "待接单", 2: "待取货", 3: "配送中", 4: "已完成", 5: "已取消", 8: "指派单", 9: "妥投异常之物品返回中"}
_STATUS_MSG.update({10: "妥投异常之物品返回完成", 100: "骑士到店", 1000: "创建达达运单失败"})
_RIDER_STATUSES = {DADA_TO_PICK_UP, DADA_AT_SHOP, DADA_DELIVERING, DADA_DELIVERED, 9, DADA_RETURNED}
_FINAL = {DADA_DELIVERED, DADA_CANCELLED, DADA_RETURNED, 1000}


@dataclass
class Callback:
    """One callback POSTed to an order's callback URL: what was sent and the status it got."""

    url: str
    body: str
    status: int | None


@dataclass
class _Order:
    origin_id: str
    shop_no: str
    cargo_price: Any
    callback: str
    fee_fen: int
    distance_m: int
    # Where the rider goes (latitude, longitude) and the parcel's weight (kg), as handed over.
    receiver: tuple[float, float]
    weight_kg: float
    status: int = DADA_WAITING
    cancel_reason: str = ""
    rider_id: str = ""
    rider_name: str = ""
    rider_phone: str = ""


class _Refusal(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


class FakeDada:
    """The fake's state and rules, without the socket (thread-safe)."""

    def __init__(
        self,
        *,
        app_key: str = TEST_APP_KEY,
        app_secret: str = TEST_APP_SECRET,
        source_id: str = TEST_SOURCE_ID,
        client_id: str = TEST_CLIENT_ID,
        fee_fen: int = 850,
        distance_m: int = 2380,
    ) -> None:
        self.app_key, self.app_secret, self.source_id, self.client_id = app_key, app_secret, source_id, client_id
        self.fee_fen, self.distance_m = fee_fen, distance_m
        self._lock = threading.Lock()
        self._orders: dict[str, _Order] = {}
        self._fail_next: int | None = None
        self.callbacks: list[Callback] = []

    # --- the API --------------------------------------------------------------------------

    def answer(self, path: str, body: str) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON answer for one request."""
        with self._lock:
            if self._fail_next is not None:
                status, self._fail_next = self._fail_next, None
                return status, {"status": "fail", "code": -1, "msg": "系统异常"}
        try:
            business = self._check(body)
            with self._lock:
                result = self._route(path, business)
        except _Refusal as refusal:
            return 200, {"status": "fail", "code": refusal.code, "msg": refusal.msg}
        return 200, {"status": "success", "code": 0, "msg": "成功", "result": result}

    def _check(self, body: str) -> dict[str, Any]:
        try:
            envelope = json.loads(body)
            params = {key: str(envelope[key]) for key in ("app_key", "body", "format", "source_id", "timestamp", "v")}
            signature = str(envelope["signature"])
        except (ValueError, KeyError, TypeError):
            raise _Refusal(CODE_PARAMS, "请求参数不完整") from None
        if params["app_key"] != self.app_key or params["source_id"] != self.source_id:
            raise _Refusal(CODE_SIGNATURE, "app_key 或 source_id 无效")
        if signature != request_signature(params, self.app_secret):
            raise _Refusal(CODE_SIGNATURE, "签名错误")
        try:
            business = json.loads(params["body"])
        except ValueError:
            raise _Refusal(CODE_PARAMS, "body 不是 JSON") from None
        if not isinstance(business, dict):
            raise _Refusal(CODE_PARAMS, "body 不是 JSON 对象")
        return business

    def _route(self, path: str, data: dict[str, Any]) -> Any:
        if path == ADD_ORDER:
            return self._add(data)
        if path == FORMAL_CANCEL:
            return self._cancel(data)
        if path == STATUS_QUERY:
            return self._query(self._order(str(data.get("order_id"))))
        raise _Refusal(CODE_PARAMS, f"no route {path}")

    def _order(self, origin_id: str) -> _Order:
        order = self._orders.get(origin_id)
        if order is None:
            raise _Refusal(CODE_NOT_FOUND, "订单不存在")
        return order

    def _add(self, data: dict[str, Any]) -> dict[str, Any]:
        required = ("shop_no", "origin_id", "city_code", "cargo_price", "is_prepay", "receiver_name")
        required += ("receiver_address", "receiver_lat", "receiver_lng", "receiver_phone", "cargo_weight", "callback")
        missing = [key for key in required if data.get(key) in (None, "")]
        if missing:
            raise _Refusal(CODE_PARAMS, f"缺少参数: {','.join(missing)}")
        for key in ("cargo_price", "cargo_weight"):
            if not isinstance(data[key], int | float) or data[key] <= 0:
                raise _Refusal(CODE_PARAMS, f"{key} 必须是正数")
        for key, limit in (("receiver_lat", 90), ("receiver_lng", 180)):
            if not isinstance(data[key], int | float) or not -limit <= data[key] <= limit:
                raise _Refusal(CODE_PARAMS, f"{key} 不是有效的坐标")
        origin_id = str(data["origin_id"])
        if origin_id in self._orders:
            raise _Refusal(CODE_DUPLICATE, "订单已存在")
        self._orders[origin_id] = _Order(
            origin_id=origin_id,
            shop_no=str(data["shop_no"]),
            cargo_price=data["cargo_price"],
            callback=str(data["callback"]),
            fee_fen=self.fee_fen,
            distance_m=self.distance_m,
            receiver=(data["receiver_lat"], data["receiver_lng"]),
            weight_kg=data["cargo_weight"],
        )
        fee = fen_to_yuan(self.fee_fen)
        return {"distance": float(self.distance_m), "fee": fee, "deliverFee": fee}

    def _cancel(self, data: dict[str, Any]) -> dict[str, Any]:
        order = self._order(str(data.get("order_id")))
        if order.status in _FINAL or order.status == DADA_DELIVERING:
            raise _Refusal(CODE_NOT_CANCELLABLE, f"订单状态为{_STATUS_MSG.get(order.status, order.status)}，不能取消")
        if not data.get("cancel_reason_id"):
            raise _Refusal(CODE_PARAMS, "缺少参数: cancel_reason_id")
        # a rider already on the way costs the merchant a fee, as Dada charges
        deduct_fen = 200 if order.status in (DADA_TO_PICK_UP, DADA_AT_SHOP) else 0
        order.status, order.cancel_reason = DADA_CANCELLED, str(data.get("cancel_reason") or "")
        return {"deduct_fee": fen_to_yuan(deduct_fen) if deduct_fen else 0}

    @staticmethod
    def _query(order: _Order) -> dict[str, Any]:
        fee = float(Decimal(order.fee_fen) / 100)
        return {
            "orderId": order.origin_id,
            "statusCode": order.status,
            "statusMsg": _STATUS_MSG.get(order.status, ""),
            "transporterName": order.rider_name,
            "transporterPhone": order.rider_phone,
            "distance": float(order.distance_m),
            "deliveryFee": fee,
            "actualFee": fee,
            "cancelReason": order.cancel_reason,
        }

    # --- what tests drive -----------------------------------------------------------------

    def fail_next(self, http_status: int = 500) -> None:
        """The next request is answered with this HTTP status and a system error."""
        with self._lock:
            self._fail_next = http_status

    def handed(self, origin_id: str) -> tuple[tuple[float, float], float]:
        """Where an order's rider is sent and its weight (kg), as it was handed over."""
        with self._lock:
            order = self._order(origin_id)
            return order.receiver, order.weight_kg

    def status(self, origin_id: str) -> int:
        with self._lock:
            return self._order(origin_id).status

    def advance(
        self,
        order_id: str,
        status: int,
        cancel_reason: str = "",
        *,
        cancel_from: int = 0,
        forge: bool = False,
        update_time: int | None = None,
    ) -> Callback:
        """The order moves to Dada `status` and its callback is POSTed (signed; forged if asked).

        A rider is assigned from 待取货 on; cancel_from says who cancelled (1 rider, 2 merchant,
        3 Dada)."""
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise ValueError(f"no order {order_id}")
            order.status = status
            order.cancel_reason = cancel_reason
            if status in _RIDER_STATUSES and not order.rider_id:
                order.rider_id, order.rider_name, order.rider_phone = "88001", "张骑士", "13800138000"
            stamp = str(update_time if update_time is not None else int(time.time()))
            signature = callback_signature(self.client_id, order_id, stamp)
            if forge:
                signature = callback_signature(self.client_id, order_id, str(int(stamp) + 1))
            payload = {
                "client_id": self.client_id,
                "order_id": order_id,
                "order_status": status,
                "cancel_reason": cancel_reason,
                "cancel_from": cancel_from,
                "update_time": int(stamp),
                "signature": signature,
                "dm_id": int(order.rider_id) if order.rider_id else 0,
                "dm_name": order.rider_name,
                "dm_mobile": order.rider_phone,
            }
            url = order.callback
        sent = self._post(url, json.dumps(payload, ensure_ascii=False))
        with self._lock:
            self.callbacks.append(sent)
        return sent

    @staticmethod
    def _post(url: str, body: str) -> Callback:
        request = urllib.request.Request(
            url, data=body.encode("utf-8"), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status: int | None = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = None
        return Callback(url=url, body=body, status=status)


class _Handler(BaseHTTPRequestHandler):
    server: Any  # crmkit.fake_http: the server, its state as `.fake`

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        status, answer = self.server.fake.answer(self.path.split("?")[0], body)
        raw = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeDadaServer(FakeHttpServer):
    """The fake on a real socket, served from a background thread."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **fake_options: Any) -> None:
        super().__init__(_Handler, FakeDada(**fake_options), name="fake-dada", host=host, port=port)

    def config(self, **overrides: Any) -> DadaConfig:
        """An adapter configuration for this fake (start() first)."""
        fake = self.fake
        values: dict[str, Any] = {
            "app_key": fake.app_key,
            "app_secret": fake.app_secret,
            "source_id": fake.source_id,
            "base_url": self.url,
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        return DadaConfig(**values)


def serve_fake() -> FakeDadaServer:
    """The launcher's stand-in for `{fake:orders.delivery.fake_server}` (declaration.py): on a free
    port, with the TEST_* account orders' local configuration names."""
    server = FakeDadaServer(port=0)
    server.start()
    return server
