"""The customers' change log (A1): who changed which customer, when, and its changed fields
before and after. Every use case that changes a customer adds its row here, in its own
transaction; whoever may see the customer reads the log, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crmkit import changelog
from crmkit.auth import Actor
from crmkit.changelog import Author, Change
from crmkit.db import UnitOfWork
from crmkit.paging import Page
from customers.models import CustomerChangeRow, CustomerRow
from customers.service.activity_views import visible_customer

CUSTOMER = "customer"
# Who changed a customer when no person did: the hourly pool sweep (C3).
POOL_SWEEP = changelog.system("pool-sweep")


def snapshot(row: CustomerRow) -> dict[str, Any]:
    """What the log compares of a customer: the record as staff edit and hold it."""
    return {
        "name": row.name,
        "phone": row.phone,
        "owner_staff_id": row.owner_staff_id,
        "store_id": row.store_id,
        "fields": dict(row.fields or {}),
        "level": row.level or "",
        "region": row.region or "",
        "latitude": row.latitude,
        "longitude": row.longitude,
        "locked": bool(row.locked),
    }


def log_change(
    session: Session,
    by: Author,
    row: CustomerRow,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    now: datetime,
) -> bool:
    """One row in the caller's transaction; with a `before`, only the fields that changed (and
    none at all when nothing did)."""
    return changelog.record(
        session,
        CustomerChangeRow,
        by,
        tenant_id=row.tenant_id,
        object_type=CUSTOMER,
        object_id=row.id,
        action=action,
        before=before,
        after=after,
        now=now,
    )


def list_customer_changes(uow: UnitOfWork, actor: Actor, customer_id: str, page: Page) -> tuple[list[Change], int]:
    """Scoped like the customer itself: one the caller may not see is NOT_FOUND."""
    with uow:
        visible_customer(uow.session, actor, customer_id)
        return changelog.changes_of(uow.session, CustomerChangeRow, actor.tenant_id, CUSTOMER, customer_id, page)
