"""B6: paying storefront orders. WeChat Pay through the real adapter against the local WeChat Pay
fake, whose signed notifications reach the orders server through a stand-in of the gateway's
callback route; stored value through a fake coupons service; the loop that closes unpaid orders
and credits top-ups."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib
from orders_testkit import ISSUER, PUBLIC
from sqlalchemy import select
from storefront_money_testkit import *  # noqa: F403
from storefront_money_testkit import GATEWAY

from crm.coupons.v1 import stored_value_pb2, stored_value_pb2_grpc
from crm.orders.v1 import storefront_pb2 as pb
from crmkit import testing
from crmkit.auth import Actor
from crmkit.db import utcnow
from crmkit.errors import Conflict, InvalidInput, PermissionDenied, Unavailable
from crmkit.grpc_client import ServiceClient
from orders.models_storefront import StorefrontPaymentEventRow
from orders.payments import crypto
from orders.payments.fake_server import FakeWeChatPay
from orders.providers import WECHATPAY_CALLBACK_PATH
from orders.service import storefront_payment
from orders.service.coupons import STORED_VALUE_NAME, GrpcCoupons
from orders.service.storefront_callbacks import out_no


def payment_events(shop, order_id):
    with shop.db.engine.connect() as conn:
        return conn.execute(
            select(StorefrontPaymentEventRow.event_type, StorefrontPaymentEventRow.outcome).where(
                StorefrontPaymentEventRow.order_id == order_id
            )
        ).all()


def notify(shop, delivery):
    """A notification the fake recorded, sent again as the gateway would forward it."""
    request = pb.ProviderCallback(headers=delivery.headers, body=delivery.body.encode())
    return shop.client.call("HandlePaymentNotification", request, token=GATEWAY, timeout=30)


def test_b6_wechat_payment_delivered_twice_pays_the_order_once(shop, wechatpay, gateway):
    order = shop.place("ecommerce", quantity=2)
    assert (order.state, order.total.fen) == ("awaiting_payment", 3000)
    started = shop.pay_wechat(order.id)
    params = started.pay_params
    assert params["appId"] == wechatpay.fake.appid and params["signType"] == "RSA"
    assert params["package"].startswith("prepay_id=") and params["paySign"]
    assert started.order.state == "awaiting_payment"
    # Asking again answers the same prepay (new parameters for it).
    assert shop.pay_wechat(order.id).pay_params["package"] == params["package"]

    sent = wechatpay.fake.pay(out_no(order.id), times=2)
    assert [d.status for d in sent] == [200, 200]

    paid = shop.get(order.id)
    assert (paid.state, paid.paid.fen, paid.payment_method) == ("paid", 3000, "wechat")
    assert paid.HasField("paid_at") and paid.actions == ["ship"]
    assert [e["order"]["order_id"] for e in shop.outbox("storefront_order_paid")] == [order.id]
    assert payment_events(shop, order.id) == [("TRANSACTION.SUCCESS", "paid")]
    # Another notification of the same payment (a new event id) changes nothing either.
    assert notify(shop, sent[0]).accepted
    assert len(shop.outbox("storefront_order_paid")) == 1
    # Paid: asking to pay again is refused by the state.
    with pytest.raises(Conflict) as err:
        shop.pay_wechat(order.id)
    assert err.value.code == "STOREFRONT_STATE_INVALID"


def test_b6_the_same_notification_racing_eight_times_pays_once(shop, wechatpay, gateway):
    order = shop.place("ecommerce", quantity=1)
    shop.pay_wechat(order.id)
    gateway.drop = True
    try:
        [lost] = wechatpay.fake.pay(out_no(order.id))
    finally:
        gateway.drop = False
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: notify(shop, lost), range(8)))
    assert all(a.accepted for a in answers)
    assert sorted(a.message for a in answers) == ["already handled"] * 7 + ["paid"]
    assert len(shop.outbox("storefront_order_paid")) == 1
    assert payment_events(shop, order.id) == [("TRANSACTION.SUCCESS", "paid")]


def test_b7_a_paid_reservation_gets_its_one_time_code(shop, wechatpay):
    order = shop.place("reservation", quantity=1)
    shop.pay_wechat(order.id)
    wechatpay.fake.pay(out_no(order.id))
    paid = shop.get(order.id, shop.customer)
    assert paid.state == "paid" and len(paid.verification_code) == 16
    assert paid.verification_qr == f"CRMSF:{paid.verification_code}"
    assert shop.outbox("storefront_order_paid")[0]["order"]["verification_code"] == paid.verification_code


@pytest.mark.parametrize(
    "forgery",
    [
        {"forge": True},  # signed with a stranger's key
        {"tamper_payer_total_fen": 1},  # the amount changed after signing
        {"timestamp_offset": -600},  # replayed ten minutes late
    ],
    ids=["bad-signature", "altered-amount", "stale"],
)
def test_b6_forged_notifications_are_refused_and_write_nothing(shop, wechatpay, gateway, forgery):
    order = shop.place("ecommerce", quantity=1)
    shop.pay_wechat(order.id)
    sent = wechatpay.fake.pay(out_no(order.id), **forgery)
    assert [d.status for d in sent] == [400]
    assert shop.get(order.id).state == "awaiting_payment"
    assert payment_events(shop, order.id) == [] and shop.outbox("storefront_order_paid") == []


def test_b6_a_notification_for_another_merchant_is_refused(shop, wechatpay, gateway):
    """Validly signed by WeChat Pay (the platform key) and sealed with our APIv3 key, but about
    another merchant's order: not ours to act on."""
    order = shop.place("ecommerce", quantity=1)
    shop.pay_wechat(order.id)
    other = FakeWeChatPay(
        mchid="1900009999",
        merchant_public_key=crypto.generate_key().public_key(),
        platform_private_key=wechatpay.fake._platform_key,
    )
    resource = {
        "mchid": "1900009999",
        "appid": wechatpay.fake.appid,
        "out_trade_no": out_no(order.id),
        "transaction_id": "4200000000000000000000000001",
        "trade_state": "SUCCESS",
        "amount": {"total": 1500, "payer_total": 1500, "currency": "CNY", "payer_currency": "CNY"},
    }
    sent = other._notify(
        gateway.url + WECHATPAY_CALLBACK_PATH,
        "TRANSACTION.SUCCESS",
        "支付成功",
        "transaction",
        resource,
        times=1,
        forge=False,
        tamper=None,
        timestamp_offset=0,
    )
    assert [d.status for d in sent] == [400]
    assert gateway.answers[-1][2] == "PAYMENT_NOTIFICATION_REJECTED"
    assert shop.get(order.id).state == "awaiting_payment" and payment_events(shop, order.id) == []


def test_b6_a_verified_notification_of_another_amount_is_refused(shop, wechatpay, storefront, money_runtime):
    """WeChat's order for this out_trade_no says 1 fen (asked for by someone else than us): the
    signature is good, the amount is not the order's, so nothing is written and it is logged."""
    order = shop.place("ecommerce", quantity=1)
    payments = next(iter(money_runtime.background)).payments
    payments.port.prepay(out_no(order.id), order.number, 1, "openid-1", payments.notify_url)
    sent = wechatpay.fake.pay(out_no(order.id))
    assert [d.status for d in sent] == [500]
    with pytest.raises(Conflict) as err:
        notify(shop, sent[0])
    assert err.value.code == "PAYMENT_AMOUNT_MISMATCH"
    assert shop.get(order.id).state == "awaiting_payment" and payment_events(shop, order.id) == []


def test_b6_only_services_deliver_notifications_and_only_the_customer_pays(shop, wechatpay):
    order = shop.place("ecommerce", quantity=1)
    request = pb.ProviderCallback(headers={}, body=b"{}")
    for actor in (shop.customer, shop.owner):
        with pytest.raises(PermissionDenied):
            shop.call(actor, "HandlePaymentNotification", request)
    with pytest.raises(PermissionDenied):
        shop.call(shop.owner, "StartPayment", pb.StartStorefrontPaymentRequest(id=order.id, method="stored_value"))
    # Another customer of the tenant does not find it.
    stranger = Actor(kind="customer", subject_id="c-someone-else", tenant_id=shop.tenant)
    with pytest.raises(Exception) as err:
        shop.call(stranger, "StartPayment", pb.StartStorefrontPaymentRequest(id=order.id, method="stored_value"))
    assert err.value.code == "ORDER_NOT_FOUND"
    # A notification that is not even JSON is refused by the port.
    with pytest.raises(InvalidInput) as err:
        shop.client.call("HandlePaymentNotification", request, token=GATEWAY, timeout=30)
    assert err.value.code == "PAYMENT_NOTIFICATION_REJECTED"


@pytest.mark.parametrize(
    "method, openid, field, reason",
    [
        ("", "", "method", "validation.required"),
        ("alipay", "", "method", "validation.invalid_choice"),
        ("wechat", "", "openid", "validation.required"),
    ],
)
def test_b6_payment_input_names_the_field(shop, method, openid, field, reason):
    order = shop.place("ecommerce", quantity=1)
    with pytest.raises(InvalidInput) as err:
        shop.call(
            shop.customer, "StartPayment", pb.StartStorefrontPaymentRequest(id=order.id, method=method, openid=openid)
        )
    assert err.value.fields == {field: reason}


def test_b6_a_payment_for_an_order_closed_meanwhile_is_refunded_at_once(shop, wechatpay, gateway):
    order = shop.place("ecommerce", quantity=2)
    shop.pay_wechat(order.id)
    shop.call(shop.customer, "TakeAction", pb.StorefrontActionRequest(id=order.id, action="cancel"))
    assert shop.stock() == 20  # given back when it closed

    sent = wechatpay.fake.pay(out_no(order.id))
    assert [d.status for d in sent] == [200]
    closed = shop.get(order.id)
    assert (closed.state, closed.paid.fen, closed.refunded.fen) == ("closed", 3000, 3000)
    [refund] = closed.refunds
    assert (refund.state, refund.approved.fen) == ("approved", 3000)
    assert payment_events(shop, order.id) == [("TRANSACTION.SUCCESS", "refunded")]
    assert shop.outbox("storefront_order_paid") == []
    # The money went back at WeChat; its refund notification settles our refund.
    assert [d.status for d in wechatpay.fake.settle_refund(out_no(refund.id))] == [200]
    [refund] = shop.get(order.id).refunds
    assert refund.state == "refunded" and refund.HasField("refunded_at")
    assert shop.stock() == 20


def test_b6_a_refund_notification_for_an_unknown_refund_is_sent_again_later(shop, wechatpay, money_runtime):
    order = shop.place("ecommerce", quantity=1)
    shop.pay_wechat(order.id)
    wechatpay.fake.pay(out_no(order.id))
    payments = next(iter(money_runtime.background)).payments
    # A refund our approval asked for but has not committed yet (or never did).
    unknown = uuid.uuid4().hex
    payments.port.refund(out_no(order.id), unknown, 100, 1500, "", payments.notify_url)
    sent = wechatpay.fake.settle_refund(unknown)
    assert [d.status for d in sent] == [500]
    assert shop.get(order.id).refunds == [] and payment_events(shop, order.id) == [("TRANSACTION.SUCCESS", "paid")]


def test_b6_stored_value_pays_at_once_and_a_short_balance_is_a_clear_409(shop, coupons_book):
    order = shop.place("in_store", quantity=2)
    with pytest.raises(Conflict) as err:
        shop.pay_stored_value(order.id)
    assert (err.value.code, err.value.params) == ("STORED_VALUE_INSUFFICIENT", {"balance": "0"})
    assert shop.get(order.id).state == "awaiting_payment" and shop.outbox("storefront_order_paid") == []

    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 5000
    paid = shop.pay_stored_value(order.id)
    assert (paid.order.state, paid.order.payment_method, paid.order.paid.fen) == ("paid", "stored_value", 3000)
    assert dict(paid.pay_params) == {} and paid.order.verification_code
    assert coupons_book.balances[(shop.tenant, shop.customer.subject_id)] == 2000
    assert coupons_book.moves[f"storefront:{order.id}"] == ("debit", shop.customer.subject_id, 3000)
    assert len(shop.outbox("storefront_order_paid")) == 1

    coupons_book.down = True
    try:
        other = shop.place("in_store", quantity=1)
        with pytest.raises(Unavailable) as err:
            shop.pay_stored_value(other.id)
        assert err.value.code == "COUPONS_UNAVAILABLE"
    finally:
        coupons_book.down = False


def test_b6_a_stored_value_debit_whose_order_was_never_marked_paid_goes_back_when_it_closes(
    shop, wechatpay, coupons_book, monkeypatch
):
    """The debit succeeded, then the order's commit failed and the customer never tried again:
    the money must not stay taken for an order that was never paid. The closing loop gives it
    back when it closes the order (once), and waits while the coupons service is unreachable."""
    wallet = (shop.tenant, shop.customer.subject_id)
    coupons_book.balances[wallet] = 10000
    lost, lost_later = shop.place("in_store", quantity=2), shop.place("in_store", quantity=1)
    paid = shop.place("in_store", quantity=1)
    shop.pay_stored_value(paid.id)  # a debit recorded with its order: stays taken

    def commit_fails(*args, **kwargs):
        raise RuntimeError("the database went away after the debit")

    monkeypatch.setattr(storefront_payment, "mark_paid", commit_fails)
    for order in (lost, lost_later):
        with pytest.raises(Exception):  # noqa: B017 - the server's internal error, whatever its class
            shop.pay_stored_value(order.id)
    monkeypatch.undo()
    assert coupons_book.balances[wallet] == 10000 - 1500 - 3000 - 1500
    assert [shop.get(o.id).state for o in (lost, lost_later)] == ["awaiting_payment", "awaiting_payment"]

    loop = shop.loop()
    assert loop.close_unpaid(lost.id) == "closed"
    assert coupons_book.balances[wallet] == 10000 - 1500 - 1500
    assert coupons_book.moves[f"storefront-void:{lost.id}"] == ("credit", shop.customer.subject_id, 3000)
    coupons_book.down = True
    try:
        assert loop.close_unpaid(lost_later.id) == "waiting"
        assert shop.get(lost_later.id).state == "awaiting_payment"
    finally:
        coupons_book.down = False
    loop.run_once()
    assert [shop.get(o.id).state for o in (lost, lost_later, paid)] == ["closed", "closed", "paid"]
    assert coupons_book.balances[wallet] == 10000 - 1500


def test_b6_a_top_up_paid_on_wechat_is_credited_by_the_recharge_rules_and_done(shop, wechatpay, coupons_book):
    order = shop.place("top_up", amount_fen=20000)
    with pytest.raises(InvalidInput) as err:
        shop.pay_stored_value(order.id)
    assert err.value.fields == {"method": "validation.stored_value_top_up"}
    shop.pay_wechat(order.id)
    wechatpay.fake.pay(out_no(order.id))
    done = shop.get(order.id)
    assert (done.state, done.paid.fen) == ("done", 20000)
    assert coupons_book.moves[f"storefront-top-up:{order.id}"] == ("recharge", shop.customer.subject_id, 20000)
    assert [e["action"] for e in shop.outbox("storefront_order_changed")] == ["credit"]


def test_b6_a_top_up_coupons_could_not_credit_is_credited_by_the_loop(shop, wechatpay, coupons_book):
    order = shop.place("top_up", amount_fen=10000)
    shop.pay_wechat(order.id)
    coupons_book.down = True
    try:
        wechatpay.fake.pay(out_no(order.id))
        assert shop.get(order.id).state == "paid"
        assert shop.loop().credit(order.id) == 0  # still down: still paid
    finally:
        coupons_book.down = False
    assert shop.loop().run_once()["credited"] >= 1
    assert shop.get(order.id).state == "done"
    assert coupons_book.moves[f"storefront-top-up:{order.id}"] == ("recharge", shop.customer.subject_id, 10000)


def test_b6_the_loop_closes_unpaid_orders_and_gives_their_stock_back(shop, wechatpay):
    never = shop.place("ecommerce", quantity=3)  # no prepay at WeChat
    prepaid = shop.place("ecommerce", quantity=2)
    shop.pay_wechat(prepaid.id)
    assert shop.stock() == 15
    loop = shop.loop()
    assert shop.loop(minutes_later=0).close_unpaid(never.id) is None  # not due yet
    assert loop.close_unpaid(never.id) == "closed"
    wechatpay.fake.fail_next(500, "SYSTEM_ERROR")
    assert loop.close_unpaid(prepaid.id) == "waiting"  # no answer from WeChat: next round
    assert shop.get(prepaid.id).state == "awaiting_payment"
    loop.run_once()
    assert [shop.get(o.id).state for o in (never, prepaid)] == ["closed", "closed"]
    # Closed at WeChat too: the customer cannot pay it any more.
    assert wechatpay.fake.trade_state(out_no(prepaid.id)) == "CLOSED"
    assert shop.stock() == 20
    assert [e["action"] for e in shop.outbox("storefront_order_changed")] == ["cancel", "cancel"]


def test_b6_a_paid_order_whose_notification_was_lost_is_marked_paid_never_closed(shop, wechatpay, gateway):
    order = shop.place("takeaway", quantity=1)
    shop.pay_wechat(order.id)
    gateway.drop = True
    try:
        sent = wechatpay.fake.pay(out_no(order.id))
    finally:
        gateway.drop = False
    assert [d.status for d in sent] == [500] and shop.get(order.id).state == "awaiting_payment"

    assert shop.loop().close_unpaid(order.id) == "paid"
    paid = shop.get(order.id)
    assert (paid.state, paid.paid.fen, paid.payment_method) == ("paid", 1500, "wechat")
    assert shop.stock() == 19
    # WeChat's retry of the notification arrives later: recorded, nothing changes.
    assert notify(shop, sent[0]).accepted
    assert payment_events(shop, order.id) == [("TRANSACTION.SUCCESS", "ignored")]
    assert len(shop.outbox("storefront_order_paid")) == 1


def test_b6_without_wechat_pay_settings_a_wechat_payment_is_a_clear_failed_precondition(shop, coupons_book):
    """A server without WECHATPAY_* settings has no payment port; stored value still works."""
    order = shop.place("ecommerce", quantity=1)
    with pytest.raises(Conflict) as err:
        storefront_payment.start_payment(
            shop.db.uow(),
            shop.customer,
            order.id,
            "wechat",
            "openid-1",
            payments=None,
            stored_value=coupons_book,
            now=utcnow(),
        )
    assert err.value.code == "PAYMENT_NOT_CONFIGURED"
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 1500
    view, _ = storefront_payment.start_payment(
        shop.db.uow(),
        shop.customer,
        order.id,
        "stored_value",
        "",
        payments=None,
        stored_value=coupons_book,
        now=utcnow(),
    )
    assert view.state == "paid"


@pytest.fixture(scope="module")
def real_coupons(customers, tmp_path_factory):
    """The real coupons service (its own process and database), met only through its proto."""
    url = testing.create_database("orders_sf_coupons_test")
    prefix = f"orders-sf-coupons-{uuid.uuid4().hex[:8]}:"
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "JWT_PUBLIC_KEY": PUBLIC,
        "SERVICE_TOKEN": ISSUER.service_token("coupons"),
        "CUSTOMERS_ADDR": customers.address,
        "IDENTITY_ADDR": "127.0.0.1:9",
        "MESSAGING_ADDR": "127.0.0.1:9",
    }
    log = tmp_path_factory.mktemp("coupons") / "coupons.log"
    try:
        with testing.service_process("coupons", env, log) as address:
            yield address
    finally:
        testing.delete_redis_prefix(redis_lib.Redis.from_url(testing.REDIS_URL), prefix)
        testing.drop_database(url)


def test_b6_e7_the_coupons_adapter_moves_stored_value_in_the_real_coupons_service(real_coupons, customers):
    """What the storefront asks of the coupons service, as orders' service actor: a debit (refused
    when short, once per key), a credit back, and an online recharge by the tenant's rules."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    cid = customers.add(tenant)
    book = GrpcCoupons(real_coupons, ISSUER.service_token("orders"))
    accounts = ServiceClient(real_coupons, stored_value_pb2_grpc.StoredValueServiceStub, STORED_VALUE_NAME)

    def balance() -> int:
        request = stored_value_pb2.GetAccountRequest(customer_id=cid)
        return accounts.call("GetAccount", request, token=ISSUER.service_token("orders"), tenant_id=tenant).balance.fen

    try:
        with pytest.raises(Conflict) as err:
            book.debit(tenant, cid, 500, reference="SF1", key="storefront:o-1")
        assert err.value.code == "INSUFFICIENT_BALANCE"
        book.recharge(tenant, cid, 2000, note="SF2", key="storefront-top-up:o-2")
        book.recharge(tenant, cid, 2000, note="SF2", key="storefront-top-up:o-2")
        assert balance() == 2000
        book.debit(tenant, cid, 500, reference="SF1", key="storefront:o-1")
        book.debit(tenant, cid, 500, reference="SF1", key="storefront:o-1")
        assert balance() == 1500
        book.credit(tenant, cid, 200, reference="SF1", key="storefront-refund:r-1")
        assert balance() == 1700
        assert book.reverse(tenant, cid, original_key="storefront:o-1", key="storefront-void:o-1")
        assert book.reverse(tenant, cid, original_key="storefront:o-1", key="storefront-void:o-1")
        assert balance() == 2200
        assert not book.reverse(tenant, cid, original_key="storefront:o-9", key="storefront-void:o-9")
    finally:
        book.close()
        accounts.close()
