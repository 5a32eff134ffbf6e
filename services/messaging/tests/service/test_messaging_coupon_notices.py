"""E2 E5 + H3: coupons' coupon_issued / coupon_expiring events text the holder once, through the
subscriptions the worker and the embedded launcher use, on PostgreSQL and the fake Aliyun server.
The handler queues the text; the batch sender beside the server sends the queue in batches (ADR
0021), driven here step by step."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from messaging_testkit import ref
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from crmkit.db import utcnow
from crmkit.errors import Unavailable
from crmkit.events import Event
from messaging.handlers import DUPLICATE, NO_PHONE, QUEUED, SENT, on_coupon_event
from messaging.models import SMS_FAILED, SMS_QUEUED, SMS_SENDING, SMS_SENT, ProcessedEvent, SmsMessage
from messaging.service.sms_batches import send_queued
from messaging.sms.port import SmsUnavailable
from messaging.sms_batch_sender import SmsBatchSender
from messaging.subscriptions import subscriptions


def mobile() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


def coupon_event(tenant, kind="coupon_issued", *, phone="", customer_id="", coupon_id=None, name="满50减5"):
    data = {
        "coupon_id": coupon_id or ref("cp"),
        "code": "".join(random.choices("0123456789", k=12)),
        "template_id": ref("tpl"),
        "template_name": name,
        "customer_id": customer_id,
        "phone": phone,
        # 17:00 UTC on the 30th is 01:00 on the 31st in China
        "valid_until": "2026-12-30T17:00:00+00:00",
    }
    if kind == "coupon_issued":
        data["channel"] = "send"
    return Event(type=kind, source="coupons", tenant_id=tenant, data=data)


def handled(db, evt) -> bool:
    with db.uow() as uow:
        return uow.session.get(ProcessedEvent, (evt.event_id, f"messaging.on_{evt.type}")) is not None


def counted(kind, outcome) -> float:
    return (
        REGISTRY.get_sample_value("crm_messaging_holder_notifications_total", {"kind": kind, "outcome": outcome}) or 0.0
    )


@pytest.fixture
def routes(db, customers, alerts):
    return subscriptions(db, identity_client=None, customers_client=customers, alerts=alerts)


@pytest.fixture
def batches(db, sms_sender):
    """The batch sender the messaging server runs, driven by hand: `batches.drain()`."""
    sender = SmsBatchSender(db, sms_sender)
    sender.drain()  # nothing of another test's left in the queue
    return sender


def row(db, evt):
    key = f"{evt.type}:{evt.data['coupon_id']}"
    with db.uow() as uow:
        found = uow.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
        uow.session.expunge_all()
        return found


def test_e2_issued_coupon_texts_its_holder_once_even_when_delivered_twice(db, routes, sms_server, batches):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone, customer_id=ref("c"))
    sent_before = counted("coupon_issued", SENT)
    # the broker delivers the event, then delivers it again
    routes[("coupons", "coupon_issued")](evt)
    routes[("coupons", "coupon_issued")](evt)
    assert handled(db, evt) and row(db, evt).status == SMS_QUEUED
    assert sms_server.messages(phone=phone) == []  # queued, not yet sent
    assert batches.drain() == 1
    (text,) = sms_server.messages(phone=phone)
    assert text["template_code"] == "coupon_issued"
    assert text["params"] == {"name": "满50减5", "code": evt.data["code"], "valid_until": "2026-12-31"}
    assert text["out_id"] == f"coupon_issued:{evt.data['coupon_id']}"  # a batch of one: SendSms
    assert row(db, evt).status == SMS_SENT and row(db, evt).provider_message_id == text["biz_id"]
    assert counted("coupon_issued", SENT) == sent_before + 1
    assert batches.drain() == 0


def test_e5_expiring_coupon_sends_the_reminder_text(db, routes, sms_server, batches):
    tenant, phone = ref("t"), mobile()
    coupon_id = ref("cp")
    issued = coupon_event(tenant, phone=phone, coupon_id=coupon_id)
    expiring = coupon_event(tenant, "coupon_expiring", phone=phone, coupon_id=coupon_id)
    routes[("coupons", "coupon_issued")](issued)
    routes[("coupons", "coupon_expiring")](expiring)
    routes[("coupons", "coupon_expiring")](expiring)
    batches.drain()
    texts = sms_server.messages(phone=phone)
    # the reminder is a text of its own, not a replay of the issue text of the same coupon
    assert [t["template_code"] for t in texts] == ["coupon_issued", "coupon_expiring"]
    assert texts[1]["params"]["code"] == expiring.data["code"]
    assert texts[1]["params"]["valid_until"] == "2026-12-31"


def test_e2_holder_phone_is_looked_up_from_customers_when_the_event_has_none(
    db, routes, sms_server, fake_customers, batches
):
    # a recharge gift names the customer only
    tenant, customer, phone = ref("t"), ref("c"), mobile()
    fake_customers.add_customer(tenant, customer, phone=phone)
    fake_customers.add_customer(ref("t"), customer, phone=mobile())  # same id, another tenant
    routes[("coupons", "coupon_issued")](coupon_event(tenant, customer_id=customer))
    batches.drain()
    assert [t["template_code"] for t in sms_server.messages(phone=phone)] == ["coupon_issued"]
    # asked as a service of the event's tenant
    assert fake_customers.calls == [(tenant, customer)]


@pytest.mark.parametrize("case", ["customer_without_phone", "unknown_customer", "no_holder_at_all", "foreign_number"])
def test_e2_holder_without_a_mobile_number_is_skipped_and_counted(
    db, sms_server, customers, fake_customers, batches, case
):
    tenant, customer = ref("t"), ref("c")
    if case == "customer_without_phone":
        fake_customers.add_customer(tenant, customer, phone="")
    evt = coupon_event(
        tenant,
        customer_id="" if case == "no_holder_at_all" else customer,
        phone="+85291234567" if case == "foreign_number" else "",
    )
    skipped_before, texts_before = counted("coupon_issued", NO_PHONE), len(sms_server.messages())
    assert on_coupon_event(db, evt, customers=customers) == NO_PHONE
    assert batches.drain() == 0 and len(sms_server.messages()) == texts_before
    # acknowledged for good: a redelivery neither texts nor asks customers again
    calls = len(fake_customers.calls)
    assert on_coupon_event(db, evt, customers=customers) == DUPLICATE
    assert len(fake_customers.calls) == calls
    assert counted("coupon_issued", NO_PHONE) == skipped_before + 1


def test_e2_provider_refusal_is_recorded_and_not_retried(db, sms_server, customers, batches):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone)
    rejected_before = counted("coupon_issued", "rejected")
    assert on_coupon_event(db, evt, customers=customers) == QUEUED
    sms_server.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")
    assert batches.drain() == 1
    found = row(db, evt)
    assert (found.status, found.error_code, found.tenant_id) == (SMS_FAILED, "isv.BUSINESS_LIMIT_CONTROL", tenant)
    assert on_coupon_event(db, evt, customers=customers) == DUPLICATE
    assert batches.drain() == 0
    assert sms_server.messages(phone=phone) == []
    assert counted("coupon_issued", "rejected") == rejected_before + 1


def test_e2_unavailable_provider_keeps_the_text_queued_until_it_is_back(db, sms_server, customers, sms_sender, batches):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, "coupon_expiring", phone=phone)
    assert on_coupon_event(db, evt, customers=customers) == QUEUED
    assert handled(db, evt)  # the event is done with: the queue keeps the text
    sms_server.fail_next("ServiceUnavailable", status=503)
    with pytest.raises(SmsUnavailable):
        send_queued(db, sms_sender)
    assert row(db, evt).status == SMS_QUEUED and sms_server.messages(phone=phone) == []
    assert batches.drain() == 1
    assert len(sms_server.messages(phone=phone)) == 1


def test_e2_customers_outage_fails_the_event_for_redelivery(db, sms_server, customers, fake_customers, batches):
    tenant, customer, phone = ref("t"), ref("c"), mobile()
    fake_customers.add_customer(tenant, customer, phone=phone)
    evt = coupon_event(tenant, customer_id=customer)
    fake_customers.down = True
    with pytest.raises(Unavailable):
        on_coupon_event(db, evt, customers=customers)
    assert not handled(db, evt)
    fake_customers.down = False
    assert on_coupon_event(db, evt, customers=customers) == QUEUED
    batches.drain()
    assert len(sms_server.messages(phone=phone)) == 1


def test_h3_concurrent_deliveries_text_the_holder_once(db, sms_server, customers, batches):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone)
    barrier = threading.Barrier(4)
    outcomes = []

    def deliver():
        barrier.wait()
        try:
            outcomes.append(on_coupon_event(db, evt, customers=customers))
        except Exception as exc:  # a delivery that met another one mid-claim is requeued
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the requeued ones come back later
    while not handled(db, evt):
        on_coupon_event(db, evt, customers=customers)
    batches.drain()
    assert len(sms_server.messages(phone=phone)) == 1
    assert outcomes.count(QUEUED) == 1


def test_e2_malformed_event_is_acknowledged_without_a_text(db, sms_server, customers, batches):
    tenant = ref("t")
    evt = Event(type="coupon_issued", source="coupons", tenant_id=tenant, data={"phone": mobile()})
    texts = len(sms_server.messages())
    assert on_coupon_event(db, evt, customers=customers) == "malformed"
    assert batches.drain() == 0 and len(sms_server.messages()) == texts


def test_p2_many_holders_are_texted_in_provider_batches_of_100(db, routes, sms_server, batches):
    tenant = ref("t")
    events = [coupon_event(tenant, phone=mobile()) for _ in range(150)]
    for evt in events:
        routes[("coupons", "coupon_issued")](evt)
    assert batches.drain() == 150
    texts = [t for evt in events for t in sms_server.messages(phone=evt.data["phone"])]
    assert len(texts) == 150
    # one provider request per batch: two BizIds for 100 + 50 texts
    assert sorted(Counter(t["biz_id"] for t in texts).values()) == [50, 100]
    for evt in events:
        (text,) = sms_server.messages(phone=evt.data["phone"])
        assert text["params"]["code"] == evt.data["code"]
        assert row(db, evt).provider_message_id == text["biz_id"]


def test_p2_a_batch_the_provider_refuses_is_sent_text_by_text_to_find_the_refused_one(db, routes, sms_server, batches):
    tenant = ref("t")
    events = [coupon_event(tenant, phone=mobile()) for _ in range(3)]
    for evt in events:
        routes[("coupons", "coupon_issued")](evt)
    sms_server.fail_next("isv.BUSINESS_LIMIT_CONTROL")  # the batch request
    sms_server.fail_next("isv.BUSINESS_LIMIT_CONTROL")  # the first text sent on its own
    assert batches.drain() == 3
    statuses = [row(db, evt).status for evt in events]
    assert statuses == [SMS_FAILED, SMS_SENT, SMS_SENT]
    assert [len(sms_server.messages(phone=evt.data["phone"])) for evt in events] == [0, 1, 1]


def test_e2_a_text_left_sending_by_a_dead_sender_is_taken_again_once_stale(db, routes, sms_server, batches):
    evt = coupon_event(ref("t"), phone=mobile())
    routes[("coupons", "coupon_issued")](evt)
    key = f"coupon_issued:{evt.data['coupon_id']}"
    with db.uow() as uow:  # a sender took it and died mid-request
        uow.session.execute(
            update(SmsMessage)
            .where(SmsMessage.idempotency_key == key)
            .values(status=SMS_SENDING, attempted_at=utcnow() - timedelta(seconds=5))
        )
        uow.commit()
    assert batches.drain() == 0  # not stale yet: it may still be on its way
    with db.uow() as uow:
        uow.session.execute(
            update(SmsMessage)
            .where(SmsMessage.idempotency_key == key)
            .values(attempted_at=utcnow() - timedelta(minutes=5))
        )
        uow.commit()
    assert batches.drain() == 1
    assert len(sms_server.messages(phone=evt.data["phone"])) == 1


def test_p2_two_senders_at_once_send_each_text_once(db, routes, sms_server, sms_sender, batches):
    events = [coupon_event(ref("t"), phone=mobile()) for _ in range(120)]
    for evt in events:
        routes[("coupons", "coupon_issued")](evt)
    senders = [SmsBatchSender(db, sms_sender, batch=10) for _ in range(2)]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(sms_server.messages(phone=evt.data["phone"])) for evt in events] == [1] * 120
