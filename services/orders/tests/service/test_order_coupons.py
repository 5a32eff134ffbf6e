"""E4: an order uses coupons, redeemed in the real coupons service (its own process, database,
Redis key prefix and gRPC port beside the orders server, met only through its proto), exactly
once, all rules checked, and given back when the order is not placed."""

import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis as redis_lib
from orders_testkit import ISSUER, PUBLIC, MerchantStores, call, line, product, staff

from crm.common.v1 import common_pb2
from crm.coupons.v1 import coupons_pb2, coupons_pb2_grpc
from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import orders_pb2_grpc, storefront_pb2_grpc
from crm.orders.v1 import storefront_pb2 as spb
from crmkit import testing
from crmkit.auth import CUSTOMER, Actor, TokenVerifier
from crmkit.db import utcnow
from crmkit.errors import Conflict, InvalidInput
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from orders import grpc_storefront
from orders import server as orders_server
from orders.grpc_api import FULL_NAME
from orders.service.coupons import GrpcCoupons


@pytest.fixture(scope="module")
def coupons_service(customers, tmp_path_factory):
    """The real coupons service as `python -m coupons.server` runs it, on its own database; it
    asks this module's fake customers service about coupon holders, as it asks the real one."""
    url = testing.create_database("orders_coupons_test")
    prefix = f"orders-coupons-test-{uuid.uuid4().hex[:8]}:"
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "JWT_PUBLIC_KEY": PUBLIC,
        "SERVICE_TOKEN": ISSUER.service_token("coupons"),
        "CUSTOMERS_ADDR": customers.address,
        # Only pre-charge codes (E8) would dial these; nothing here does.
        "IDENTITY_ADDR": "127.0.0.1:9",
        "MESSAGING_ADDR": "127.0.0.1:9",
    }
    log = tmp_path_factory.mktemp("coupons") / "coupons.log"
    try:
        with testing.service_process("coupons", env, log) as address:
            client = ServiceClient(address, coupons_pb2_grpc.CouponsServiceStub, "crm.coupons.v1.CouponsService")
            yield SimpleNamespace(client=client, env=env)
            client.close()
    finally:
        testing.delete_redis_prefix(redis_lib.Redis.from_url(testing.REDIS_URL), prefix)
        testing.drop_database(url)


def sweep(coupons_service, orders_addr: str, at) -> subprocess.CompletedProcess:
    """E4's sweep as its CronJob runs it: `python -m coupons.jobs release-unplaced`, as of `at`."""
    env = {
        **os.environ,
        **coupons_service.env,
        "ORDERS_ADDR": orders_addr,
    }
    return subprocess.run(
        [sys.executable, "-m", "coupons.jobs", "release-unplaced", "--now", at.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def coupons_client(coupons_service):
    return coupons_service.client


@pytest.fixture(scope="module")
def orders_client(database_url, customers, coupons_client):
    settings = Settings(
        service="orders",
        database_url=database_url,
        jwt_public_key=PUBLIC,
        peers={"customers": customers.address},
        # Storefront orders look their customer up as this service.
        service_token=ISSUER.service_token("orders"),
    )
    adapter = GrpcCoupons(coupons_client.address, ISSUER.service_token("orders"))
    rt = orders_server.build(settings, coupons=adapter, stores=MerchantStores())
    grpc_server, port, _ = build_server(
        "orders", rt.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1", max_workers=32
    )
    grpc_server.start()
    client = ServiceClient(f"127.0.0.1:{port}", orders_pb2_grpc.OrdersServiceStub, FULL_NAME)
    client.port = port
    yield client
    client.close()
    grpc_server.stop(0)
    rt.close()
    adapter.close()


@pytest.fixture
def shop(tenant, customers, orders_client, coupons_client):
    owner = staff(tenant, "owner")
    sales = staff(tenant, "salesperson")
    cola = product(orders_client, owner, "Cola", wholesale=3000)  # 30 yuan
    alice = customers.add(tenant, sales.subject_id, name="Alice")
    bob = customers.add(tenant, sales.subject_id, name="Bob")

    def coupon(holder=alice, **template) -> str:
        fields = {
            "name": "满100减20",
            "kind": "cash",
            "value": common_pb2.Money(fen=2000),
            "valid_days": 30,
            "min_spend": common_pb2.Money(fen=10000),
            "per_person_limit": 5,
            **template,
        }
        t = call(
            coupons_client,
            owner,
            "CreateTemplate",
            coupons_pb2.CreateTemplateRequest(template=coupons_pb2.TemplateInput(**fields)),
        )
        sent = call(
            coupons_client,
            owner,
            "SendCoupons",
            coupons_pb2.SendCouponsRequest(template_id=t.id, customer_ids=[holder]),
        )
        return sent.coupons[0].code

    def order(quantity, codes, customer=alice, key=""):
        request = pb.SubmitOrderRequest(
            customer_id=customer, lines=[line(cola.id, quantity)], coupon_codes=codes, idempotency_key=key
        )
        return call(orders_client, sales, "SubmitOrder", request)

    def coupon_status(code):
        return call(coupons_client, owner, "GetCoupon", coupons_pb2.GetCouponRequest(code=code))

    def orders_of(customer):
        listed = call(orders_client, owner, "ListOrders", pb.ListOrdersRequest(customer_id=customer))
        return list(listed.orders)

    return SimpleNamespace(
        coupon=coupon,
        order=order,
        coupon_status=coupon_status,
        orders_of=orders_of,
        alice=alice,
        bob=bob,
        owner=owner,
        cola=cola,
    )


def test_e4_an_order_uses_a_coupon_and_owes_the_rest(shop):
    code = shop.coupon()
    placed = shop.order(5, [code])  # 150 yuan of goods, 20 off
    assert (placed.goods_total.fen, placed.discount.fen, placed.total.fen) == (15000, 2000, 13000)
    assert [(c.code, c.discount.fen) for c in placed.coupons] == [(code, 2000)]
    used = shop.coupon_status(code)
    assert used.status == "redeemed" and used.order_id == placed.id


def test_e4_below_minimum_spend_refuses_the_order_with_the_reason_and_writes_nothing(shop):
    code = shop.coupon()
    with pytest.raises(Conflict) as refused:
        shop.order(3, [code])  # 90 yuan: 10 short of 100
    assert refused.value.code == "COUPON_BELOW_MIN_SPEND"
    assert refused.value.params["missing_yuan"] == "10.00"
    assert refused.value.params["coupon_code"] == code and refused.value.params["field"] == "coupon_codes.0"
    assert shop.orders_of(shop.alice) == []
    assert shop.coupon_status(code).status == "active"


def test_e4_the_same_code_on_a_second_order_is_refused(shop):
    code = shop.coupon()
    shop.order(5, [code])
    with pytest.raises(Conflict) as refused:
        shop.order(5, [code])
    assert refused.value.code == "COUPON_ALREADY_REDEEMED"
    assert len(shop.orders_of(shop.alice)) == 1


def test_e4_a_refused_second_coupon_gives_the_first_back(shop):
    good = shop.coupon()
    picky = shop.coupon(min_spend=common_pb2.Money(fen=50000))
    with pytest.raises(Conflict) as refused:
        shop.order(5, [good, picky])
    assert refused.value.params["field"] == "coupon_codes.1"
    assert shop.coupon_status(good).status == "active"
    assert shop.coupon_status(picky).status == "active"
    assert shop.orders_of(shop.alice) == []


def test_e4_an_unknown_or_malformed_code_names_the_field(shop):
    with pytest.raises(InvalidInput) as bad:
        shop.order(5, ["12345678901"])
    assert set(bad.value.fields) == {"coupon_codes.0"}
    with pytest.raises(InvalidInput) as blank:
        shop.order(5, ["  "])
    assert blank.value.fields == {"coupon_codes.0": "validation.required"}


def test_e4_another_customers_coupon_is_refused(shop):
    code = shop.coupon(holder=shop.bob)
    with pytest.raises(Conflict) as refused:
        shop.order(5, [code], customer=shop.alice)
    assert refused.value.code == "COUPON_NOT_HOLDERS"
    assert shop.coupon_status(code).status == "active"


def test_e4_a_retried_submit_with_its_key_is_one_order_and_one_redemption(shop):
    code = shop.coupon()
    first = shop.order(5, [code], key="k-retry")
    again = shop.order(5, [code], key="k-retry")
    assert again.id == first.id and again.discount.fen == 2000
    assert len(shop.orders_of(shop.alice)) == 1
    assert shop.coupon_status(code).order_id == first.id


def test_e4_two_coupons_never_take_off_more_than_the_goods(shop):
    big = shop.coupon(value=common_pb2.Money(fen=10000), min_spend=common_pb2.Money(fen=0))
    bigger = shop.coupon(value=common_pb2.Money(fen=10000), min_spend=common_pb2.Money(fen=0))
    placed = shop.order(5, [big, bigger])  # 150 yuan of goods, 200 yuan of coupons
    assert (placed.discount.fen, placed.total.fen) == (15000, 0)


def test_e4_one_code_on_ten_racing_orders_is_used_by_exactly_one(shop):
    code = shop.coupon()
    outcomes: list[str] = []

    def place(i):
        try:
            shop.order(5, [code], key=f"race-{i}")
            outcomes.append("placed")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=place, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("placed") == 1
    assert set(outcomes) - {"placed"} == {"COUPON_ALREADY_REDEEMED"}
    assert len(shop.orders_of(shop.alice)) == 1


def test_e4_the_sweep_gives_back_coupons_of_an_order_never_placed_and_keeps_placed_ones(
    shop, orders_client, coupons_service, tenant
):
    placed_code, ghost_code = shop.coupon(), shop.coupon()
    placed = shop.order(5, [placed_code])
    # Orders crashed between redeeming and committing, and nobody retried the submit.
    ghost = coupons_pb2.RedeemCouponRequest(
        code=ghost_code,
        order_id=str(uuid.uuid4()),
        customer_id=shop.alice,
        lines=[coupons_pb2.OrderLine(product_id="p", quantity=5, amount=common_pb2.Money(fen=15000))],
    )
    coupons_service.client.call(
        "RedeemCoupon", ghost, token=ISSUER.service_token("orders"), tenant_id=tenant, timeout=30
    )
    orders_addr = f"127.0.0.1:{orders_client.port}"

    def swept(minutes):
        done = sweep(coupons_service, orders_addr, utcnow() + timedelta(minutes=minutes))
        assert done.returncode == 0, done.stderr
        return SimpleNamespace(**json.loads(done.stdout))

    # The sweep covers every tenant: this module's other tests placed orders with coupons too.
    soon = swept(5)
    assert soon.released == 0  # too early to ask
    assert shop.coupon_status(ghost_code).status == "redeemed"
    later = swept(16)
    assert (later.released, later.unanswered) == (1, 0) and later.confirmed >= 1
    again = swept(30)
    assert (again.confirmed, again.released) == (0, 0)
    assert shop.coupon_status(ghost_code).status == "active"
    kept = shop.coupon_status(placed_code)
    assert (kept.status, kept.order_id) == ("redeemed", placed.id)


def test_b6_the_sweep_keeps_the_coupon_of_a_storefront_order_and_a_cancel_gives_it_back(
    shop, orders_client, coupons_service, tenant
):
    """A storefront order redeems coupons in the same coupons service: the sweep finds it through
    StorefrontService and keeps its coupon; cancelling the unpaid order gives the coupon back."""
    kept_code, back_code = shop.coupon(), shop.coupon()
    call(
        orders_client,
        shop.owner,
        "SetStock",
        pb.SetStockRequest(product_id=shop.cola.id, store_id="store-1", quantity=10, reason="count"),
    )
    storefront = ServiceClient(
        f"127.0.0.1:{orders_client.port}", storefront_pb2_grpc.StorefrontServiceStub, grpc_storefront.FULL_NAME
    )
    alice = Actor(kind=CUSTOMER, subject_id=shop.alice, tenant_id=tenant)

    def place(code):
        request = spb.PlaceStorefrontOrderRequest(
            store_id="store-1",
            kind="in_store",
            lines=[spb.StorefrontLineInput(product_id=shop.cola.id, quantity=4)],
            coupon_codes=[code],
        )
        return call(storefront, alice, "PlaceOrder", request)

    try:
        kept, back = place(kept_code), place(back_code)
        assert (kept.goods_total.fen, kept.discount.fen, kept.total.fen) == (12000, 2000, 10000)
        cancel = spb.StorefrontActionRequest(id=back.id, action="cancel")
        assert call(storefront, alice, "TakeAction", cancel).state == "closed"
    finally:
        storefront.close()
    assert shop.coupon_status(back_code).status == "active"
    done = sweep(coupons_service, f"127.0.0.1:{orders_client.port}", utcnow() + timedelta(minutes=20))
    assert done.returncode == 0, done.stderr
    used = shop.coupon_status(kept_code)
    assert (used.status, used.order_id) == ("redeemed", kept.id)


def test_e4_the_sweep_runs_as_its_own_process_and_waits_when_orders_is_down(shop, orders_client, coupons_service):
    code = shop.coupon()
    shop.order(5, [code])
    at = utcnow() + timedelta(minutes=20)
    # Nothing listens at ORDERS_ADDR: no answer, nothing released.
    down = sweep(coupons_service, "127.0.0.1:1", at)
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["released"] == 0 and json.loads(down.stdout)["unanswered"] >= 1
    assert shop.coupon_status(code).status == "redeemed"
    up = sweep(coupons_service, f"127.0.0.1:{orders_client.port}", at)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["confirmed"] >= 1
    assert shop.coupon_status(code).status == "redeemed"
