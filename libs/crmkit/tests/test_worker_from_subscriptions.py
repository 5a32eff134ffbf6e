"""Issue 12.3: a worker's nameko service is made from its subscriptions table, so an event is
named once (subscriptions.py); nameko finds one event handler per subscription, with the queue
names the hand-written workers had."""

from __future__ import annotations

import pytest

pytest.importorskip("nameko")

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.events import EventHandler  # noqa: E402

from crmkit import worker  # noqa: E402


def _handled(seen):
    def handle(event):
        seen.append((event.type, event.event_id))
        return event.type

    return handle


def test_i12_one_nameko_event_handler_per_subscription():
    seen = []
    handlers = {
        ("orders", "order_approved"): _handled(seen),
        ("orders", "return_approved"): _handled(seen),
        ("coupons", "coupon_issued"): _handled(seen),
    }
    container = ServiceContainer(worker.worker_class("ranking", handlers), {"AMQP_URI": "memory://"})

    found = {(e.source_service, e.event_type, e.method_name, e.requeue_on_error) for e in container.entrypoints}
    assert found == {
        ("orders", "order_approved", "on_order_approved", True),
        ("orders", "return_approved", "on_return_approved", True),
        ("coupons", "coupon_issued", "on_coupon_issued", True),
    }
    assert all(isinstance(e, EventHandler) for e in container.entrypoints)
    assert container.service_name == "ranking"


def test_i12_a_type_two_sources_share_gets_the_source_in_its_method_name():
    names = worker.entrypoint_names([("orders", "approved"), ("returns", "approved"), ("orders", "paid")])
    assert names == {
        ("orders", "approved"): "on_orders_approved",
        ("returns", "approved"): "on_returns_approved",
        ("orders", "paid"): "on_paid",
    }


def test_i12_each_entrypoint_runs_its_own_handler(monkeypatch):
    seen = []
    handlers = {("orders", "order_approved"): _handled(seen), ("orders", "return_approved"): _handled(seen)}
    monkeypatch.setattr(worker, "run_blocking", lambda fn: fn())
    service = worker.worker_class("ranking", handlers)()
    body = {"event_id": "e-1", "type": "return_approved", "source": "orders", "tenant_id": "t"}
    body["occurred_at"] = "2026-01-01T00:00:00+00:00"

    assert service.on_return_approved({**body, "data": {}}) == "return_approved"
    assert seen == [("return_approved", "e-1")]
