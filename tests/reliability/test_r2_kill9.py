"""R2: a process killed with SIGKILL in the middle of a stream of orders, clients retrying with
their Idempotency-Keys: no order lost, doubled or half-written, every approval's events handled
once, and an answered create answered the same after the restart. In each mode: the embedded
platform (`make run`) killed whole and started again on its files, and in a cluster the orders
server and the coupons worker killed and started again."""

from __future__ import annotations

import threading
import uuid

from shop import (
    LIMITS,
    check_every_approval_handled_once,
    check_nothing_lost_doubled_or_half_written,
    open_shop,
    place_and_approve,
)

from launcher.process import LauncherProcess

ORDERS = 120


def _keys(prefix: str) -> list[str]:
    return [f"{prefix}-{uuid.uuid4().hex[:8]}-{i}" for i in range(ORDERS)]


def _kill_when(count: int, kill) -> tuple:
    """An on_each callback that runs `kill` once, when the count-th order is approved."""
    fired = threading.Event()

    def on_each(n: int) -> None:
        if n == count and not fired.is_set():
            fired.set()
            kill()

    return on_each, fired


def test_r2_the_embedded_platform_killed_mid_stream_loses_and_doubles_nothing(tmp_path):
    embedded = LauncherProcess(tmp_path / "var", env=LIMITS).start()
    try:
        shop = open_shop(embedded.base_url, embedded.sms_server)
        template = {"name": "重启券", "kind": "cash", "value_fen": 500, "valid_days": 30}
        first = shop.owner.call("POST", "/api/v1/coupon-templates", json=template, key="template-before-kill")
        assert first.status_code == 201, first.text

        def restart():
            embedded.kill9()
            embedded.start()

        on_each, fired = _kill_when(ORDERS // 3, restart)
        keys = _keys("embedded")
        place_and_approve(shop, keys, on_each=on_each)
        assert fired.is_set() and shop.sales.retries + shop.owner.retries > 0  # clients crossed the outage

        orders = check_nothing_lost_doubled_or_half_written(shop, keys)
        check_every_approval_handled_once(shop, orders)
        # Issue 11.3: the gateway's idempotency keys outlived the process.
        again = shop.owner.call("POST", "/api/v1/coupon-templates", json=template, key="template-before-kill")
        assert again.status_code == 201 and again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
    finally:
        embedded.stop()


def test_r2_a_cluster_whose_orders_server_and_coupons_worker_are_killed_loses_and_doubles_nothing(platform):
    shop = open_shop(platform.gateway_url, platform.sms_server)

    def kill_and_restart():
        for name in ("orders", "coupons-worker"):
            proc = platform.procs[name]
            proc.popen.kill()
            proc.popen.wait(10)
            proc.log.close()
            proc.start()

    on_each, fired = _kill_when(ORDERS // 3, kill_and_restart)
    keys = _keys("cluster")
    place_and_approve(shop, keys, on_each=on_each)
    assert fired.is_set() and shop.sales.retries + shop.owner.retries > 0  # clients crossed the outage
    orders = check_nothing_lost_doubled_or_half_written(shop, keys)
    check_every_approval_handled_once(shop, orders)
