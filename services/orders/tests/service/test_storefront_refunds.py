"""B8: refunds of storefront orders. The customer asks, the store's staff decide; WeChat money
goes back through the real WeChat Pay adapter against its fake (whose refund notification
settles it), stored value through the fake coupons service."""

import pytest
from orders_testkit import staff
from storefront_money_testkit import *  # noqa: F403
from storefront_money_testkit import STORE

from crm.orders.v1 import storefront_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from crmkit.protos import money
from orders.providers import WECHATPAY_CALLBACK_PATH
from orders.service.storefront_callbacks import out_no


def paid_on_wechat(shop, wechatpay, kind="ecommerce", quantity=2):
    order = shop.place(kind, quantity=quantity)
    shop.pay_wechat(order.id)
    wechatpay.fake.pay(out_no(order.id))
    return shop.get(order.id, shop.customer)


def ask(shop, order_id, amount_fen, reason="口味不对"):
    request = pb.RequestStorefrontRefundRequest(id=order_id, amount=money(amount_fen), reason=reason)
    return shop.call(shop.customer, "RequestRefund", request)


def decide(shop, order_id, refund_id, *, approve=True, amount_fen=0, reason="", actor=None):
    request = pb.DecideStorefrontRefundRequest(
        id=order_id, refund_id=refund_id, approve=approve, amount=money(amount_fen), reason=reason
    )
    return shop.call(actor or shop.owner, "DecideRefund", request)


def test_b8_a_partial_refund_is_approved_sent_to_wechat_and_settled_by_its_notification(shop, wechatpay):
    order = paid_on_wechat(shop, wechatpay)  # 3000 fen
    assert order.refundable
    asked = ask(shop, order.id, 1000)
    [refund] = asked.refunds
    assert (refund.state, refund.requested.fen, refund.reason) == ("requested", 1000, "口味不对")
    assert not asked.refundable  # one request at a time
    [requested] = shop.outbox("storefront_refund_requested")
    assert requested["refund"] == {"refund_id": refund.id, "requested_fen": 1000, "reason": "口味不对"}
    assert requested["order"]["order_id"] == order.id

    with pytest.raises(Conflict) as err:
        ask(shop, order.id, 500)
    assert err.value.code == "REFUND_PENDING"

    decided = decide(shop, order.id, refund.id, amount_fen=800)  # lowered by the merchant
    [refund] = decided.refunds
    assert (refund.state, refund.approved.fen, decided.refunded.fen, decided.state) == ("approved", 800, 800, "paid")
    assert shop.outbox("storefront_refund_decided")[-1]["refund"]["state"] == "approved"

    sent = wechatpay.fake.settle_refund(out_no(refund.id), times=2)
    assert [d.status for d in sent] == [200, 200]
    settled = shop.get(order.id)
    [refund] = settled.refunds
    assert (refund.state, settled.refunded.fen, settled.state) == ("refunded", 800, "paid")
    assert refund.HasField("refunded_at") and shop.get(order.id, shop.customer).refundable
    assert [e["refund"]["state"] for e in shop.outbox("storefront_refund_decided")] == ["approved", "refunded"]

    # What is left, in full: approved as asked, the order closes.
    rest = ask(shop, order.id, 2200).refunds[-1]
    closed = decide(shop, order.id, rest.id)
    assert (closed.state, closed.refunded.fen, closed.refunds[-1].approved.fen) == ("closed", 3000, 2200)
    assert wechatpay.fake.settle_refund(out_no(rest.id))[0].status == 200
    assert [r.state for r in shop.get(order.id).refunds] == ["refunded", "refunded"]


def test_b8_an_approval_over_what_is_left_is_a_400_naming_the_amount_and_writes_nothing(shop, wechatpay):
    order = paid_on_wechat(shop, wechatpay, quantity=1)  # 1500
    refund = ask(shop, order.id, 1500).refunds[0]
    with pytest.raises(InvalidInput) as err:
        decide(shop, order.id, refund.id, amount_fen=1501)
    assert err.value.code == "REFUND_AMOUNT_INVALID" and list(err.value.fields) == ["amount_fen"]
    with pytest.raises(InvalidInput) as err:
        ask(shop, paid_on_wechat(shop, wechatpay, quantity=1).id, 1501)
    assert list(err.value.fields) == ["amount_fen"]
    after = shop.get(order.id)
    assert (after.refunds[0].state, after.refunded.fen) == ("requested", 0)
    assert shop.outbox("storefront_refund_decided") == []
    assert wechatpay.fake.trade_state(out_no(order.id)) == "SUCCESS"  # nothing went to WeChat


def test_b8_a_rejection_needs_a_reason_and_leaves_the_money(shop, wechatpay):
    order = paid_on_wechat(shop, wechatpay, quantity=1)
    refund = ask(shop, order.id, 1500).refunds[0]
    with pytest.raises(InvalidInput) as err:
        decide(shop, order.id, refund.id, approve=False, reason="  ")
    assert err.value.fields == {"reason": "validation.required"}
    rejected = decide(shop, order.id, refund.id, approve=False, reason="已出餐，不能退")
    assert (rejected.refunds[0].state, rejected.refunds[0].reject_reason) == ("rejected", "已出餐，不能退")
    assert (rejected.state, rejected.refunded.fen) == ("paid", 0)
    assert shop.get(order.id, shop.customer).refundable
    assert shop.outbox("storefront_refund_decided")[0]["refund"] == {
        "refund_id": refund.id,
        "state": "rejected",
        "approved_fen": 0,
        "reject_reason": "已出餐，不能退",
    }
    # Decided once.
    with pytest.raises(Conflict) as err:
        decide(shop, order.id, refund.id)
    assert err.value.code == "REFUND_NOT_PENDING"


def test_b8_kinds_the_manual_does_not_refund_are_refused_by_name(shop, coupons_book):
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 100000
    face = shop.place("face_to_face", amount_fen=5000)
    shop.pay_stored_value(face.id)
    assert shop.get(face.id, shop.customer).state == "done"
    with pytest.raises(Conflict) as err:
        ask(shop, face.id, 5000)
    assert (err.value.code, err.value.params) == ("REFUND_NOT_ACCEPTED", {"kind": "face_to_face"})
    assert shop.get(face.id).refunds == []


def test_b8_a_request_needs_its_reason_and_the_parties_are_checked(shop, wechatpay):
    order = paid_on_wechat(shop, wechatpay, quantity=1)
    with pytest.raises(InvalidInput) as err:
        ask(shop, order.id, 100, reason="")
    assert (err.value.code, err.value.fields) == ("REFUND_INPUT_INVALID", {"reason": "validation.required"})
    with pytest.raises(PermissionDenied):
        shop.call(
            shop.owner, "RequestRefund", pb.RequestStorefrontRefundRequest(id=order.id, amount=money(1), reason="x")
        )
    refund = ask(shop, order.id, 100).refunds[0]
    with pytest.raises(PermissionDenied):
        decide(shop, order.id, refund.id, actor=shop.customer)
    # Staff of another store do not see it; an unknown refund of a seen order is not found.
    elsewhere = staff(shop.tenant, "store_manager", stores=("store-2",))
    with pytest.raises(NotFound) as err:
        decide(shop, order.id, refund.id, actor=elsewhere)
    assert err.value.code == "ORDER_NOT_FOUND"
    with pytest.raises(NotFound) as err:
        decide(shop, order.id, "00000000-0000-0000-0000-000000000000")
    assert err.value.code == "REFUND_NOT_FOUND"
    manager = staff(shop.tenant, "store_manager", stores=(STORE,))
    assert decide(shop, order.id, refund.id, actor=manager).refunds[0].state == "approved"


def test_b8_stored_value_goes_back_to_the_balance_at_once(shop, coupons_book):
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 3000
    order = shop.place("reservation", quantity=2)
    shop.pay_stored_value(order.id)
    refund = ask(shop, order.id, 3000).refunds[0]
    coupons_book.down = True
    try:
        with pytest.raises(Unavailable) as err:
            decide(shop, order.id, refund.id)
        assert err.value.code == "COUPONS_UNAVAILABLE"
        assert shop.get(order.id).refunds[0].state == "requested"
    finally:
        coupons_book.down = False
    closed = decide(shop, order.id, refund.id)
    assert (closed.state, closed.refunded.fen, closed.refunds[0].state) == ("closed", 3000, "refunded")
    assert coupons_book.balances[(shop.tenant, shop.customer.subject_id)] == 3000
    assert coupons_book.moves[f"storefront-refund:{refund.id}"] == ("credit", shop.customer.subject_id, 3000)


def test_b8_wechat_unreachable_keeps_the_request_waiting_and_asking_again_refunds_once(shop, wechatpay):
    order = paid_on_wechat(shop, wechatpay, quantity=1)
    refund = ask(shop, order.id, 1500).refunds[0]
    wechatpay.fake.fail_next(500, "SYSTEM_ERROR")
    with pytest.raises(Unavailable) as err:
        decide(shop, order.id, refund.id)
    assert err.value.code == "PAYMENT_UNAVAILABLE"
    assert shop.get(order.id).refunds[0].state == "requested"
    assert decide(shop, order.id, refund.id).state == "closed"
    assert wechatpay.fake.settle_refund(out_no(refund.id))[0].status == 200
    assert shop.get(order.id).refunds[0].state == "refunded"


def test_b8_a_refund_wechat_could_not_pay_out_fails_for_the_merchant_to_settle(shop, wechatpay, gateway):
    order = paid_on_wechat(shop, wechatpay, quantity=2)
    refund = ask(shop, order.id, 1000).refunds[0]
    approved = decide(shop, order.id, refund.id)
    resource = {
        "mchid": wechatpay.fake.mchid,
        "out_trade_no": out_no(order.id),
        "transaction_id": "4200000000000000000000000002",
        "out_refund_no": out_no(refund.id),
        "refund_id": "50000000000000000000000000000002",
        "refund_status": "ABNORMAL",
        "user_received_account": "支付用户零钱",
        "amount": {"total": 3000, "refund": 1000, "payer_total": 3000, "payer_refund": 1000},
    }
    # The payer's account could not take it (e.g. closed): WeChat says so, signed as ever.
    sent = wechatpay.fake._notify(
        gateway.url + WECHATPAY_CALLBACK_PATH,
        "REFUND.ABNORMAL",
        "退款异常",
        "refund",
        resource,
        times=2,
        forge=False,
        tamper=None,
        timestamp_offset=0,
    )
    assert [d.status for d in sent] == [200, 200]
    after = shop.get(order.id)
    assert after.refunds[0].state == "failed"
    assert (after.state, after.refunded.fen) == (approved.state, approved.refunded.fen) == ("paid", 1000)
    assert [e["refund"]["state"] for e in shop.outbox("storefront_refund_decided")] == ["approved", "failed"]
