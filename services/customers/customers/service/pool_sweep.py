"""The pool job (C3): over every tenant with pool rules, return idle customers to the public
pool and warn their salespeople K days before. Run by `python -m customers.jobs pool-sweep`
(a Kubernetes CronJob) and periodically by the embedded launcher.

One transaction per tenant and batch: a failure in one tenant leaves the others done, and a
rerun (or a second job overlapping) changes nothing twice: each customer is re-checked under
its row lock and each warning is keyed by its deadline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, null, or_, select

from crmkit.db import UnitOfWork
from customers import events
from customers.domain import pool
from customers.models import CustomerRow, CustomerSettingsRow, PoolWarningRow
from customers.service.customer_settings import settings_from_row, settings_of
from customers.service.ownership import change_owner

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class SweepResult:
    tenants: int = 0
    returned: int = 0
    warned: int = 0


def _tenants_with_rules(uow: UnitOfWork) -> list[str]:
    """One settings row per tenant that saved any; whether a level's rule is on is read in
    Python (the rules are JSON, not comparable alike on SQLite and PostgreSQL)."""
    with uow:
        rows = uow.session.scalars(select(CustomerSettingsRow).order_by(CustomerSettingsRow.tenant_id))
        return [row.tenant_id for row in rows if settings_from_row(row).returns_idle]


def _cutoff(settings: pool.CustomerSettings, measure: int, now: datetime):
    """The latest anchor that makes a customer due (for a warning or a return) under one measure
    (0: follow-ups, 1: orders), per member level: a constant when every level shares the
    tenant's rule, else a CASE over customers.level. NULL where the measure is off, which no
    comparison passes; None when it is off for everyone."""
    warn = timedelta(days=settings.pool_warning_days)

    def at(days: int):
        return literal(now - timedelta(days=days) + warn, CustomerRow.created_at.type) if days else null()

    default = (settings.pool_followup_days, settings.pool_order_days)[measure]
    levels = {rule.level: (rule.followup_days, rule.order_days)[measure] for rule in settings.pool_level_rules}
    if not default and not any(levels.values()):
        return None
    if not levels:
        return at(default)
    return case({level: at(days) for level, days in levels.items()}, value=CustomerRow.level, else_=at(default))


def _candidates(settings: pool.CustomerSettings, tenant_id: str, now: datetime):
    """Held, unlocked customers that may be due for a warning or a return; the exact decision
    is the domain's. A rule's anchor is the later of its last activity and the start of
    ownership, so "anchor <= cutoff" is "both <= cutoff" (a NULL activity counts as old).
    One query for every member level: the cutoff is per row, from constants."""
    start = func.coalesce(CustomerRow.owned_since, CustomerRow.created_at)
    conditions = []
    for measure, column in enumerate((CustomerRow.last_followup_at, CustomerRow.last_order_at)):
        cutoff = _cutoff(settings, measure, now)
        if cutoff is not None:
            conditions.append(((column.is_(None)) | (column <= cutoff)) & (start <= cutoff))
    return (
        select(CustomerRow)
        .where(
            CustomerRow.tenant_id == tenant_id,
            CustomerRow.owner_staff_id.is_not(None),
            CustomerRow.locked.is_(False),
            or_(*conditions),
        )
        .order_by(CustomerRow.id)
    )


def _held(row: CustomerRow) -> pool.HeldCustomer:
    return pool.HeldCustomer(
        row.created_at, row.owned_since, row.last_followup_at, row.last_order_at, row.locked, row.level or ""
    )


def sweep_tenant(uow: UnitOfWork, tenant_id: str, now: datetime) -> SweepResult:
    result = SweepResult(tenants=1)
    after = ""
    while True:
        with uow:
            session = uow.session
            settings = settings_of(session, tenant_id)
            if not settings.returns_idle:
                return result
            # Rows locked for the batch, skipping those a claim or an edit holds right now
            # (the next run sees them again).
            stmt = _candidates(settings, tenant_id, now).where(CustomerRow.id > after).limit(BATCH)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = session.scalars(stmt).all()
            if not rows:
                return result
            after = rows[-1].id
            for row in rows:
                decision = pool.pool_decision(_held(row), settings, now)
                if decision.returns:
                    change_owner(
                        uow,
                        row,
                        action=pool.RETURNED,
                        event=events.customer_returned_to_pool,
                        to_staff_id=None,
                        by_staff_id=None,
                        reason=decision.returns,
                        now=now,
                    )
                    result.returned += 1
                elif decision.warn_due_at is not None and _warn_once(uow, row, decision, now):
                    result.warned += 1
            uow.commit()


def _warn_once(uow: UnitOfWork, row: CustomerRow, decision: pool.PoolDecision, now: datetime) -> bool:
    """One reminder per deadline: a follow-up that moves the deadline earns a new one later."""
    if uow.session.get(PoolWarningRow, (row.tenant_id, row.id, decision.warn_due_at)) is not None:
        return False
    uow.session.add(
        PoolWarningRow(tenant_id=row.tenant_id, customer_id=row.id, due_at=decision.warn_due_at, created_at=now)
    )
    uow.publish(events.pool_return_warning(row, decision.warn_due_at, decision.warn_rule), row.tenant_id)
    return True


def sweep_pool(uow: UnitOfWork, now: datetime) -> SweepResult:
    """Every tenant with a pool rule; one tenant failing is logged and the rest still run."""
    total = SweepResult()
    for tenant_id in _tenants_with_rules(uow):
        try:
            done = sweep_tenant(uow, tenant_id, now)
        except Exception:
            log.exception("pool sweep failed for tenant %s", tenant_id)
            continue
        total.tenants += 1
        total.returned += done.returned
        total.warned += done.warned
    log.info("pool sweep at %s: %s", now.isoformat(), total)
    return total
