"""C4 + H3 through a real `python -m customers.worker` process, a fresh RabbitMQ vhost and a
fresh PostgreSQL database: an order_approved envelope published twice is one purchase in the
read model and moves the customer's last purchase. This pytest process is never eventlet-patched."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crmkit import testing
from crmkit.db import Database
from crmkit.events import Event
from crmkit.testing import wait_for
from customers import migrate
from customers.models import (
    CustomerCouponRow,
    CustomerRow,
    Outbox,
    ProcessedEvent,
    PurchaseDayRow,
    PurchaseLineRow,
)

QUEUE = "evt-orders-order_approved--customers.on_order_approved"


def consumers(vhost, queue=QUEUE):
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    return next((int(p[1]) for p in (line.split() for line in out.splitlines()) if p and p[0] == queue), 0)


@pytest.fixture
def env(tmp_path):
    db_url = testing.create_database("customers_worker")
    migrate.upgrade(migrate.MIGRATIONS, db_url)
    vhost, amqp_url = testing.create_vhost("customers_worker")
    log_path = tmp_path / "worker.log"
    proc_env = {**os.environ, "AMQP_URL": amqp_url, "DATABASE_URL": db_url, "LOG_LEVEL": "INFO"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "customers.worker"], env=proc_env, stdout=log, stderr=subprocess.STDOUT
        )
    db = Database(db_url, service="customers", outbox=Outbox, processed=ProcessedEvent, pool_size=1)
    try:
        yield db, vhost, amqp_url, proc, lambda: log_path.read_text()[-4000:]
    finally:
        db.dispose()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "ignored SIGTERM"
        testing.delete_vhost(vhost)
        testing.drop_database(db_url)
    assert code == 0, log_path.read_text()[-4000:]


def test_c4_worker_records_an_order_approved_once_even_when_published_twice(env):
    db, vhost, amqp_url, proc, log = env
    tenant, approved_at = f"t-{uuid.uuid4().hex[:8]}", datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    with db.uow() as uow:
        customer = CustomerRow(tenant_id=tenant, name="万家", phone="13800000000", registered_by_staff_id="s-1")
        uow.session.add(customer)
        uow.commit()
        customer_id = customer.id
    wait_for(lambda: consumers(vhost) >= 1, timeout=30, what="the worker to consume", log=log)
    data = {
        "order_id": "o-1",
        "customer_id": customer_id,
        "total_fen": 4800,
        "approved_at": approved_at.isoformat(),
        "lines": [{"product_id": "p-1", "brand": "伊利", "quantity": 2, "amount_fen": 4800, "category_id": ""}],
    }
    evt = Event(type="order_approved", source="orders", tenant_id=tenant, data=data)
    testing.publish_event(amqp_url, evt)
    testing.publish_event(amqp_url, evt)

    def days():
        with db.uow() as uow:
            return uow.session.execute(
                select(PurchaseDayRow.order_count, PurchaseDayRow.amount_fen).where(PurchaseDayRow.tenant_id == tenant)
            ).all()

    wait_for(lambda: days() == [(1, 4800)], timeout=30, what="the purchase to be recorded", log=log)
    time.sleep(2)  # room for a (wrong) second count from the redelivery
    assert days() == [(1, 4800)]
    with db.uow() as uow:
        assert uow.session.scalar(select(CustomerRow.last_order_at).where(CustomerRow.id == customer_id)) == approved_at
        assert uow.session.scalar(select(PurchaseLineRow.brand).where(PurchaseLineRow.tenant_id == tenant)) == "伊利"
    assert proc.poll() is None, log()


def test_c4_worker_records_coupon_events_once_and_in_any_order(env):
    """The coupons service's events: a redemption delivered before its issue (and twice) ends as
    one redeemed coupon of the customer."""
    db, vhost, amqp_url, proc, log = env
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    redeemed_at = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    queues = [f"evt-coupons-{t}--customers.on_{t}" for t in ("coupon_issued", "coupon_redeemed")]
    wait_for(lambda: all(consumers(vhost, q) >= 1 for q in queues), timeout=30, what="the worker to consume", log=log)
    coupon = {"coupon_id": "cp-1", "code": "ABCD1234", "template_id": "tpl-1", "customer_id": "c-1"}
    redeemed = Event(
        type="coupon_redeemed",
        source="coupons",
        tenant_id=tenant,
        data={**coupon, "order_id": "o-1", "store_id": "st-1", "discount_fen": 500},
        occurred_at=redeemed_at,
    )
    issued = Event(
        type="coupon_issued",
        source="coupons",
        tenant_id=tenant,
        data={
            **coupon,
            "template_name": "券",
            "phone": "",
            "channel": "send",
            "valid_until": "2026-12-01T00:00:00+00:00",
        },
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    for evt in (redeemed, redeemed, issued):
        testing.publish_event(amqp_url, evt)

    def rows():
        k = CustomerCouponRow
        with db.uow() as uow:
            return uow.session.execute(
                select(k.customer_id, k.redeemed_at, k.valid_until).where(k.tenant_id == tenant)
            ).all()

    expected = [("c-1", redeemed_at, datetime(2026, 12, 1, tzinfo=UTC))]
    wait_for(lambda: rows() == expected, timeout=30, what="the coupon to be recorded", log=log)
    assert proc.poll() is None, log()
