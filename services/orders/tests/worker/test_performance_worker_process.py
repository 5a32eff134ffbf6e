"""B9 + H3 through a real `python -m orders.worker` process, a fresh RabbitMQ vhost, a fresh
PostgreSQL database and the real Redis: an order_approved envelope published twice moves the
month's ranking once. This pytest process is never eventlet-patched."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
import redis

from crmkit import testing
from crmkit.db import Database
from crmkit.events import Event
from crmkit.redis_client import Keys
from crmkit.testing import wait_for
from orders import migrate
from orders.domain.performance import month_of
from orders.models import Outbox, ProcessedEvent
from orders.models_performance import SalesFactRow

QUEUE = "evt-orders-order_approved--orders.on_order_approved"


def consumers(vhost):
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    return next((int(p[1]) for p in (line.split() for line in out.splitlines()) if p and p[0] == QUEUE), 0)


@pytest.fixture
def env(tmp_path):
    db_url = testing.create_database("orders_worker")
    migrate.upgrade(migrate.MIGRATIONS, db_url)
    vhost, amqp_url = testing.create_vhost("orders_worker")
    prefix = f"test-ow-{uuid.uuid4().hex[:8]}:"
    rds = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    log_path = tmp_path / "worker.log"
    proc_env = {
        **os.environ,
        "AMQP_URL": amqp_url,
        "DATABASE_URL": db_url,
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": prefix,
        "LOG_LEVEL": "INFO",
    }
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orders.worker"], env=proc_env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield db_url, vhost, amqp_url, rds, Keys(prefix, "orders"), proc, lambda: log_path.read_text()[-4000:]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "ignored SIGTERM"
        testing.delete_vhost(vhost)
        testing.delete_redis_prefix(rds, prefix)
        rds.close()
        testing.drop_database(db_url)
    assert code == 0, log_path.read_text()[-4000:]


def test_b9_worker_counts_an_order_approved_once_even_when_published_twice(env):
    db_url, vhost, amqp_url, rds, keys, proc, log = env
    tenant, now = f"t-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    month = month_of(now)
    # The approval's fact is in the database (as approve_order writes it) before its event.
    db = Database(db_url, service="orders", outbox=Outbox, processed=ProcessedEvent, pool_size=1)
    with db.uow() as uow:
        uow.session.add(
            SalesFactRow(
                tenant_id=tenant,
                kind="order",
                document_id="o-1",
                number="XS1",
                salesperson_id="s-ann",
                store_id="store-1",
                amount_fen=1500,
                approved_at=now,
                month=month,
            )
        )
        uow.commit()
    # The set exists already (a reader built it) without the second order approved after it.
    board = keys("ranking", tenant, month)
    rds.sadd(keys("ranking-docs", tenant, month), "-", "order:o-1")
    rds.zadd(board, {"s-ann": 1500})

    wait_for(lambda: consumers(vhost) >= 1, timeout=30, what="the worker to consume", log=log)
    data = {
        "order_id": "o-2",
        "number": "XS2",
        "salesperson_id": "s-ann",
        "store_id": "store-1",
        "total_fen": 700,
        "approved_at": now.isoformat(),
    }
    evt = Event(type="order_approved", source="orders", tenant_id=tenant, data=data)
    testing.publish_event(amqp_url, evt)
    testing.publish_event(amqp_url, evt)
    wait_for(lambda: rds.zscore(board, "s-ann") == 2200, timeout=30, what="the ranking to move", log=log)
    time.sleep(2)  # room for a (wrong) second increment from the redelivery
    assert rds.zscore(board, "s-ann") == 2200
    assert proc.poll() is None, log()
    db.dispose()
