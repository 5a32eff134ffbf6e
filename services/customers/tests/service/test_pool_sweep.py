"""C3 pool job against PostgreSQL: idle customers go back to the pool after N (follow-up) or
M (order) days, locked ones stay, each deadline is warned once K days before; and the job runs
as its own process with --now."""

import json
import os
import subprocess
import sys
from datetime import timedelta

from customer_testkit import NOW, staff
from ownership_testkit import events, register
from sqlalchemy import update

from customers import service
from customers.domain.pool import CustomerSettings
from customers.models import CustomerRow
from customers.service import ownership
from customers.service.customer_settings import update_customer_settings
from customers.service.pool_sweep import sweep_pool, sweep_tenant


def rules(db, tenant, **kw):
    update_customer_settings(db.uow(), staff(tenant, "owner"), CustomerSettings(**kw), now=NOW)


def touch(db, customer_id, **values):
    """What follow-ups (C8) and the orders read model (C4) write."""
    with db.uow() as uow:
        uow.session.execute(update(CustomerRow).where(CustomerRow.id == customer_id).values(**values))
        uow.commit()


def owner_of(db, tenant, customer_id):
    return service.get_customer(db.uow(), staff(tenant, "owner"), customer_id).owner_staff_id


def test_c3_idle_customer_returns_after_n_days_and_is_warned_once_before(db, tenant):
    rules(db, tenant, pool_followup_days=30, pool_warning_days=3)
    seller = staff(tenant, "salesperson")
    idle = register(db, seller, 1)
    busy = register(db, seller, 2)
    locked = register(db, seller, 3)
    touch(db, busy.id, last_followup_at=NOW + timedelta(days=20))
    ownership.set_customer_locked(db.uow(), staff(tenant, "owner"), locked.id, True, now=NOW)

    # Day 26: nothing due yet.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=26)).warned == 0
    # Day 27: within 3 days of the deadline: one warning, also when the job runs again.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=27)).warned == 1
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=28)).warned == 0
    [warning] = events(db, tenant, "pool_return_warning")
    assert warning["data"]["customer_id"] == idle.id
    assert warning["data"]["owner_staff_id"] == seller.staff_id
    assert warning["data"]["due_at"] == (NOW + timedelta(days=30)).isoformat()

    # Day 30: the idle one returns; the followed-up and the locked ones stay.
    done = sweep_tenant(db.uow(), tenant, NOW + timedelta(days=30))
    assert done.returned == 1
    assert owner_of(db, tenant, idle.id) is None
    assert owner_of(db, tenant, busy.id) == seller.staff_id
    assert owner_of(db, tenant, locked.id) == seller.staff_id
    [returned] = events(db, tenant, "customer_returned_to_pool")
    assert returned["data"]["from_staff_id"] == seller.staff_id
    assert returned["data"]["reason"] == "no_followup"
    history = ownership.list_ownership_history(db.uow(), staff(tenant, "owner"), idle.id)
    assert [(h.action, h.by_staff_id, h.reason) for h in history][-1] == ("returned_to_pool", None, "no_followup")
    # Running again changes nothing.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=31)).returned == 0


def test_c3_no_order_rule_returns_customer_without_orders(db, tenant):
    rules(db, tenant, pool_order_days=10)
    seller = staff(tenant, "salesperson")
    buyer = register(db, seller, 1)
    idle = register(db, seller, 2)
    touch(db, buyer.id, last_order_at=NOW + timedelta(days=5))
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=11)).returned == 1
    assert owner_of(db, tenant, idle.id) is None
    assert owner_of(db, tenant, buyer.id) == seller.staff_id


def test_c3_sweep_covers_every_tenant_and_only_those_with_rules(db, tenant):
    other = tenant + "-b"
    no_rules = tenant + "-c"
    rules(db, tenant, pool_followup_days=5)
    rules(db, other, pool_followup_days=5)
    a = register(db, staff(tenant, "salesperson"), 1)
    b = register(db, staff(other, "salesperson"), 1)
    c = register(db, staff(no_rules, "salesperson"), 1)
    result = sweep_pool(db.uow(), NOW + timedelta(days=6))
    assert result.returned >= 2
    assert owner_of(db, tenant, a.id) is None
    assert owner_of(db, other, b.id) is None
    assert owner_of(db, no_rules, c.id) is not None


def test_c3_pool_sweep_job_runs_as_a_process_with_injected_now(db, database_url, tenant):
    rules(db, tenant, pool_followup_days=7)
    idle = register(db, staff(tenant, "salesperson"), 1)
    env = {**os.environ, "DATABASE_URL": database_url}
    at = (NOW + timedelta(days=8)).isoformat()
    proc = subprocess.run(
        [sys.executable, "-m", "customers.jobs", "pool-sweep", "--now", at],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["job"] == "pool-sweep" and summary["returned"] >= 1
    assert owner_of(db, tenant, idle.id) is None
    bad = subprocess.run(
        [sys.executable, "-m", "customers.jobs", "pool-sweep", "--now", "2026-01-01T00:00:00"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--now" in bad.stderr


def test_c3_returned_customer_can_be_claimed_by_a_colleague(db, tenant):
    rules(db, tenant, pool_followup_days=3)
    c = register(db, staff(tenant, "salesperson"), 1)
    sweep_tenant(db.uow(), tenant, NOW + timedelta(days=3))
    colleague = staff(tenant, "salesperson")
    claimed = ownership.claim_customer(db.uow(), colleague, c.id, now=NOW + timedelta(days=3, hours=1))
    assert claimed.owner_staff_id == colleague.staff_id
    # The new owner's clock starts at the claim: the next sweep keeps it.
    assert sweep_tenant(db.uow(), tenant, NOW + timedelta(days=4)).returned == 0
