"""C3 in embedded mode: the launcher runs the pool job in a background thread (the cluster's
CronJob), on the same use case, until the platform stops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from crmkit.auth import Actor
from crmkit.settings import Settings
from customers import migrate, server, service
from customers.domain.pool import CustomerSettings
from customers.domain.registration import RegisterCustomer
from customers.service.customer_settings import update_customer_settings
from launcher.main import Platform


def test_c3_embedded_platform_sweeps_the_pool_periodically(tmp_path):
    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="customers", database_url=url))
    owner = Actor(kind="staff", subject_id="o-1", tenant_id="t1", roles=frozenset({"owner"}), store_ids=("st",))
    seller = Actor(kind="staff", subject_id="s-1", tenant_id="t1", roles=frozenset({"salesperson"}), store_ids=("st",))
    long_ago = datetime.now(UTC) - timedelta(days=40)
    update_customer_settings(runtime.db.uow(), owner, CustomerSettings(pool_followup_days=30), now=long_ago)
    cmd = RegisterCustomer(name="Idle", phone="13800138000", fields={})
    idle = service.register_customer(runtime.db.uow(), seller, cmd, now=long_ago)
    # Only what the sweeper uses: the customers runtime and the stop signal.
    platform = Platform.__new__(Platform)
    platform.runtimes = {"customers": runtime}
    platform.stopping = threading.Event()
    try:
        platform.start_pool_sweeper(interval=0.05)
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
