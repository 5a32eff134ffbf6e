"""G3 + H3 through a real `python -m printing.worker` process, a fresh RabbitMQ vhost and a fresh
PostgreSQL database: orders' storefront_order_paid, published twice, is printed once by the
server's dispatcher (running here, woken from the worker's process through PostgreSQL: its own
look comes only every 30 s) and accepted once through a stand-in of orders' StorefrontService on a
real gRPC server. This pytest process is never eventlet-patched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from printing_testkit import ISSUER, PUBLIC_KEY, fresh_database, paid_order, ref

from crm.orders.v1 import storefront_pb2, storefront_pb2_grpc
from crmkit import testing
from crmkit.auth import SERVICE, Actor, TokenVerifier, require_actor
from crmkit.db import utcnow
from crmkit.errors import Conflict, PermissionDenied
from crmkit.events import Event
from crmkit.grpc_server import ServiceRegistration, build_server
from crmkit.settings import Settings
from crmkit.testing import wait_for
from printing import server as printing_server
from printing.adapters.feieyun import FeieyunClient
from printing.adapters.network import NetworkPrinters
from printing.escpos_reader import read
from printing.fake_printer import PrinterListener
from printing.service.printers import PrinterFields, StoreSettings, create_printer, update_settings

QUEUE = "evt-orders-storefront_order_paid--printing.on_storefront_order_paid"


class FakeStorefront(storefront_pb2_grpc.StorefrontServiceServicer):
    """TakeAction as orders answers a service (the system party): a paid order is accepted once;
    asked again it is past `paid` (FAILED_PRECONDITION)."""

    def __init__(self):
        self.states: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def TakeAction(self, request, context):
        actor = require_actor()
        if not actor.is_service:
            raise PermissionDenied()
        with self._lock:
            self.calls.append((actor.tenant_id, request.id, request.action))
            key = (actor.tenant_id, request.id)
            if self.states.get(key, "paid") != "paid":
                raise Conflict("STOREFRONT_STATE_INVALID", params={"status": self.states[key]})
            self.states[key] = {"accept": "accepted", "confirm": "confirmed"}[request.action]
            return storefront_pb2.StorefrontOrder(id=request.id, state=self.states[key])


@pytest.fixture
def orders():
    servicer = FakeStorefront()
    registration = ServiceRegistration(
        storefront_pb2_grpc.add_StorefrontServiceServicer_to_server, servicer, "crm.orders.v1.StorefrontService"
    )
    server, port, _ = build_server(
        "orders", [registration], verifier=TokenVerifier(PUBLIC_KEY), port=0, host="127.0.0.1"
    )
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


def consumers(vhost):
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages", "consumers", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    return next(
        ((int(p[1]), int(p[2])) for p in (line.split() for line in out.splitlines()) if p and p[0] == QUEUE), None
    )


@pytest.fixture
def env(tmp_path, orders):
    _, orders_addr = orders
    db_url = fresh_database()
    vhost, amqp_url = testing.create_vhost("printing_worker")
    # The server's side: its dispatcher, whose own look comes every 30 s.
    runtime = printing_server.build(
        Settings(service="printing", database_url=db_url),
        network=NetworkPrinters(connect_timeout=1.0, write_timeout=2.0),
        any_port=True,
        dispatch_interval=30.0,
    )
    runtime.start_background()
    log_path = tmp_path / "worker.log"
    proc_env = {
        **os.environ,
        "AMQP_URL": amqp_url,
        "DATABASE_URL": db_url,
        "ORDERS_ADDR": orders_addr,
        "SERVICE_TOKEN": ISSUER.service_token("printing"),
        "LOG_LEVEL": "INFO",
    }
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "printing.worker"], env=proc_env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield runtime.db, vhost, amqp_url, proc, lambda: log_path.read_text()[-4000:]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "ignored SIGTERM"
        runtime.stop_background()
        runtime.close()
        testing.delete_vhost(vhost)
        testing.drop_database(db_url)
    assert code == 0, log_path.read_text()[-4000:]


def test_g3_worker_prints_a_paid_order_once_and_accepts_it_once(env, orders):
    db, vhost, amqp_url, proc, log = env
    fake_orders, _ = orders
    tenant, store = ref("t"), ref("store")
    counter = PrinterListener().start()
    try:
        actor = Actor(kind=SERVICE, subject_id="test", tenant_id=tenant)
        printer = PrinterFields(
            store_id=store,
            name="前台",
            kind="network",
            role="counter",
            paper_mm=58,
            host="127.0.0.1",
            port=counter.port,
        )
        create_printer(db, actor, printer, feieyun=FeieyunClient("", "", ""), any_port=True, now=utcnow())
        update_settings(db, actor, StoreSettings(store, auto_print=True, auto_accept=True), now=utcnow())
        wait_for(lambda: (consumers(vhost) or (0, 0))[1] >= 1, timeout=30, what="the worker to consume", log=log)

        order = paid_order(store, kind="in_store", address="")
        evt = Event(type="storefront_order_paid", source="orders", tenant_id=tenant, data={"order": order})
        testing.publish_event(amqp_url, evt)
        testing.publish_event(amqp_url, evt)  # redelivered

        # Well before the dispatcher's own look (30 s): the worker's commit woke it.
        wait_for(lambda: counter.jobs(), timeout=10, what="the receipt", log=log)
        wait_for(lambda: consumers(vhost) == (0, 1), timeout=20, what="both copies handled", log=log)
        time.sleep(1)  # room for a (wrong) second receipt
        [receipt] = [read(data) for data in counter.jobs()]
        assert "到店订单" in receipt.text and "SF20260308-0001" in receipt.text and receipt.qr == ["88421937"]
        assert fake_orders.states == {(tenant, order["order_id"]): "confirmed"}
        assert {call[2] for call in fake_orders.calls} == {"confirm"}
        assert proc.poll() is None, log()
    finally:
        counter.stop()
