"""F4 + H3 through a real `python -m messaging.worker` process and a real broker."""

import os
import subprocess

import pytest
from messaging_testkit import ref
from sqlalchemy import func, select

from crmkit.events import Event
from crmkit.testing import wait_for
from messaging.db import database
from messaging.models import Notification
from messaging.sms.aliyun import sender_from_env
from messaging.sms_batch_sender import SmsBatchSender

pytestmark = pytest.mark.worker


def registered(tenant, store, owner):
    data = {"customer_id": ref("c"), "name": "王芳", "owner_staff_id": owner, "store_id": store}
    return Event(type="customer_registered", source="customers", tenant_id=tenant, data=data)


@pytest.fixture
def db(worker_db_url):
    handle = database(worker_db_url, pool_size=2)
    yield handle
    handle.dispose()


def recipients(db, event_id):
    with db.uow() as uow:
        return sorted(
            uow.session.scalars(select(Notification.recipient_staff_id).where(Notification.source_event_id == event_id))
        )


def total_notifications(db):
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Notification))


def wait_until_consuming(broker, worker):
    wait_for(
        lambda: (state := broker.queue_state()) is not None and state[1] >= 1,
        timeout=30,
        what="the worker to consume its queue",
        log=worker.log,
    )


def wait_until_drained(broker, worker):
    wait_for(lambda: broker.queue_state() == (0, 1), timeout=20, what="the queue to drain", log=worker.log)


def test_f4_worker_notifies_staff_of_a_registered_customer(broker, worker, db, fake_identity):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    wait_until_consuming(broker, worker)
    evt = registered(tenant, store, "s1")
    broker.publish(evt)
    assert wait_for(
        lambda: recipients(db, evt.event_id) == ["m1", "s1"], timeout=20, what="notifications", log=worker.log
    )


def test_f4_redelivered_customer_registered_notifies_once(broker, worker, db, fake_identity):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    wait_until_consuming(broker, worker)
    evt = registered(tenant, store, "s1")
    broker.publish(evt)
    broker.publish(evt)
    # both copies were taken and acknowledged; only then count
    wait_for(lambda: len(recipients(db, evt.event_id)) == 2, timeout=20, what="notifications", log=worker.log)
    wait_until_drained(broker, worker)
    assert recipients(db, evt.event_id) == ["m1", "s1"]
    assert total_notifications(db) == 2


def test_h3_restarted_worker_handles_events_published_while_it_was_down(broker, worker, db, fake_identity):
    wait_until_consuming(broker, worker)
    # SIGTERM must stop it promptly (a hung eventlet process would be killed by Kubernetes late)
    assert worker.stop() == 0
    evt = registered(ref("t"), "", "s1")
    broker.publish(evt)  # the durable queue keeps it
    worker.start()
    assert wait_for(lambda: recipients(db, evt.event_id) == ["s1"], timeout=30, what="notification", log=worker.log)


def test_h3_worker_reconnects_when_the_broker_drops_its_connections(broker, worker, db, fake_identity):
    wait_until_consuming(broker, worker)
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "--vhost", broker.vhost, "test: connection drop"],
        check=True,
        capture_output=True,
    )
    evt = registered(ref("t"), "", "s1")
    broker.publish(evt)
    assert wait_for(lambda: recipients(db, evt.event_id) == ["s1"], timeout=30, what="notification", log=worker.log)


@pytest.mark.skipif(
    os.environ.get("MESSAGING_TEST_BROKER_RESTART") != "1",
    reason="stops the shared RabbitMQ node for every vhost; set MESSAGING_TEST_BROKER_RESTART=1 to run",
)
def test_h3_worker_resumes_after_broker_restart(broker, worker, db, fake_identity):
    wait_until_consuming(broker, worker)
    try:
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=60)
    wait_until_consuming(broker, worker)
    evt = registered(ref("t"), "", "s1")
    broker.publish(evt)
    assert wait_for(lambda: recipients(db, evt.event_id) == ["s1"], timeout=30, what="notification", log=worker.log)


def coupon_event(tenant, kind, *, phone="", customer_id=""):
    data = {
        "coupon_id": ref("cp"),
        "code": "123456789012",
        "template_id": ref("tpl"),
        "template_name": "满50减5",
        "customer_id": customer_id,
        "phone": phone,
        "valid_until": "2026-12-30T17:00:00+00:00",
    }
    return Event(type=kind, source="coupons", tenant_id=tenant, data=data)


def test_e2_e5_worker_texts_coupon_holders_once(broker, worker, db, sms_server, fake_customers, request):
    # the customers lookup runs from the worker's handler threads; the worker queues the texts
    # and the messaging server's batch sender (run here beside it) sends them (ADR 0021)
    tenant, customer = ref("t"), ref("c")
    phone, looked_up = "13912340001", "13912340002"
    sms_server.clear()
    fake_customers.add_customer(tenant, customer, phone=looked_up)
    batches = SmsBatchSender(db, sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": sms_server.url}))
    batches.start()
    request.addfinalizer(batches.stop)
    wait_until_consuming(broker, worker)
    issued = coupon_event(tenant, "coupon_issued", phone=phone)
    broker.publish(issued)
    broker.publish(issued)  # redelivered
    broker.publish(coupon_event(tenant, "coupon_expiring", customer_id=customer))
    assert wait_for(
        lambda: len(sms_server.messages(phone=looked_up)) == 1, timeout=20, what="reminder text", log=worker.log
    )
    assert wait_for(lambda: len(sms_server.messages(phone=phone)) == 1, timeout=20, what="issue text", log=worker.log)
    # both copies of the issue event were taken and acknowledged; only then count
    wait_for(
        lambda: broker.queue_state("evt-coupons-coupon_issued--messaging.on_coupon_issued") == (0, 1),
        timeout=20,
        what="the coupon_issued queue to drain",
        log=worker.log,
    )
    assert [m["template_code"] for m in sms_server.messages(phone=phone)] == ["coupon_issued"]
    assert [m["template_code"] for m in sms_server.messages(phone=looked_up)] == ["coupon_expiring"]
    assert sms_server.messages(phone=phone)[0]["params"]["valid_until"] == "2026-12-31"


def test_d2_worker_alerts_the_sharer_once_when_the_article_opened_event_comes_twice(broker, worker, db, alerts):
    # The worker's queues exist once it consumes: wait on the first one, then publish the event
    # marketing publishes when a reader opens a shared link, twice (a redelivery).
    wait_until_consuming(broker, worker)
    tenant = ref("t")
    data = {"article_id": "a1", "title": "春季订货会邀请", "sharer_staff_id": "s1", "depth": 0, "nickname": ""}
    data |= {"share_id": "sh1", "visitor_id": "v1", "first_visit": True, "view_id": "w1", "method": "link"}
    evt = Event(type="article_opened", source="marketing", tenant_id=tenant, data=data)
    broker.publish(evt)
    broker.publish(evt)
    wait_for(lambda: alerts.after(tenant, "s1", "0-0"), timeout=20, what="the alert", log=worker.log)
    queue = "evt-marketing-article_opened--messaging.on_article_opened"
    wait_for(lambda: broker.queue_state(queue) == (0, 1), timeout=20, what="both copies handled", log=worker.log)
    assert recipients(db, evt.event_id) == ["s1"]
    [alert] = alerts.after(tenant, "s1", "0-0")
    assert (alert.kind, alert.title_key) == ("article_opened", "notification.article_opened_new_visitor")
