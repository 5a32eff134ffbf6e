"""A1 change log of storefront orders through the real orders server on PostgreSQL, with WeChat
Pay's and Dada's fakes behind the real adapters: every change of an order is one entry written
with it, naming who made it (staff, the customer, a service, or the system job or provider
callback), newest first, paged, read by staff who may see the order and nobody else."""

import json
import time

import pytest
from orders_testkit import ISSUER, staff
from storefront_money_testkit import *  # noqa: F403
from storefront_money_testkit import STORE

from crm.common.v1 import common_pb2
from crm.orders.v1 import storefront_pb2 as pb
from crmkit.errors import NotFound, PermissionDenied
from crmkit.protos import money
from orders.delivery.dada import DADA_DELIVERED
from orders.service.storefront_callbacks import out_no

NOTIFICATION = ("system", "wechat-pay-notification")
LOOP = ("system", "storefront-loop")


def log(shop, order_id, actor=None, *, page=0, size=0):
    """(action, actor_kind, actor_id, before, after) of each entry, and the total."""
    request = common_pb2.ListChangesRequest(object_id=order_id, page=common_pb2.PageRequest(page=page, page_size=size))
    reply = shop.call(actor or shop.owner, "ListStorefrontOrderChanges", request)
    entries = [
        (
            c.action,
            c.actor_kind,
            c.actor_id,
            json.loads(c.before_json) if c.before_json else None,
            json.loads(c.after_json) if c.after_json else None,
        )
        for c in reply.changes
    ]
    assert all(c.object_type == "storefront_order" and c.object_id == order_id for c in reply.changes)
    return entries, reply.page.total


def who(entries):
    return [(action, kind, actor_id) for action, kind, actor_id, _, _ in entries]


def step(shop, actor, order_id, action, **fields):
    return shop.call(actor, "TakeAction", pb.StorefrontActionRequest(id=order_id, action=action, **fields))


def ask(shop, order_id, amount_fen, reason="少了一份"):
    request = pb.RequestStorefrontRefundRequest(id=order_id, amount=money(amount_fen), reason=reason)
    return shop.call(shop.customer, "RequestRefund", request).refunds[-1]


def approve(shop, order_id, refund_id, amount_fen=0):
    request = pb.DecideStorefrontRefundRequest(id=order_id, refund_id=refund_id, approve=True, amount=money(amount_fen))
    return shop.call(shop.owner, "DecideRefund", request)


def test_a1_an_order_placed_paid_accepted_refunded_and_closed_logs_each_change_with_its_author(shop, wechatpay):
    # Given a takeaway the customer places and pays on WeChat, the store manager accepts, and
    # the customer asks back in two refunds, the second of what is left (which closes it)
    manager = staff(shop.tenant, "store_manager", stores=(STORE,))
    customer = ("customer", shop.customer.subject_id)
    order = shop.place("takeaway", quantity=2, note="不要辣")  # 3000 fen
    shop.pay_wechat(order.id)
    wechatpay.fake.pay(out_no(order.id))
    step(shop, manager, order.id, "accept")
    first = ask(shop, order.id, 1000)
    approve(shop, order.id, first.id, 800)
    wechatpay.fake.settle_refund(out_no(first.id))
    rest = ask(shop, order.id, 2200, reason="不想要了")
    assert approve(shop, order.id, rest.id).state == "closed"

    # Then each change is one entry, newest first, naming who made it
    entries, total = log(shop, order.id)
    assert total == 8
    assert who(entries) == [
        ("refund_approved", "staff", shop.owner.subject_id),
        ("refund_requested", *customer),
        ("refund_settled", *NOTIFICATION),
        ("refund_approved", "staff", shop.owner.subject_id),
        ("refund_requested", *customer),
        ("accepted", "staff", manager.subject_id),
        ("paid", *NOTIFICATION),
        ("placed", *customer),
    ]
    # and only the fields that moved, before and after
    closed, asked_rest, settled, approved, asked, accepted, paid, placed = (e[3:] for e in entries)
    first_key, rest_key = f"refund.{first.id}", f"refund.{rest.id}"
    rest_asked = {
        "state": "requested",
        "requested_fen": 2200,
        "approved_fen": 0,
        "reason": "不想要了",
        "reject_reason": "",
    }
    assert closed == (
        {"state": "accepted", "refunded_fen": 800, rest_key: rest_asked},
        {
            "state": "closed",
            "refunded_fen": 3000,
            rest_key: {**rest_asked, "state": "approved", "approved_fen": 2200},
        },
    )
    assert asked_rest == ({rest_key: None}, {rest_key: rest_asked})
    first_approved = {
        "state": "approved",
        "requested_fen": 1000,
        "approved_fen": 800,
        "reason": "少了一份",
        "reject_reason": "",
    }
    assert settled == ({first_key: first_approved}, {first_key: {**first_approved, "state": "refunded"}})
    assert approved == (
        {"refunded_fen": 0, first_key: {**first_approved, "state": "requested", "approved_fen": 0}},
        {"refunded_fen": 800, first_key: first_approved},
    )
    assert asked[0] == {first_key: None} and asked[1][first_key]["state"] == "requested"
    assert accepted == ({"state": "paid"}, {"state": "accepted"})
    before, after = paid
    assert before == {"state": "awaiting_payment", "paid_fen": 0, "payment_method": "", "transaction_id": ""}
    assert (after["state"], after["paid_fen"], after["payment_method"]) == ("paid", 3000, "wechat")
    assert after["transaction_id"] and set(after) == set(before)
    before, after = placed
    assert before is None
    assert {k: after[k] for k in ("kind", "number", "customer_id", "store_id", "state", "total_fen", "note")} == {
        "kind": "takeaway",
        "number": order.number,
        "customer_id": shop.customer.subject_id,
        "store_id": STORE,
        "state": "awaiting_payment",
        "total_fen": 3000,
        "note": "不要辣",
    }
    assert after["lines"] == [{"product_id": shop.product_id, "quantity": 2, "unit_price_fen": 1500, "spec": ""}]
    assert "verification_code" not in after  # the log must not serve the order

    # and the log reads a page at a time, the pages together the whole log
    pages = [log(shop, order.id, page=n, size=3) for n in (1, 2, 3)]
    assert [total for _, total in pages] == [8, 8, 8]
    assert [e for part, _ in pages for e in part] == entries


def test_a1_only_staff_who_may_see_the_order_read_its_log(shop):
    order = shop.place("takeaway", quantity=1)
    manager = staff(shop.tenant, "store_manager", stores=(STORE,))
    assert who(log(shop, order.id, manager)[0]) == [("placed", "customer", shop.customer.subject_id)]
    # Another tenant's owner, a salesperson who did not place it, another store's manager: the
    # order is not there for them; an unknown id neither.
    outsiders = [
        staff("t-elsewhere", "owner", stores=(STORE,)),
        staff(shop.tenant, "salesperson", stores=(STORE,)),
        staff(shop.tenant, "store_manager", stores=("store-2",)),
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound) as err:
            log(shop, order.id, outsider)
        assert err.value.code == "ORDER_NOT_FOUND"
    with pytest.raises(NotFound):
        log(shop, "00000000-0000-0000-0000-000000000000")
    # The order's own customer: staff only.
    with pytest.raises(PermissionDenied):
        log(shop, order.id, shop.customer)


def test_a1_a_salesperson_reads_the_log_of_an_order_they_placed_at_the_counter(shop):
    clerk = staff(shop.tenant, "salesperson", stores=(STORE,))
    request = pb.PlaceStorefrontOrderRequest(
        store_id=STORE,
        kind="in_store",
        customer_id=shop.customer.subject_id,
        lines=[pb.StorefrontLineInput(product_id=shop.product_id, quantity=1, spec="大杯")],
    )
    order = shop.call(clerk, "PlaceOrder", request)
    [(action, kind, actor_id, _, after)], _ = log(shop, order.id, clerk)
    assert (action, kind, actor_id, after["placed_by"]) == ("placed", "staff", clerk.subject_id, clerk.subject_id)
    assert after["lines"][0]["spec"] == "大杯"


def test_a1_steps_log_the_fields_they_carry(shop, coupons_book):
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 100000
    customer = ("customer", shop.customer.subject_id)
    parcel = shop.place("ecommerce", quantity=1)
    shop.pay_stored_value(parcel.id)
    step(shop, shop.owner, parcel.id, "ship", carrier="顺丰", tracking_no="SF1001")
    step(shop, shop.customer, parcel.id, "confirm_receipt")
    entries, _ = log(shop, parcel.id)
    assert who(entries[:3]) == [
        ("receipt_confirmed", *customer),
        ("shipped", "staff", shop.owner.subject_id),
        ("paid", *customer),
    ]
    assert entries[1][3:] == (
        {"state": "paid", "carrier": "", "tracking_no": ""},
        {"state": "shipped", "carrier": "顺丰", "tracking_no": "SF1001"},
    )
    assert entries[2][4]["payment_method"] == "stored_value"

    # Printing's auto-accept (a service), then the code verified at the counter.
    counter = shop.place("in_store", quantity=1)
    shop.pay_stored_value(counter.id)
    shop.client.call(
        "TakeAction",
        pb.StorefrontActionRequest(id=counter.id, action="confirm"),
        token=ISSUER.service_token("printing"),
        tenant_id=shop.tenant,
        timeout=30,
    )
    code = shop.get(counter.id, shop.customer).verification_code
    shop.call(shop.owner, "VerifyByCode", pb.VerifyStorefrontCodeRequest(code=code, store_id=STORE))
    entries, total = log(shop, counter.id)
    assert total == 4
    assert who(entries[:2]) == [("verified", "staff", shop.owner.subject_id), ("confirmed", "service", "printing")]
    before, after = entries[0][3:]
    assert (before, after["state"], after["verified_at"] is not None) == (
        {"state": "confirmed", "verified_at": None},
        "done",
        True,
    )
    assert set(after) == {"state", "verified_at"}


def test_a1_the_systems_changes_name_what_made_them(shop, wechatpay, dada, coupons_book):
    # The loop closes an order left unpaid.
    unpaid = shop.place("ecommerce", quantity=1)
    assert shop.loop().close_unpaid(unpaid.id) == "closed"
    entries, _ = log(shop, unpaid.id)
    assert who(entries) == [("cancelled", *LOOP), ("placed", "customer", shop.customer.subject_id)]
    assert entries[0][3:] == ({"state": "awaiting_payment"}, {"state": "closed"})

    # A payment arriving for it afterwards goes back at once.
    late = shop.place("ecommerce", quantity=1)
    shop.pay_wechat(late.id)
    step(shop, shop.customer, late.id, "cancel")
    wechatpay.fake.pay(out_no(late.id))
    entries, _ = log(shop, late.id)
    assert who(entries[:2]) == [
        ("late_payment_refunded", *NOTIFICATION),
        ("cancelled", "customer", shop.customer.subject_id),
    ]
    before, after = entries[0][3:]
    [refund] = shop.get(late.id).refunds
    assert (before["paid_fen"], after["paid_fen"], after["refunded_fen"]) == (0, 1500, 1500)
    assert (before[f"refund.{refund.id}"], after[f"refund.{refund.id}"]["state"]) == (None, "approved")

    # A top-up paid on WeChat is credited at once: one change.
    top_up = shop.place("top_up", amount_fen=5000)
    shop.pay_wechat(top_up.id)
    wechatpay.fake.pay(out_no(top_up.id))
    entries, _ = log(shop, top_up.id)
    assert who(entries) == [("paid", *NOTIFICATION), ("placed", "customer", shop.customer.subject_id)]
    assert (entries[0][3]["state"], entries[0][4]["state"]) == ("awaiting_payment", "done")

    # A takeaway handed to Dada, then delivered by Dada's word.
    coupons_book.balances[(shop.tenant, shop.customer.subject_id)] = 100000
    takeaway = shop.place("takeaway", quantity=1)
    shop.pay_stored_value(takeaway.id)
    step(shop, shop.owner, takeaway.id, "accept")
    shop.call(shop.owner, "HandToDelivery", pb.HandToDeliveryRequest(id=takeaway.id))
    assert dada.fake.advance(takeaway.id, DADA_DELIVERED, update_time=int(time.time())).status == 200
    entries, total = log(shop, takeaway.id)
    assert total == 5
    assert who(entries[:2]) == [
        ("delivered", "system", "dada-callback"),
        ("dispatched", "staff", shop.owner.subject_id),
    ]
    assert entries[0][3:] == ({"state": "delivering"}, {"state": "done"})
    assert entries[1][3:] == (
        {"state": "accepted", "delivery_provider": None, "delivery_order_id": None},
        {"state": "delivering", "delivery_provider": "dada", "delivery_order_id": takeaway.id},
    )
