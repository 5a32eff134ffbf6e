"""The tenant's registration and pool settings (C2, C3)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from customers import events
from customers.domain.pool import CustomerSettings, PoolLevelRule, check_settings
from customers.domain.scope import scope_for
from customers.models import CustomerSettingsRow
from customers.service.tags import require_manager

LEVEL_RULES = "pool_level_rules"
# The plain columns; the level rules are one JSON column, read and written whole.
_NAMES = [f.name for f in fields(CustomerSettings) if f.name != LEVEL_RULES]


def settings_from_row(row: CustomerSettingsRow) -> CustomerSettings:
    rules = tuple(
        PoolLevelRule(r["level"], int(r.get("followup_days", 0)), int(r.get("order_days", 0)))
        for r in row.pool_level_rules or ()
    )
    return CustomerSettings(**{name: getattr(row, name) for name in _NAMES}, pool_level_rules=rules)


def settings_of(session: Session, tenant_id: str) -> CustomerSettings:
    row = session.scalar(select(CustomerSettingsRow).where(CustomerSettingsRow.tenant_id == tenant_id))
    if row is None:
        return CustomerSettings()
    return settings_from_row(row)


def get_customer_settings(uow: UnitOfWork, actor: Actor) -> CustomerSettings:
    scope_for(actor)  # staff or a service of the tenant
    with uow:
        return settings_of(uow.session, actor.tenant_id)


def update_customer_settings(
    uow: UnitOfWork, actor: Actor, settings: CustomerSettings, *, now: datetime
) -> CustomerSettings:
    require_manager(actor)
    settings = check_settings(settings)
    for attempt in range(2):
        try:
            with uow:
                row = uow.session.scalar(
                    select(CustomerSettingsRow)
                    .where(CustomerSettingsRow.tenant_id == actor.tenant_id)
                    .with_for_update()
                )
                if row is None:
                    row = CustomerSettingsRow(tenant_id=actor.tenant_id, created_at=now)
                    uow.session.add(row)
                values = asdict(settings)
                values[LEVEL_RULES] = list(values[LEVEL_RULES])
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = now
                uow.publish(events.customer_settings_changed(values, actor.staff_id), actor.tenant_id)
                uow.commit()
                return settings
        except IntegrityError:
            # Two managers saved the first settings at once; the second try updates that row.
            if attempt:
                raise
    raise AssertionError("unreachable")
