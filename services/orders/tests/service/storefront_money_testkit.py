"""Fixtures of the storefront money tests (B6 B8 B12): the orders server built with the real
WeChat Pay adapter on the local WeChat Pay fake and the real Dada adapter on the local Dada fake,
a fake coupons service (stored value, recharges) in process, and a stand-in of the gateway's
callback routes that forwards what the providers POST to the orders server as the gateway does
(the `gateway` service actor, no tenant) and answers them with its verdict.

Import the fixtures into a test module: `from storefront_money_testkit import *  # noqa: F403`.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from orders_testkit import ISSUER, PUBLIC, MerchantStores, call, product, staff, token_for

from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import orders_pb2_grpc, storefront_pb2_grpc
from crm.orders.v1 import storefront_pb2 as pb
from crmkit.auth import CUSTOMER, Actor, TokenVerifier
from crmkit.db import Database
from crmkit.errors import Conflict, DomainError, Unavailable
from crmkit.fake_http import FakeHttpServer
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.protos import money
from crmkit.settings import Settings
from orders import server
from orders.delivery.dada import Dada
from orders.delivery.fake_server import FakeDadaServer
from orders.grpc_storefront import FULL_NAME
from orders.models import Outbox
from orders.payments import crypto
from orders.payments.fake_server import FakeWeChatPayServer
from orders.payments.wechatpay import WeChatPay
from orders.providers import DADA_CALLBACK_PATH, WECHATPAY_CALLBACK_PATH, Delivery, Payments
from orders.service.coupons import CouponUse
from orders.service.storefront_closing import StorefrontLoop

__all__ = [
    "CouponsBook",
    "Shop",
    "coupons_book",
    "dada",
    "gateway",
    "money_runtime",
    "shop",
    "storefront",
    "wechatpay",
]

STORE = "store-1"
GATEWAY = ISSUER.service_token("gateway")


# --- the coupons service's part: stored value and recharges ------------------------------------


@dataclass
class CouponsBook:
    """The coupons service as orders uses it (redeem/release, debit/credit/recharge), in memory,
    idempotent on the keys as the real one is; `down` makes it unreachable."""

    balances: dict[tuple[str, str], int] = field(default_factory=dict)
    moves: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # key -> (kind, customer, fen)
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _reachable(self) -> None:
        if self.down:
            raise Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")

    def redeem(self, *args, **kwargs) -> CouponUse:
        raise AssertionError("no coupons in these tests")

    def release(self, tenant_id: str, order_id: str) -> None:
        self._reachable()

    def _move(self, kind: str, tenant_id: str, customer_id: str, fen: int, key: str) -> None:
        self._reachable()
        with self.lock:
            if key in self.moves:
                return
            balance = self.balances.get((tenant_id, customer_id), 0)
            after = balance - fen if kind == "debit" else balance + fen
            if after < 0:
                raise Conflict("INSUFFICIENT_BALANCE", "error.insufficient_balance", params={"balance": balance})
            self.balances[(tenant_id, customer_id)] = after
            self.moves[key] = (kind, customer_id, fen)

    def debit(self, tenant_id, customer_id, amount_fen, *, reference, key) -> None:
        self._move("debit", tenant_id, customer_id, amount_fen, key)

    def credit(self, tenant_id, customer_id, amount_fen, *, reference, key) -> None:
        self._move("credit", tenant_id, customer_id, amount_fen, key)

    def recharge(self, tenant_id, customer_id, paid_fen, *, note, key) -> None:
        self._move("recharge", tenant_id, customer_id, paid_fen, key)

    def reverse(self, tenant_id, customer_id, *, original_key, key) -> bool:
        self._reachable()
        original = self.moves.get(original_key)
        if original is None:
            return False
        kind, owner, fen = original
        assert owner == customer_id and kind == "debit"
        self._move("credit", tenant_id, customer_id, fen, key)
        return True


# --- the gateway's callback routes ----------------------------------------------------------------


class _CallbackHandler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        gateway = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name: value for name, value in self.headers.items()}
        status = gateway.forward(self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class GatewayRoutes:
    """What the providers' POSTs got: each forwarded as a ProviderCallback, 200 when accepted,
    500 when not (the provider sends it again), 400 for INVALID_ARGUMENT, 503 UNAVAILABLE."""

    client: ServiceClient | None = None
    # Lost on the way: answered 500 and never forwarded (a notification that does not arrive).
    drop: bool = False
    answers: list[tuple[str, int, str]] = field(default_factory=list)

    def forward(self, path: str, headers: dict[str, str], body: bytes) -> int:
        if self.drop:
            self.answers.append((path, 500, "dropped"))
            return 500
        method = {WECHATPAY_CALLBACK_PATH: "HandlePaymentNotification", DADA_CALLBACK_PATH: "HandleDeliveryCallback"}
        request = pb.ProviderCallback(headers=headers, body=body)
        try:
            answer = self.client.call(method[path], request, token=GATEWAY, timeout=30)
        except DomainError as exc:
            status = {"INVALID_ARGUMENT": 400, "UNAVAILABLE": 503}.get(exc.grpc_status.name, 500)
            self.answers.append((path, status, exc.code))
            return status
        status = 200 if answer.accepted else 500
        self.answers.append((path, status, answer.message))
        return status


@pytest.fixture(scope="session")
def gateway():
    routes = GatewayRoutes()
    with FakeHttpServer(_CallbackHandler, routes, name="callbacks") as http:
        routes.url = http.url
        yield routes


@pytest.fixture(scope="session")
def wechatpay():
    with FakeWeChatPayServer(platform_private_key=crypto.generate_key()) as fake:
        yield fake


@pytest.fixture(scope="session")
def dada():
    with FakeDadaServer() as fake:
        yield fake


@pytest.fixture(scope="session")
def coupons_book():
    return CouponsBook()


@pytest.fixture(scope="session")
def money_runtime(database_url, customers, wechatpay, dada, gateway, coupons_book):
    settings = Settings(
        service="orders",
        database_url=database_url,
        jwt_public_key=PUBLIC,
        peers={"customers": customers.address},
        service_token=ISSUER.service_token("orders"),
    )
    payments = Payments(WeChatPay(wechatpay.config()), gateway.url + WECHATPAY_CALLBACK_PATH)
    delivery = Delivery(Dada(dada.config()), "shop-1", "021", gateway.url + DADA_CALLBACK_PATH)
    rt = server.build(settings, coupons=coupons_book, stores=MerchantStores(), payments=payments, delivery=delivery)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def storefront(money_runtime, gateway):
    """Clients of the StorefrontService and OrdersService of the money runtime."""
    grpc_server, port, _ = build_server(
        "orders", money_runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    address = f"127.0.0.1:{port}"
    client = ServiceClient(address, storefront_pb2_grpc.StorefrontServiceStub, FULL_NAME)
    orders = ServiceClient(address, orders_pb2_grpc.OrdersServiceStub, "crm.orders.v1.OrdersService")
    gateway.client = client
    yield client, orders
    client.close()
    orders.close()
    grpc_server.stop(0)


# --- one tenant's shop ---------------------------------------------------------------------------


@dataclass
class Shop:
    """A tenant with a store, its owner, a product in stock and a customer."""

    tenant: str
    client: ServiceClient
    orders: ServiceClient
    db: Database
    owner: Actor
    customer: Actor
    product_id: str
    book: CouponsBook

    def customer_token(self) -> str:
        return token_for(self.customer)

    def call(self, actor: Actor, method: str, request):
        return call(self.client, actor, method, request)

    def place(
        self, kind: str = "ecommerce", *, quantity: int = 2, amount_fen: int = 0, point: bool = True, **fields
    ) -> pb.StorefrontOrder:
        """`point`: a takeaway carries its address's coordinates, as the location picker gives them."""
        request = pb.PlaceStorefrontOrderRequest(store_id=STORE, kind=kind, **fields)
        if amount_fen:
            request.amount.CopyFrom(money(amount_fen))
        else:
            request.lines.append(pb.StorefrontLineInput(product_id=self.product_id, quantity=quantity))
        if kind in ("ecommerce", "takeaway") and not request.address:
            request.address = "上海市浦东新区世纪大道100号"
        if kind == "takeaway":
            request.contact_name = request.contact_name or "王小姐"
            request.contact_phone = request.contact_phone or "13900000000"
            if point and not request.HasField("latitude"):
                request.latitude, request.longitude = 31.2397, 121.4998
        if kind == "reservation":
            request.reserved_for.FromDatetime(datetime.now(UTC) + timedelta(days=1))
        return self.call(self.customer, "PlaceOrder", request)

    def pay_wechat(self, order_id: str, openid: str = "openid-1") -> pb.StartStorefrontPaymentResponse:
        return self.call(
            self.customer, "StartPayment", pb.StartStorefrontPaymentRequest(id=order_id, method="wechat", openid=openid)
        )

    def pay_stored_value(self, order_id: str) -> pb.StartStorefrontPaymentResponse:
        return self.call(
            self.customer, "StartPayment", pb.StartStorefrontPaymentRequest(id=order_id, method="stored_value")
        )

    def get(self, order_id: str, actor: Actor | None = None) -> pb.StorefrontOrder:
        return self.call(actor or self.owner, "GetOrder", pb.GetStorefrontOrderRequest(id=order_id))

    def stock(self) -> int:
        levels = call(self.orders, self.owner, "GetProduct", opb.GetProductRequest(id=self.product_id))
        return sum(s.quantity for s in levels.stock if s.store_id == STORE)

    def outbox(self, type_: str) -> list[dict]:
        with self.db.engine.connect() as conn:
            from sqlalchemy import select

            rows = conn.execute(
                select(Outbox.payload).where(Outbox.tenant_id == self.tenant, Outbox.type == type_)
            ).all()
        return [json.loads(r.payload)["data"] for r in rows]

    def loop(self, *, minutes_later: int = 60) -> StorefrontLoop:
        """The storefront loop as if `minutes_later` had passed (every unpaid order is due)."""
        runtime_loop = next(b for b in self.runtime.background if isinstance(b, StorefrontLoop))
        later = datetime.now(UTC) + timedelta(minutes=minutes_later)
        return StorefrontLoop(
            self.db,
            payments=runtime_loop.payments,
            coupons=runtime_loop.coupons,
            stored_value=runtime_loop.stored_value,
            clock=lambda: later,
        )


@pytest.fixture
def shop(storefront, money_runtime, customers, coupons_book):
    client, orders = storefront
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    owner = staff(tenant, "owner", stores=(STORE,))
    cid = customers.add(tenant, name="李四", phone="13800138000")
    customer = Actor(kind=CUSTOMER, subject_id=cid, tenant_id=tenant)
    made = product(orders, owner, f"奶茶 {uuid.uuid4().hex[:4]}", wholesale=1500)
    call(
        orders, owner, "SetStock", opb.SetStockRequest(product_id=made.id, store_id=STORE, quantity=20, reason="count")
    )
    s = Shop(tenant, client, orders, money_runtime.db, owner, customer, made.id, coupons_book)
    s.runtime = money_runtime
    return s
