"""E7: a recharge's gift products leave the recharge store's shelf through the real orders
service (its own process, gRPC server and PostgreSQL database, started here), driven by the coupons
handler of `recharge_gift_products` as the worker runs it (subscriptions()); every gift's fate,
coupons and products alike, is recorded on the recharge and shown by GetRecharge."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import select
from test_stored_value_api import FakeCustomers, FakeSms, gift_template, money

from coupons import grpc_api_stored_value
from coupons.models import Outbox
from coupons.orders_peer import GrpcOrders
from coupons.service.coupons_stock import ClaimStock
from coupons.subscriptions import subscriptions
from crm.coupons.v1 import stored_value_pb2 as pb
from crm.coupons.v1 import stored_value_pb2_grpc
from crm.orders.v1 import orders_pb2, orders_pb2_grpc
from crmkit import testing
from crmkit.auth import STAFF, Actor, TokenVerifier
from crmkit.errors import NotFound, Unavailable
from crmkit.events import Event
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.redis_client import Keys

STORE = "store-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


GIFT_EVENT = ("coupons", "recharge_gift_products")


@pytest.fixture(scope="module")
def orders(keys, issuer, tmp_path_factory):
    """The real orders service as `python -m orders.server` runs it, on its own database; met
    only through its proto, as the coupons worker meets it."""
    url = testing.create_database("coupons_orders_test")
    prefix = f"coupons-orders-test-{uuid.uuid4().hex[:8]}:"
    files = tmp_path_factory.mktemp("orders")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "JWT_PUBLIC_KEY": keys[1],
        "SERVICE_TOKEN": issuer.service_token("orders"),
        # HandOutGiftStock never asks customers, coupons or identity; the clients only dial on a
        # first call.
        "CUSTOMERS_ADDR": "127.0.0.1:9",
        "COUPONS_ADDR": "127.0.0.1:9",
        "IDENTITY_ADDR": "127.0.0.1:9",
        "FILE_STORE_ROOT": str(files / "files"),
        "FILE_STORE_SIGNING_SECRET": uuid.uuid4().hex,
    }
    try:
        with testing.service_process("orders", env, files / "orders.log") as address:
            client = ServiceClient(address, orders_pb2_grpc.OrdersServiceStub, "crm.orders.v1.OrdersService")
            yield client
            client.close()
    finally:
        testing.delete_redis_prefix(redis_lib.Redis.from_url(testing.REDIS_URL), prefix)
        testing.drop_database(url)


@pytest.fixture(scope="module")
def gift_stock(orders, issuer):
    adapter = GrpcOrders(orders.address, issuer.service_token("coupons"))
    yield adapter
    adapter.close()


@pytest.fixture(scope="module")
def peers():
    return FakeCustomers(), FakeSms()


@pytest.fixture(scope="module")
def stock(redis_prefix):
    # The server's own claim counters (same Redis keys), as the scheduled job builds them.
    client = redis_lib.Redis.from_url(testing.REDIS_URL)
    yield ClaimStock(client, Keys(redis_prefix, "coupons"))
    client.close()


@pytest.fixture(scope="module")
def sv(db, keys, peers, stock):
    reg = grpc_api_stored_value.registration(db, peers[0], peers[1], stock)
    server, port, _ = build_server("coupons-sv", [reg], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1")
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", stored_value_pb2_grpc.StoredValueServiceStub, grpc_api_stored_value.FULL_NAME
    )
    yield client
    client.close()
    server.stop(0)


def staff(tenant, *roles, stores=(STORE,)) -> Actor:
    return Actor(
        kind=STAFF, subject_id=str(uuid.uuid4()), tenant_id=tenant, roles=frozenset(roles), store_ids=tuple(stores)
    )


def token(issuer, who: Actor) -> str:
    return issuer.issue(
        kind=who.kind,
        subject_id=who.subject_id,
        tenant_id=who.tenant_id,
        roles=who.roles,
        store_ids=who.store_ids,
        current_store_id=who.store_ids[0] if who.store_ids else None,
        ttl=timedelta(minutes=5),
    )[0]


@pytest.fixture
def call(sv, issuer):
    return lambda who, method, request: sv.call(method, request, token=token(issuer, who), timeout=30)


@pytest.fixture
def call_orders(orders, issuer):
    return lambda who, method, request: orders.call(method, request, token=token(issuer, who), timeout=30)


def shelf(call_orders, owner, name, quantity) -> str:
    made = call_orders(
        owner,
        "CreateProduct",
        orders_pb2.CreateProductRequest(product=orders_pb2.ProductInput(name=name, wholesale_price=money(1_000))),
    )
    call_orders(
        owner,
        "SetStock",
        orders_pb2.SetStockRequest(product_id=made.id, store_id=STORE, quantity=quantity, reason="盘点"),
    )
    return made.id


def on_hand(call_orders, owner, product_id) -> int:
    got = call_orders(owner, "GetProduct", orders_pb2.GetProductRequest(id=product_id))
    return {s.store_id: s.quantity for s in got.stock}.get(STORE, 0)


def gift_events(db, tenant, type_="recharge_gift_products") -> list[Event]:
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == type_)).all()
        return [Event.from_message(json.loads(r.payload)) for r in rows]


def outcomes(recharge) -> list[tuple]:
    return sorted((o.instalment, o.kind, o.item_id, o.quantity, o.status, o.reason) for o in recharge.gift_outcomes)


def rule(call, owner, products, templates=()):
    call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(
            name="充500送油",
            member_type="in_store",
            pay=money(50_000),
            bonus=money(5_000),
            coupon_template_ids=list(templates),
            gift_products=[pb.GiftProduct(product_id=p, quantity=q) for p, q in products],
        ),
    )


def test_e7_gift_products_leave_the_shelf_once_and_the_recharge_shows_every_gift(
    db, call, call_orders, peers, gift_stock, tenant
):
    owner = staff(tenant, "owner")
    cid = peers[0].add(tenant)
    oil, rice = shelf(call_orders, owner, "花生油", 10), shelf(call_orders, owner, "大米", 5)
    cake = gift_template(db, tenant, name="蛋糕券")
    rule(call, owner, [(oil, 2), (rice, 1)], [cake])
    paid = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000)))
    # Coupons are issued at once; products wait for the orders service.
    assert outcomes(paid) == sorted(
        [
            (1, "coupon", cake, 1, "issued", ""),
            (1, "product", oil, 2, "pending", ""),
            (1, "product", rice, 1, "pending", ""),
        ]
    )
    (event,) = gift_events(db, tenant)
    assert event.data["store_id"] == STORE
    handler = subscriptions(db, gift_stock)[GIFT_EVENT]
    handler(event)
    assert (on_hand(call_orders, owner, oil), on_hand(call_orders, owner, rice)) == (8, 4)
    shown = call(owner, "GetRecharge", pb.GetRechargeRequest(id=paid.id))
    assert [(o.item_id, o.status) for o in shown.gift_outcomes if o.kind == "product"] == sorted(
        [(oil, "handed_out"), (rice, "handed_out")]
    )
    assert shown.entries and shown.instalments and shown.id == paid.id
    # A redelivery, or the same gift announced again under a new event id, deducts nothing.
    handler(event)
    handler(Event(event.type, event.source, event.tenant_id, event.data))
    assert (on_hand(call_orders, owner, oil), on_hand(call_orders, owner, rice)) == (8, 4)
    # Another tenant does not see the recharge.
    with pytest.raises(NotFound):
        call(staff(tenant + "x", "owner"), "GetRecharge", pb.GetRechargeRequest(id=paid.id))


def test_e7_short_stock_refuses_the_gift_products_and_records_why(db, call, call_orders, peers, gift_stock, tenant):
    owner = staff(tenant, "owner")
    cid = peers[0].add(tenant)
    oil, rice = shelf(call_orders, owner, "花生油", 10), shelf(call_orders, owner, "大米", 1)
    rule(call, owner, [(oil, 2), (rice, 3)])
    paid = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000)))
    (event,) = gift_events(db, tenant)
    subscriptions(db, gift_stock)[GIFT_EVENT](event)  # acknowledged: no exception
    # All or none: the oil stays on the shelf too.
    assert (on_hand(call_orders, owner, oil), on_hand(call_orders, owner, rice)) == (10, 1)
    shown = call(owner, "GetRecharge", pb.GetRechargeRequest(id=paid.id))
    assert outcomes(shown) == sorted(
        [
            (1, "product", oil, 2, "refused", "other_gift_refused"),
            (1, "product", rice, 3, "refused", "insufficient_stock"),
        ]
    )
    (refused,) = gift_events(db, tenant, "recharge_gift_products_refused")
    assert refused.data["reasons"] == {oil: "other_gift_refused", rice: "insufficient_stock"}
    # The balance and the bonus are untouched by a refused gift.
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 55_000


def test_e7_another_tenants_product_is_refused_as_not_found(db, call, call_orders, peers, gift_stock, tenant):
    owner = staff(tenant, "owner")
    cid = peers[0].add(tenant)
    theirs = shelf(call_orders, staff(tenant + "x", "owner"), "别家的油", 10)
    rule(call, owner, [(theirs, 1)])
    paid = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000)))
    (event,) = gift_events(db, tenant)
    subscriptions(db, gift_stock)[GIFT_EVENT](event)
    shown = call(owner, "GetRecharge", pb.GetRechargeRequest(id=paid.id))
    assert outcomes(shown) == [(1, "product", theirs, 1, "refused", "product_not_found")]
    assert on_hand(call_orders, staff(tenant + "x", "owner"), theirs) == 10


def test_e7_orders_unreachable_leaves_the_gift_pending_for_a_retry(
    db, call, call_orders, peers, gift_stock, issuer, tenant
):
    owner = staff(tenant, "owner")
    cid = peers[0].add(tenant)
    oil = shelf(call_orders, owner, "花生油", 10)
    rule(call, owner, [(oil, 3)])
    paid = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000)))
    (event,) = gift_events(db, tenant)
    down = GrpcOrders(f"127.0.0.1:{free_port()}", issuer.service_token("coupons"))
    try:
        with pytest.raises(Unavailable):  # the worker requeues the event
            subscriptions(db, down)[GIFT_EVENT](event)
    finally:
        down.close()
    assert outcomes(call(owner, "GetRecharge", pb.GetRechargeRequest(id=paid.id)))[0][4] == "pending"
    # Without an orders address at all, likewise.
    with pytest.raises(Unavailable):
        subscriptions(db)[GIFT_EVENT](event)
    subscriptions(db, gift_stock)[GIFT_EVENT](event)  # the redelivery, orders back
    assert on_hand(call_orders, owner, oil) == 7
    assert outcomes(call(owner, "GetRecharge", pb.GetRechargeRequest(id=paid.id)))[0][4] == "handed_out"


def test_e7_without_a_store_product_gifts_are_refused_and_skipped_coupons_say_why(db, call, call_orders, peers, tenant):
    owner = staff(tenant, "owner")
    cid = peers[0].add(tenant)
    oil = shelf(call_orders, owner, "花生油", 10)
    scarce = gift_template(db, tenant, name="限量券", total_quantity=1)
    rule(call, owner, [(oil, 1)], [scarce])
    storeless = staff(tenant, "owner", stores=())
    call(storeless, "RecordRecharge", pb.RechargeRequest(customer_id=peers[0].add(tenant), paid=money(50_000)))
    paid = call(storeless, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000)))
    assert outcomes(paid) == sorted(
        [(1, "coupon", scarce, 1, "skipped", "sold_out"), (1, "product", oil, 1, "refused", "no_store")]
    )
    assert gift_events(db, tenant) == []  # nothing for the worker to do
    assert on_hand(call_orders, owner, oil) == 10
