"""The WeChat Pay v3 adapter against the local fake on a real socket (B6).

The fake checks the adapter's request signatures and signs its answers and notifications with
its own platform key, so these tests prove both halves of the v3 signing scheme end to end.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from provider_inbox import Inbox, served

from orders.payments import crypto
from orders.payments.fake_server import FakeWeChatPayServer
from orders.payments.port import (
    KIND_REFUND,
    KIND_TRANSACTION,
    NOTIFY_BAD_SIGNATURE,
    NOTIFY_STALE,
    NOTIFY_UNDECRYPTABLE,
    NOTIFY_UNKNOWN_SERIAL,
    NOTIFY_WRONG_MERCHANT,
    NotificationRejected,
    PaymentRejected,
    PaymentUnavailable,
)
from orders.payments.wechatpay import WeChatPay

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


fake = served(FakeWeChatPayServer)
inbox = served(lambda: Inbox(answer=204))


@pytest.fixture
def notify_url(inbox: Inbox) -> str:
    return inbox.fresh_url("/payments/wechat/notify")


@pytest.fixture(scope="module")
def pay(fake: FakeWeChatPayServer) -> WeChatPay:
    return WeChatPay(fake.config())


_counter = iter(range(1, 10_000))


def _no(prefix: str = "XS") -> str:
    return f"{prefix}{int(time.time())}{next(_counter):04d}"


def _prepaid(pay: WeChatPay, notify_url: str, amount_fen: int = 12_345) -> str:
    out_trade_no = _no()
    pay.prepay(out_trade_no, "批发订单 XS20261205-0001", amount_fen, OPENID, notify_url)
    return out_trade_no


# --- requests and answers ------------------------------------------------------------------


def test_prepay_gives_client_params_whose_pay_sign_verifies_with_the_merchant_key(fake, pay, notify_url):
    params = pay.prepay(_no(), "批发订单", 9_900, OPENID, notify_url)
    assert params.appId == fake.fake.appid and params.signType == "RSA"
    assert params.package.startswith("prepay_id=wx")
    assert abs(int(params.timeStamp) - time.time()) < 60 and len(params.nonceStr) == 32
    message = crypto.pay_sign_message(params.appId, params.timeStamp, params.nonceStr, params.package)
    assert crypto.verify(fake.merchant_private_key.public_key(), message, params.paySign)
    assert set(params.as_dict()) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}


def test_prepaying_the_same_order_again_gives_the_same_prepay_id(pay, notify_url):
    out_trade_no = _no()
    first = pay.prepay(out_trade_no, "批发订单", 500, OPENID, notify_url)
    again = pay.prepay(out_trade_no, "批发订单", 500, OPENID, notify_url)
    assert first.package == again.package
    with pytest.raises(PaymentRejected) as refused:
        pay.prepay(out_trade_no, "批发订单", 501, OPENID, notify_url)
    assert refused.value.code == "OUT_TRADE_NO_USED" and refused.value.status == 403


def test_query_follows_the_order_from_notpay_to_success(fake, pay, notify_url):
    out_trade_no = _prepaid(pay, notify_url, 12_345)
    status = pay.query(out_trade_no)
    assert (status.trade_state, status.total_fen, status.payer_total_fen, status.transaction_id) == (
        "NOTPAY",
        12_345,
        None,
        None,
    )
    fake.fake.pay(out_trade_no)
    status = pay.query(out_trade_no)
    assert status.trade_state == "SUCCESS" and status.payer_total_fen == 12_345
    assert status.transaction_id and status.success_time is not None and status.success_time.tzinfo is not None
    with pytest.raises(PaymentRejected) as refused:
        pay.prepay(out_trade_no, "批发订单 XS20261205-0001", 12_345, OPENID, notify_url)
    assert refused.value.code == "ORDERPAID"


def test_query_of_an_unknown_order_is_rejected_with_wechats_code(pay):
    with pytest.raises(PaymentRejected) as refused:
        pay.query(_no())
    assert refused.value.code == "ORDER_NOT_EXIST" and refused.value.status == 404


def test_close_closes_an_unpaid_order_and_refuses_a_paid_one(fake, pay, notify_url):
    open_no = _prepaid(pay, notify_url)
    pay.close(open_no)
    assert pay.query(open_no).trade_state == "CLOSED"
    with pytest.raises(PaymentRejected) as refused:
        pay.prepay(open_no, "批发订单 XS20261205-0001", 12_345, OPENID, notify_url)
    assert refused.value.code == "ORDER_CLOSED"

    paid_no = _prepaid(pay, notify_url)
    fake.fake.pay(paid_no)
    with pytest.raises(PaymentRejected) as refused:
        pay.close(paid_no)
    assert refused.value.code == "ORDERPAID"


def test_refund_round_trip_ends_in_a_verified_refund_notification(fake, pay, notify_url, inbox):
    out_trade_no = _prepaid(pay, notify_url, 10_000)
    fake.fake.pay(out_trade_no)
    out_refund_no = _no("TH")
    result = pay.refund(out_trade_no, out_refund_no, 3_000, 10_000, "退货 TH20261205-0001", notify_url)
    assert (result.out_refund_no, result.status, result.refund_fen, result.total_fen) == (
        out_refund_no,
        "PROCESSING",
        3_000,
        10_000,
    )
    # the same refund asked again is the same refund, not a second one
    assert pay.refund(out_trade_no, out_refund_no, 3_000, 10_000, "退货", notify_url).refund_id == result.refund_id
    with pytest.raises(PaymentRejected) as refused:
        pay.refund(out_trade_no, _no("TH"), 7_001, 10_000, "", notify_url)
    assert refused.value.code == "INVALID_REQUEST"

    inbox.received.clear()
    fake.fake.settle_refund(out_refund_no)
    [(headers, body)] = inbox.received
    event = pay.parse_notification(headers, body)
    assert event.kind == KIND_REFUND and event.event_type == "REFUND.SUCCESS"
    assert (event.out_trade_no, event.out_refund_no, event.refund_id) == (out_trade_no, out_refund_no, result.refund_id)
    assert (event.refund_status, event.refund_fen, event.total_fen, event.payer_total_fen) == (
        "SUCCESS",
        3_000,
        10_000,
        10_000,
    )
    assert pay.query(out_trade_no).trade_state == "REFUND"


def test_refund_of_an_unpaid_order_is_rejected(pay, notify_url):
    out_trade_no = _prepaid(pay, notify_url, 10_000)
    with pytest.raises(PaymentRejected):
        pay.refund(out_trade_no, _no("TH"), 100, 10_000, "", notify_url)


def test_the_fake_refuses_a_request_signed_with_the_wrong_key(fake, notify_url):
    stranger = WeChatPay(fake.config(merchant_private_key=crypto.generate_key()))
    with pytest.raises(PaymentRejected) as refused:
        stranger.prepay(_no(), "批发订单", 100, OPENID, notify_url)
    assert (refused.value.code, refused.value.status) == ("SIGN_ERROR", 401)
    late = WeChatPay(fake.config(), clock=lambda: time.time() - 600)
    with pytest.raises(PaymentRejected) as refused:
        late.query(_no())
    assert refused.value.code == "SIGN_ERROR"
    other_serial = WeChatPay(fake.config(merchant_serial_no="ANOTHERSERIAL"))
    with pytest.raises(PaymentRejected) as refused:
        other_serial.query(_no())
    assert refused.value.code == "SIGN_ERROR"


def test_an_answer_not_signed_by_the_platform_is_not_believed(fake, pay, notify_url):
    out_trade_no = _prepaid(pay, notify_url)
    fake.fake.forge_next_answer()
    with pytest.raises(PaymentUnavailable, match="not verified"):
        pay.query(out_trade_no)
    assert pay.query(out_trade_no).trade_state == "NOTPAY"
    # a key rotated on WeChat's side is not silently trusted either
    with pytest.raises(PaymentUnavailable, match="UNKNOWN_SERIAL"):
        WeChatPay(fake.config(platform_serial_no="PUB_KEY_ID_OLD")).query(out_trade_no)


def test_server_errors_and_rate_limits_are_unavailable_not_rejected(fake, pay, notify_url):
    out_trade_no = _prepaid(pay, notify_url)
    fake.fake.fail_next(500, "SYSTEM_ERROR", "系统错误")
    with pytest.raises(PaymentUnavailable, match="500"):
        pay.query(out_trade_no)
    fake.fake.fail_next(429, "FREQUENCY_LIMITED", "频率超限")
    with pytest.raises(PaymentUnavailable, match="429"):
        pay.close(out_trade_no)
    assert fake.fake.trade_state(out_trade_no) == "NOTPAY"


def test_a_silent_or_absent_server_is_unavailable(fake):
    # a socket that accepts and never answers: the adapter's timeout, not a hang
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        slow = WeChatPay(fake.config(base_url=f"http://127.0.0.1:{port}", timeout_seconds=0.3))
        with pytest.raises(PaymentUnavailable):
            slow.query("XS0000000001")
    gone = WeChatPay(fake.config(base_url=f"http://127.0.0.1:{port}", timeout_seconds=0.3))
    with pytest.raises(PaymentUnavailable):
        gone.query("XS0000000001")


def test_bad_arguments_name_the_field(pay, notify_url):
    with pytest.raises(ValueError, match="amount_fen"):
        pay.prepay(_no(), "批发订单", 0, OPENID, notify_url)
    with pytest.raises(ValueError, match="out_trade_no"):
        pay.query("bad no!")
    with pytest.raises(ValueError, match="refund_fen"):
        pay.refund(_no(), _no("TH"), 200, 100, "", notify_url)


# --- notifications -------------------------------------------------------------------------


def test_payment_notification_parses_to_a_verified_transaction_event(fake, pay, notify_url, inbox):
    out_trade_no = _prepaid(pay, notify_url, 12_345)
    [delivery] = fake.fake.pay(out_trade_no)
    assert delivery.status == 204
    [(headers, body)] = inbox.received
    event = pay.parse_notification(headers, body)
    assert event.kind == KIND_TRANSACTION and event.event_type == "TRANSACTION.SUCCESS"
    assert (event.out_trade_no, event.trade_state, event.total_fen, event.payer_total_fen) == (
        out_trade_no,
        "SUCCESS",
        12_345,
        12_345,
    )
    assert event.transaction_id == pay.query(out_trade_no).transaction_id
    assert event.success_time is not None


def test_a_notification_delivered_twice_parses_to_the_same_event(fake, pay, notify_url, inbox):
    out_trade_no = _prepaid(pay, notify_url)
    fake.fake.pay(out_trade_no, times=2)
    first, second = (pay.parse_notification(h, b) for h, b in inbox.received)
    assert first == second


def test_a_forged_notification_is_refused(fake, pay, notify_url, inbox):
    fake.fake.pay(_prepaid(pay, notify_url), forge=True)
    [(headers, body)] = inbox.received
    with pytest.raises(NotificationRejected) as refused:
        pay.parse_notification(headers, body)
    assert refused.value.reason == NOTIFY_BAD_SIGNATURE


def test_a_notification_whose_amount_was_changed_after_signing_is_refused(fake, pay, notify_url, inbox):
    fake.fake.pay(_prepaid(pay, notify_url, 12_345), tamper_payer_total_fen=1)
    [(headers, body)] = inbox.received
    assert json.loads(crypto.decrypt_resource(fake.fake.apiv3_key, *_sealed(body)))["amount"]["payer_total"] == 1
    with pytest.raises(NotificationRejected) as refused:
        pay.parse_notification(headers, body)
    assert refused.value.reason == NOTIFY_BAD_SIGNATURE


def test_a_stale_notification_is_refused(fake, pay, notify_url, inbox):
    fake.fake.pay(_prepaid(pay, notify_url), timestamp_offset=-301)
    [(headers, body)] = inbox.received
    with pytest.raises(NotificationRejected) as refused:
        pay.parse_notification(headers, body)
    assert refused.value.reason == NOTIFY_STALE
    # the same bytes were fine when they were fresh: only the clock refuses them
    assert WeChatPay(fake.config(), clock=lambda: time.time() - 301).parse_notification(headers, body)


def test_a_notification_for_another_merchant_or_key_is_refused(fake, pay, notify_url, inbox):
    fake.fake.pay(_prepaid(pay, notify_url))
    [(headers, body)] = inbox.received
    for config, reason in (
        (fake.config(mchid="1900000999"), NOTIFY_WRONG_MERCHANT),
        (fake.config(appid="wx0000000000000000"), NOTIFY_WRONG_MERCHANT),
        (fake.config(apiv3_key=b"k" * 32), NOTIFY_UNDECRYPTABLE),
        (fake.config(platform_serial_no="PUB_KEY_ID_OLD"), NOTIFY_UNKNOWN_SERIAL),
    ):
        with pytest.raises(NotificationRejected) as refused:
            WeChatPay(config).parse_notification(headers, body)
        assert refused.value.reason == reason, config
    lower = {k.lower(): v for k, v in headers.items()}
    assert pay.parse_notification(lower, body.decode()).out_trade_no  # header case and str bodies are fine
    unsigned = {k: v for k, v in headers.items() if k.lower() != "wechatpay-signature"}
    with pytest.raises(NotificationRejected, match="missing"):
        pay.parse_notification(unsigned, body)


def _sealed(body: bytes) -> tuple[str, str, str]:
    resource = json.loads(body)["resource"]
    return resource["ciphertext"], resource["associated_data"], resource["nonce"]


def test_the_fake_can_be_paid_from_outside_for_make_run(fake, pay, notify_url, inbox):
    out_trade_no = _prepaid(pay, notify_url)
    request = urllib.request.Request(f"{fake.url}/_fake/pay/{out_trade_no}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read()) == {"delivered": [204]}
    [(headers, body)] = inbox.received
    assert pay.parse_notification(headers, body).out_trade_no == out_trade_no
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(request, timeout=5)
    assert again.value.code == 409
