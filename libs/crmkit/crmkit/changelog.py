"""The change log (A1): who changed what and when, one row per change of a business object,
written by the service that owns the object in the transaction of the change, so a change and
its record commit or roll back together.

Each service keeps its own table in its own database (`class ChangeRow(ChangeLogMixin, Base)`,
indexed on tenant, object and time). This module is the plumbing they share: the columns, what
changed between two snapshots, writing a row, reading one object's log a page at a time, and
its proto form (`crm.common.v1.Change`). Which objects and actions exist, and which fields a
snapshot holds, are each service's business.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.common.v1 import common_pb2
from crmkit.auth import Actor
from crmkit.paging import Page

# Rows written by a job, not by a person or a calling service (e.g. the pool sweep).
SYSTEM = "system"


class ChangeLogMixin:
    """Columns of a change-log table; `TenantScoped` gives id, tenant_id and created_at (the
    time of the change)."""

    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(64))
    # The changed fields only, as they were and as they became: no `before` for a creation,
    # no `after` for a deletion.
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Author(NamedTuple):
    kind: str
    id: str


def author(actor: Actor) -> Author:
    return Author(actor.kind, actor.subject_id)


def system(job: str) -> Author:
    return Author(SYSTEM, job)


def jsonable(value: Any) -> Any:
    """A snapshot value as JSON stores it: times ISO 8601, tuples and sets as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """The fields whose values differ, as (before, after); a field only one side has is None on
    the other."""
    old, new = jsonable(before), jsonable(after)
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return {k: old.get(k) for k in changed}, {k: new.get(k) for k in changed}


def record(
    session: Session,
    model: type,
    by: Author,
    *,
    tenant_id: str,
    object_type: str,
    object_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: datetime,
) -> bool:
    """Add one row to the caller's transaction. With both snapshots only the fields that differ
    are kept, and nothing is written when none does (saving a form unchanged is no change)."""
    values = entry(
        by, tenant_id=tenant_id, object_type=object_type, object_id=object_id, action=action, before=before, after=after
    )
    if values is None:
        return False
    session.add(model(**values, created_at=now))
    return True


def entry(
    by: Author,
    *,
    tenant_id: str,
    object_type: str,
    object_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """The columns of one change-log row as `record` writes it (its time apart), or None when
    nothing changed: for a use case that writes its rows with Core."""
    if before is not None and after is not None:
        before, after = diff(before, after)
        if not after:
            return None
    else:
        before = jsonable(before) if before is not None else None
        after = jsonable(after) if after is not None else None
    return {
        "tenant_id": tenant_id,
        "object_type": object_type,
        "object_id": object_id,
        "action": action,
        "actor_kind": by.kind,
        "actor_id": by.id,
        "before": before,
        "after": after,
    }


@dataclass(frozen=True)
class Change:
    id: str
    object_type: str
    object_id: str
    action: str
    actor_kind: str
    actor_id: str
    before: dict | None
    after: dict | None
    at: datetime


def changes_of(
    session: Session, model: type, tenant_id: str, object_type: str, object_id: str, page: Page
) -> tuple[list[Change], int]:
    """One object's log, newest first, and how many entries it has."""
    where = (model.tenant_id == tenant_id, model.object_type == object_type, model.object_id == object_id)
    total = session.scalar(select(func.count()).select_from(model).where(*where))
    rows = session.scalars(
        select(model)
        .where(*where)
        .order_by(model.created_at.desc(), model.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    changes = [
        Change(r.id, r.object_type, r.object_id, r.action, r.actor_kind, r.actor_id, r.before, r.after, r.created_at)
        for r in rows
    ]
    return changes, int(total)


def change_to_proto(change: Change) -> common_pb2.Change:
    message = common_pb2.Change(
        id=change.id,
        object_type=change.object_type,
        object_id=change.object_id,
        action=change.action,
        actor_kind=change.actor_kind,
        actor_id=change.actor_id,
        before_json=_json(change.before),
        after_json=_json(change.after),
    )
    message.at.FromDatetime(change.at)
    return message


def changes_response(changes: list[Change], total: int, page: Page) -> common_pb2.ListChangesResponse:
    return common_pb2.ListChangesResponse(changes=[change_to_proto(c) for c in changes], page=page.info(total))


def _json(value: dict | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
