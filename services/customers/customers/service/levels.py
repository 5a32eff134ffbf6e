"""Member levels in bulk (C11): one level for many customers at once, all or none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound
from customers.domain.registration import LEVEL_PATTERN
from customers.domain.scope import scope_for
from customers.domain.tags import BULK_MAX
from customers.errors import ErrorCode
from customers.models import CustomerRow
from customers.service.changes import snapshot
from customers.service.profile import record_update
from customers.service.scoping import visible
from customers.service.tags import require_manager


def _checked(customer_ids, level: str) -> tuple[list[str], str]:
    ids = list(dict.fromkeys(c.strip() for c in customer_ids if c.strip()))
    level = level.strip()
    errors = {}
    if not ids:
        errors["customer_ids"] = "validation.required"
    elif len(ids) > BULK_MAX:
        errors["customer_ids"] = "validation.too_long"
    if level and not LEVEL_PATTERN.fullmatch(level):
        errors["level"] = "validation.invalid"
    if errors:
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields=errors)
    return ids, level


def set_levels(uow: UnitOfWork, actor: Actor, customer_ids, level: str, *, now: datetime) -> int:
    """Managers only: the level decides the level price of every later order (B1, B2). Every
    customer must be the tenant's and within the manager's scope (a store manager: their
    stores'), else NotFound naming the first missing id and nothing changes;
    each changed customer gets an audit row and a `customer_updated` event, like a single edit."""
    require_manager(actor)
    ids, level = _checked(customer_ids, level)
    with uow:
        session = uow.session
        rows = {
            row.id: row
            for row in session.scalars(
                select(CustomerRow)
                .where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id.in_(ids), visible(scope_for(actor)))
                .order_by(CustomerRow.id)
                .with_for_update()
            )
        }
        for customer_id in ids:
            if customer_id not in rows:
                raise NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})
        changed = [rows[c] for c in ids if (rows[c].level or "") != level]
        for row in changed:
            before = snapshot(row)
            row.level = level
            record_update(uow, actor, row, before, now=now)
        uow.commit()
        return len(changed)
