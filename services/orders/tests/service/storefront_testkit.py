"""Fixtures and helpers of the storefront tests (B6-B8, B12): the orders server as
`python -m orders.server` builds it (OrdersService and StorefrontService on one port, the shared
test database and fake customers service), with an in-process coupons stand-in and a clock that
moves one second per reading. Test modules import the fixtures they use by name."""

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from orders_testkit import ISSUER, PUBLIC, MerchantStores, call
from sqlalchemy import select

from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import orders_pb2_grpc, storefront_pb2_grpc
from crm.orders.v1 import storefront_pb2 as spb
from crmkit.auth import CUSTOMER, Actor, TokenVerifier
from crmkit.errors import Conflict, NotFound
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.onetime_codes import new_code
from crmkit.protos import money, timestamp
from crmkit.settings import Settings
from orders import grpc_storefront, server
from orders.domain import storefront as sf
from orders.grpc_api import FULL_NAME
from orders.models import Outbox
from orders.models_storefront import StorefrontOrderRow
from orders.service.coupons import CouponLine, CouponUse
from orders.service.storefront_changes import PAYMENT_NOTIFICATION, STOREFRONT_LOOP
from orders.service.storefront_config import StorefrontConfig
from orders.service.storefront_core import take_step

# 10:00 in China on 2026-12-05: every order of a test falls on that China day.
START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
DAY = "2026-12-05"
UNPAID_MINUTES = 20


class Clock:
    """The servers' clock: one second later at every reading, so orders placed one after another
    have distinct times (lists are newest first)."""

    def __init__(self, start: datetime = START):
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            self.now += timedelta(seconds=1)
            return self.now


@dataclass
class FakeCoupon:
    code: str
    holder: str
    discount_fen: int
    order_id: str | None = None


class FakeCoupons:
    """The coupons service at the edge of these tests (orders.service.coupons.CouponRedeemer): a
    coupon is its holder's, used once, idempotent on (order id, code) like RedeemCoupon, and
    released per order like ReleaseOrderCoupons. The real one is met in test_order_coupons.py."""

    def __init__(self):
        self.coupons: dict[tuple[str, str], FakeCoupon] = {}
        self.lock = threading.Lock()
        self.redeemed: list[tuple[str, str]] = []

    def add(self, tenant: str, holder: str, discount_fen: int) -> str:
        code = new_code()
        with self.lock:
            self.coupons[(tenant, code)] = FakeCoupon(code, holder, discount_fen)
        return code

    def redeem(
        self, tenant_id: str, order_id: str, customer_id: str, store_id: str, code: str, lines: list[CouponLine]
    ) -> CouponUse:
        with self.lock:
            coupon = self.coupons.get((tenant_id, code))
            if coupon is None or coupon.holder != customer_id:
                raise NotFound("COUPON_NOT_FOUND", "error.coupon_not_found")
            if coupon.order_id not in (None, order_id):
                raise Conflict("COUPON_ALREADY_USED", "error.coupon_already_used")
            coupon.order_id = order_id
            self.redeemed.append((order_id, code))
            return CouponUse(code, f"cp-{code[-4:]}", min(coupon.discount_fen, sum(x.amount_fen for x in lines)))

    def release(self, tenant_id: str, order_id: str) -> None:
        with self.lock:
            for (tenant, _code), coupon in self.coupons.items():
                if tenant == tenant_id and coupon.order_id == order_id:
                    coupon.order_id = None

    def used_on(self, tenant: str, code: str) -> str | None:
        return self.coupons[(tenant, code)].order_id


@pytest.fixture(scope="module")
def shop_server(database_url, customers):
    clock, coupons = Clock(), FakeCoupons()
    settings = Settings(
        service="orders",
        database_url=database_url,
        jwt_public_key=PUBLIC,
        peers={"customers": customers.address},
        service_token=ISSUER.service_token("orders"),
    )
    rt = server.build(
        settings,
        coupons=coupons,
        stores=MerchantStores(),
        storefront=StorefrontConfig(unpaid_minutes=UNPAID_MINUTES),
        clock=clock,
    )
    grpc_server, port, _ = build_server(
        "orders", rt.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1", max_workers=32
    )
    grpc_server.start()
    address = f"127.0.0.1:{port}"
    orders = ServiceClient(address, orders_pb2_grpc.OrdersServiceStub, FULL_NAME)
    shop = ServiceClient(address, storefront_pb2_grpc.StorefrontServiceStub, grpc_storefront.FULL_NAME)
    # The printing worker's auto-accept (G3): the system party.
    printing = ServiceClient(
        address,
        storefront_pb2_grpc.StorefrontServiceStub,
        grpc_storefront.FULL_NAME,
        service_token=ISSUER.service_token("printing"),
    )
    yield SimpleNamespace(orders=orders, shop=shop, printing=printing, db=rt.db, coupons=coupons, clock=clock)
    for c in (orders, shop, printing):
        c.close()
    grpc_server.stop(0)
    rt.close()


def shopper(tenant: str, customer_id: str) -> Actor:
    """A shop's customer logged in by SMS code (customer token)."""
    return Actor(kind=CUSTOMER, subject_id=customer_id, tenant_id=tenant)


def item(orders, owner, name="奶茶", *, price=1500, stock=10, store="store-1", listed=True, **kw):
    """A product (listed unless told) at `price` fen with `stock` in the store."""
    data = pb.ProductInput(name=name, wholesale_price=money(price), listed=listed, **kw)
    p = call(orders, owner, "CreateProduct", pb.CreateProductRequest(product=data))
    if stock:
        request = pb.SetStockRequest(product_id=p.id, store_id=store, quantity=stock, reason="count")
        call(orders, owner, "SetStock", request)
    return p


def stock_of(orders, owner, product_id, store="store-1") -> int:
    got = call(orders, owner, "GetProduct", pb.GetProductRequest(id=product_id))
    return {s.store_id: s.quantity for s in got.stock}.get(store, 0)


def order_request(kind, lines=(), *, store="store-1", key="", **kw) -> spb.PlaceStorefrontOrderRequest:
    """`lines`: (product_id, quantity[, spec]); `amount` in fen; `reserved_for` a datetime."""
    if "amount" in kw:
        kw["amount"] = money(kw["amount"])
    if isinstance(kw.get("reserved_for"), datetime):
        kw["reserved_for"] = timestamp(kw["reserved_for"])
    return spb.PlaceStorefrontOrderRequest(
        store_id=store,
        kind=kind,
        lines=[
            spb.StorefrontLineInput(product_id=line[0], quantity=line[1], spec=(line[2:] or ("",))[0]) for line in lines
        ],
        idempotency_key=key,
        **kw,
    )


DELIVERY = {"contact_name": "王五", "contact_phone": "13900001111", "address": "人民路 8 号"}


def place(shop, actor, kind, lines=(), **kw):
    if kind in (sf.TAKEAWAY, sf.ECOMMERCE):
        kw = {**DELIVERY, **kw}
    if kind == sf.RESERVATION:
        kw.setdefault("reserved_for", START + timedelta(days=1))
    return call(shop, actor, "PlaceOrder", order_request(kind, lines, **kw))


def act(shop, actor, order_id, action, **fields):
    return call(shop, actor, "TakeAction", spb.StorefrontActionRequest(id=order_id, action=action, **fields))


def as_system(printing, tenant, method, request):
    return printing.call(method, request, as_service=True, tenant_id=tenant, timeout=30)


def pay(db, tenant, order_id, when=None) -> None:
    """What the payment half does when WeChat Pay's notification arrives (simulated here): the
    money recorded, a reservation's or in-store order's one-time code assigned, and the `pay`
    step taken as the system (storefront_order_paid)."""
    when = when or START + timedelta(minutes=1)
    with db.uow() as uow:
        row = uow.session.scalar(
            select(StorefrontOrderRow)
            .where(StorefrontOrderRow.tenant_id == tenant, StorefrontOrderRow.id == order_id)
            .with_for_update()
        )
        row.paid_fen, row.paid_at, row.payment_method = row.total_fen, when, "wechat"
        row.transaction_id = uuid.uuid4().hex
        if row.kind in (sf.RESERVATION, sf.IN_STORE):
            row.verification_code = new_code()
        take_step(uow, row, "pay", sf.SYSTEM, by=PAYMENT_NOTIFICATION, now=when)
        uow.commit()


def credit(db, tenant, order_id) -> None:
    """What the payment half does once the coupons service credited a top-up (simulated)."""
    with db.uow() as uow:
        row = uow.session.scalar(
            select(StorefrontOrderRow)
            .where(StorefrontOrderRow.tenant_id == tenant, StorefrontOrderRow.id == order_id)
            .with_for_update()
        )
        take_step(uow, row, "credit", sf.SYSTEM, by=STOREFRONT_LOOP, now=START + timedelta(minutes=2))
        uow.commit()


def outbox(db, tenant, *types) -> list[tuple[str, dict]]:
    """The tenant's storefront events as written (type, data), in order."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(Outbox.type, Outbox.payload)
            .where(Outbox.tenant_id == tenant, Outbox.type.in_(types or _TYPES))
            .order_by(Outbox.id)
        ).all()
    return [(t, json.loads(p)["data"]) for t, p in rows]


_TYPES = (
    "storefront_order_paid",
    "storefront_order_changed",
    "storefront_refund_requested",
    "storefront_refund_decided",
)
