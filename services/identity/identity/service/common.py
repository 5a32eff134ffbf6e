"""Helpers shared by the use cases: tenant-scoped loading, the acting staff member, audit rows."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound, PermissionDenied
from identity.errors import ErrorCode
from identity.models import AuditLog, Staff, Store


def not_allowed() -> PermissionDenied:
    return PermissionDenied(ErrorCode.NOT_ALLOWED)


def staff_not_found() -> NotFound:
    return NotFound(ErrorCode.STAFF_NOT_FOUND)


def load_staff(uow: UnitOfWork, tenant_id: str, staff_id: str, *, for_update: bool = False) -> Staff:
    """Staff of this tenant only: another tenant's id is NotFound, exactly like a missing one."""
    query = select(Staff).where(Staff.tenant_id == tenant_id, Staff.id == staff_id)
    if for_update:
        query = query.with_for_update()
    staff = uow.session.scalar(query)
    if staff is None:
        raise staff_not_found()
    return staff


def acting_staff(uow: UnitOfWork, actor: Actor) -> Staff:
    """The caller's own row, read fresh: roles and stores may have changed since the token was
    issued, and a switched-off account must stop managing others at once."""
    if actor.staff_id is None:
        raise not_allowed()
    staff = uow.session.scalar(select(Staff).where(Staff.tenant_id == actor.tenant_id, Staff.id == actor.staff_id))
    if staff is None or not staff.active:
        raise not_allowed()
    return staff


def tenant_store_ids(uow: UnitOfWork, tenant_id: str, store_ids: list[str]) -> set[str]:
    if not store_ids:
        return set()
    rows = uow.session.scalars(select(Store.id).where(Store.tenant_id == tenant_id, Store.id.in_(store_ids)))
    return set(rows)


def head_store_id(uow: UnitOfWork, tenant_id: str) -> str:
    return uow.session.scalar(select(Store.id).where(Store.tenant_id == tenant_id, Store.is_head.is_(True)))


def staff_snapshot(staff: Staff) -> dict[str, Any]:
    """What the change log keeps of a staff member (never the password hash)."""
    return {
        "name": staff.name,
        "phone": staff.phone,
        "roles": staff.roles,
        "permissions": staff.permissions,
        "store_ids": staff.store_ids,
        "active": staff.active,
    }


def audit(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    actor_kind: str,
    actor_id: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now,
) -> None:
    uow.session.add(
        AuditLog(
            tenant_id=tenant_id,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
            after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            created_at=now,
        )
    )


def detached(uow: UnitOfWork, value):
    """Hand rows out of a transaction that ends without commit: leaving the unit of work rolls
    back, which would expire them; detached first, they keep what was loaded."""
    uow.session.expunge_all()
    return value
