"""C10 + H3 through a real `python -m marketing.worker` process, a fresh RabbitMQ vhost and a
fresh PostgreSQL database: the customers service's lead_converted (published twice) and
customer_registered mark the readers who became customers, once. This pytest process is never
eventlet-patched."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from marketing_testkit import fresh_database
from sqlalchemy import select

from crmkit import testing
from crmkit.events import Event
from crmkit.testing import wait_for
from marketing.db import database
from marketing.models import VisitorRow

QUEUES = (
    "evt-customers-lead_converted--marketing.on_lead_converted",
    "evt-customers-customer_registered--marketing.on_customer_registered",
)


def consumers(vhost, queue):
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    return next((int(p[1]) for p in (line.split() for line in out.splitlines()) if p and p[0] == queue), 0)


@pytest.fixture
def env(tmp_path):
    db_url = fresh_database()
    vhost, amqp_url = testing.create_vhost("marketing_worker")
    log_path = tmp_path / "worker.log"
    proc_env = {**os.environ, "AMQP_URL": amqp_url, "DATABASE_URL": db_url, "LOG_LEVEL": "INFO"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "marketing.worker"], env=proc_env, stdout=log, stderr=subprocess.STDOUT
        )
    db = database(db_url, pool_size=1)
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


def visitor(db, tenant, key, *, phone="", unionid=""):
    with db.uow() as uow:
        row = VisitorRow(
            tenant_id=tenant,
            visitor_key=key,
            staff_id="s-1",
            first_share_id="sh-1",
            first_method="link",
            phone=phone,
            unionid=unionid,
            last_seen_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def test_c10_worker_marks_readers_who_became_customers_once(env):
    db, vhost, amqp_url, proc, log = env
    tenant, other = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    by_phone = visitor(db, tenant, "k-phone-0000000000001", phone="13900001111")
    by_union = visitor(db, tenant, "k-union-0000000000001", unionid="oUnion-1")
    registered = visitor(db, tenant, "k-regis-0000000000001", phone="13900002222")
    stranger = visitor(db, other, "k-other-0000000000001", phone="13900001111")
    wait_for(lambda: all(consumers(vhost, q) >= 1 for q in QUEUES), timeout=30, what="the worker to consume", log=log)

    at = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    data = {"lead_id": "l-1", "customer_id": "c-1", "staff_id": "s-1", "phone": "13900001111", "union_id": "oUnion-1"}
    converted = Event(type="lead_converted", source="customers", tenant_id=tenant, data=data, occurred_at=at)
    testing.publish_event(amqp_url, converted)
    testing.publish_event(amqp_url, converted)
    data = {"customer_id": "c-2", "name": "王老板", "phone": "13900002222", "owner_staff_id": "s-1"}
    testing.publish_event(amqp_url, Event(type="customer_registered", source="customers", tenant_id=tenant, data=data))

    def marked():
        with db.uow() as uow:
            rows = uow.session.execute(select(VisitorRow.id, VisitorRow.customer_id)).all()
            return dict(rows)

    expected = {by_phone: "c-1", by_union: "c-1", registered: "c-2", stranger: None}
    wait_for(lambda: marked() == expected, timeout=30, what="the readers to be marked", log=log)
    time.sleep(2)  # room for a (wrong) change from the redelivery
    assert marked() == expected
    with db.uow() as uow:
        assert uow.session.get(VisitorRow, by_union).became_customer_at == at
    assert proc.poll() is None, log()
