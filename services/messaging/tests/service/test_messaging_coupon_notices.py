"""E2 E5 + H3: coupons' coupon_issued / coupon_expiring events text the holder once, through the
subscriptions the worker and the embedded launcher use, the SMS use case and the fake Aliyun
server on PostgreSQL."""

import random
import threading

import pytest
from messaging_testkit import ref
from prometheus_client import REGISTRY
from sqlalchemy import select

from crmkit.errors import Unavailable
from crmkit.events import Event
from messaging.handlers import DUPLICATE, NO_PHONE, REJECTED, SENT, on_coupon_event
from messaging.models import SMS_FAILED, ProcessedEvent, SmsMessage
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
def routes(db, sms_sender, customers, alerts):
    return subscriptions(db, identity_client=None, sms_sender=sms_sender, customers_client=customers, alerts=alerts)


def test_e2_issued_coupon_texts_its_holder_once_even_when_delivered_twice(db, routes, sms_server):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone, customer_id=ref("c"))
    sent_before = counted("coupon_issued", SENT)
    # the broker delivers the event, then delivers it again
    routes[("coupons", "coupon_issued")](evt)
    routes[("coupons", "coupon_issued")](evt)
    (text,) = sms_server.messages(phone=phone)
    assert text["template_code"] == "coupon_issued"
    assert text["params"] == {"name": "满50减5", "code": evt.data["code"], "valid_until": "2026-12-31"}
    assert text["out_id"] == f"coupon_issued:{evt.data['coupon_id']}"
    assert handled(db, evt)
    assert counted("coupon_issued", SENT) == sent_before + 1


def test_e5_expiring_coupon_sends_the_reminder_text(db, routes, sms_server):
    tenant, phone = ref("t"), mobile()
    coupon_id = ref("cp")
    issued = coupon_event(tenant, phone=phone, coupon_id=coupon_id)
    expiring = coupon_event(tenant, "coupon_expiring", phone=phone, coupon_id=coupon_id)
    routes[("coupons", "coupon_issued")](issued)
    routes[("coupons", "coupon_expiring")](expiring)
    routes[("coupons", "coupon_expiring")](expiring)
    texts = sms_server.messages(phone=phone)
    # the reminder is a text of its own, not a replay of the issue text of the same coupon
    assert [t["template_code"] for t in texts] == ["coupon_issued", "coupon_expiring"]
    assert texts[1]["params"]["code"] == expiring.data["code"]
    assert texts[1]["params"]["valid_until"] == "2026-12-31"


def test_e2_holder_phone_is_looked_up_from_customers_when_the_event_has_none(db, routes, sms_server, fake_customers):
    # a recharge gift names the customer only
    tenant, customer, phone = ref("t"), ref("c"), mobile()
    fake_customers.add_customer(tenant, customer, phone=phone)
    fake_customers.add_customer(ref("t"), customer, phone=mobile())  # same id, another tenant
    routes[("coupons", "coupon_issued")](coupon_event(tenant, customer_id=customer))
    assert [t["template_code"] for t in sms_server.messages(phone=phone)] == ["coupon_issued"]
    # asked as a service of the event's tenant
    assert fake_customers.calls == [(tenant, customer)]


@pytest.mark.parametrize("case", ["customer_without_phone", "unknown_customer", "no_holder_at_all", "foreign_number"])
def test_e2_holder_without_a_mobile_number_is_skipped_and_counted(
    db, sms_server, sms_sender, customers, fake_customers, case
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
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == NO_PHONE
    assert len(sms_server.messages()) == texts_before
    # acknowledged for good: a redelivery neither texts nor asks customers again
    calls = len(fake_customers.calls)
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == DUPLICATE
    assert len(fake_customers.calls) == calls
    assert counted("coupon_issued", NO_PHONE) == skipped_before + 1


def test_e2_provider_refusal_is_recorded_and_acknowledged_not_retried(db, sms_server, sms_sender, customers):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone)
    sms_server.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")
    rejected_before = counted("coupon_issued", REJECTED)
    # no exception: the event is acknowledged (nameko would otherwise requeue it forever)
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == REJECTED
    assert handled(db, evt)
    with db.uow() as uow:
        row = uow.session.scalar(
            select(SmsMessage).where(SmsMessage.idempotency_key == f"coupon_issued:{evt.data['coupon_id']}")
        )
        assert (row.status, row.error_code, row.tenant_id) == (SMS_FAILED, "isv.BUSINESS_LIMIT_CONTROL", tenant)
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == DUPLICATE
    assert sms_server.messages(phone=phone) == []
    assert counted("coupon_issued", REJECTED) == rejected_before + 1


def test_e2_unavailable_provider_fails_the_event_for_redelivery_which_then_texts(db, sms_server, sms_sender, customers):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, "coupon_expiring", phone=phone)
    sms_server.fail_next("ServiceUnavailable", status=503)
    with pytest.raises(Unavailable):
        on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers)
    assert not handled(db, evt)
    assert sms_server.messages(phone=phone) == []
    # the broker redelivers it once the provider is back
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == SENT
    assert len(sms_server.messages(phone=phone)) == 1


def test_e2_customers_outage_fails_the_event_for_redelivery(db, sms_server, sms_sender, customers, fake_customers):
    tenant, customer, phone = ref("t"), ref("c"), mobile()
    fake_customers.add_customer(tenant, customer, phone=phone)
    evt = coupon_event(tenant, customer_id=customer)
    fake_customers.down = True
    with pytest.raises(Unavailable):
        on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers)
    assert not handled(db, evt)
    fake_customers.down = False
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == SENT
    assert len(sms_server.messages(phone=phone)) == 1


def test_h3_concurrent_deliveries_text_the_holder_once(db, sms_server, sms_sender, customers):
    tenant, phone = ref("t"), mobile()
    evt = coupon_event(tenant, phone=phone)
    barrier = threading.Barrier(4)
    outcomes = []

    def deliver():
        barrier.wait()
        try:
            outcomes.append(on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers))
        except Exception as exc:  # a delivery that met another one mid-send is requeued
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the requeued ones come back later
    while not handled(db, evt):
        on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers)
    assert len(sms_server.messages(phone=phone)) == 1
    assert outcomes.count(SENT) == 1


def test_e2_malformed_event_is_acknowledged_without_a_text(db, sms_server, sms_sender, customers):
    tenant = ref("t")
    evt = Event(type="coupon_issued", source="coupons", tenant_id=tenant, data={"phone": mobile()})
    texts = len(sms_server.messages())
    assert on_coupon_event(db, evt, sms_sender=sms_sender, customers=customers) == "malformed"
    assert len(sms_server.messages()) == texts
