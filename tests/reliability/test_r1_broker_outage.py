"""R1: RabbitMQ stopped and started in the middle of a stream of 1,000 orders (each approved):
the orders keep being taken (their events wait in the outbox), and once the broker is back
every approval's events are handled exactly once by the workers (one points entry per order,
the ranking counts each order once)."""

from __future__ import annotations

import subprocess
import threading
import uuid

from shop import (
    check_every_approval_handled_once,
    check_nothing_lost_doubled_or_half_written,
    open_shop,
    place_and_approve,
)

ORDERS = 1_000
OUTAGE_SECONDS = 5


def _rabbit(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


def test_r1_a_broker_outage_during_1000_orders_delays_events_and_handles_each_once(platform):
    shop = open_shop(platform.gateway_url, platform.sms_server, customers=20)
    outage_over = threading.Event()

    def outage() -> None:
        _rabbit("stop_app")
        try:
            outage_over.wait(OUTAGE_SECONDS)
        finally:
            _rabbit("start_app")
            outage_over.set()

    started = threading.Event()

    def on_each(n: int) -> None:
        if n == ORDERS // 5 and not started.is_set():
            started.set()
            threading.Thread(target=outage, daemon=True).start()

    keys = [f"r1-{uuid.uuid4().hex[:8]}-{i}" for i in range(ORDERS)]
    try:
        place_and_approve(shop, keys, threads=8, on_each=on_each)
    finally:
        outage_over.wait(120)  # never leave the broker stopped for the tests after
    assert started.is_set()
    orders = check_nothing_lost_doubled_or_half_written(shop, keys)
    check_every_approval_handled_once(shop, orders, timeout=180)
