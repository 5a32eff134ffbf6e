"""C3 in embedded mode: the launcher runs the scheduled jobs (the cluster's CronJobs) in a
background thread, on the same use cases, until the platform stops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import coupons.migrate
import coupons.server
from crmkit.auth import Actor
from crmkit.redis_client import make_redis
from crmkit.settings import Settings
from customers import migrate, server, service
from customers.domain.pool import CustomerSettings
from customers.domain.registration import RegisterCustomer
from customers.service.customer_settings import update_customer_settings
from launcher.main import Platform


def test_c3_embedded_platform_runs_the_scheduled_jobs_periodically(tmp_path):
    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="customers", database_url=url))
    coupons_url = f"sqlite:///{tmp_path}/coupons.db"
    coupons.migrate.upgrade(coupons.migrate.MIGRATIONS, coupons_url)
    # The coupons jobs run in the same thread; with nothing due they change nothing here.
    coupons_runtime = coupons.server.build(
        Settings(service="coupons", database_url=coupons_url, peers={"customers": "127.0.0.1:1"})
    )
    owner = Actor(kind="staff", subject_id="o-1", tenant_id="t1", roles=frozenset({"owner"}), store_ids=("st",))
    seller = Actor(kind="staff", subject_id="s-1", tenant_id="t1", roles=frozenset({"salesperson"}), store_ids=("st",))
    long_ago = datetime.now(UTC) - timedelta(days=40)
    update_customer_settings(runtime.db.uow(), owner, CustomerSettings(pool_followup_days=30), now=long_ago)
    cmd = RegisterCustomer(name="Idle", phone="13800138000", fields={})
    idle = service.register_customer(runtime.db.uow(), seller, cmd, now=long_ago)
    # Only what the sweeper uses: the customers runtime and the stop signal.
    platform = Platform.__new__(Platform)
    platform.runtimes = {"customers": runtime, "coupons": coupons_runtime}
    platform.stopping = threading.Event()
    # Released recharge gifts draw on the coupons claim counters (the shared fake Redis here).
    platform.redis = make_redis(None)
    # The unplaced-orders sweep asks orders only when a coupon is due; none is here.
    platform.cfg = SimpleNamespace(redis_prefix=f"sweeper-{tmp_path.name}:", grpc_ports={"orders": 1})
    platform.service_token = "unused"
    try:
        platform.start_scheduled_jobs(interval=0.05)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if service.get_customer(runtime.db.uow(), owner, idle.id).owner_staff_id is None:
                break
            time.sleep(0.05)
        assert service.get_customer(runtime.db.uow(), owner, idle.id).owner_staff_id is None
    finally:
        platform.stopping.set()
        time.sleep(0.1)
        runtime.close()
        coupons_runtime.close()
