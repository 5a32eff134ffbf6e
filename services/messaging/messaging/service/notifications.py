"""Staff notifications (F4): store the drafts of an event, list one's inbox, mark read.

Every query filters on the actor's tenant and staff id: a notification is visible only to its
recipient, and someone else's id answers NotFound exactly like a missing one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from crmkit.alerts import AlertDraft
from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork, new_id, utcnow
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from crmkit.paging import page_of

from ..domain.notifications import NotificationDraft
from ..errors import ErrorCode
from ..models import Notification


@dataclass(frozen=True)
class NotificationView:
    id: str
    kind: str
    title_key: str
    params: dict[str, str]
    subject: str
    read: bool
    created_at: datetime


@dataclass(frozen=True)
class NotificationPage:
    items: list[NotificationView]
    page: int
    page_size: int
    total: int
    unread_count: int


def _staff_id(actor: Actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.STAFF_ONLY)
    return actor.staff_id


def _inbox(actor: Actor, staff_id: str):
    return (Notification.tenant_id == actor.tenant_id, Notification.recipient_staff_id == staff_id)


def _unread_count(uow: UnitOfWork, actor: Actor, staff_id: str) -> int:
    return uow.session.scalar(
        select(func.count()).select_from(Notification).where(*_inbox(actor, staff_id), Notification.read_at.is_(None))
    )


def add_notifications(
    uow: UnitOfWork, tenant_id: str, source_event_id: str, drafts: Iterable[NotificationDraft], *, now: datetime
) -> list[AlertDraft]:
    """Inside the caller's transaction, next to its claim of the event. Returns the real-time
    alerts of what it stored, for the caller to announce once the transaction has committed
    (service/alerts.py): an open app must never hear of a notification that was rolled back."""
    alerts = []
    for draft in drafts:
        notification = Notification(
            id=new_id(),
            tenant_id=tenant_id,
            recipient_staff_id=draft.recipient_staff_id,
            kind=draft.kind,
            title_key=draft.title_key,
            params=json.dumps(draft.params, ensure_ascii=False, sort_keys=True),
            subject=draft.subject,
            source_event_id=source_event_id,
            created_at=now,
        )
        uow.session.add(notification)
        alerts.append(
            AlertDraft(
                tenant_id=tenant_id,
                staff_id=draft.recipient_staff_id,
                notification_id=notification.id,
                kind=draft.kind,
                title_key=draft.title_key,
                params=dict(draft.params),
                subject=draft.subject,
                created_at=now,
            )
        )
    return alerts


def list_notifications(
    db: Database, actor: Actor, *, page: int = 0, page_size: int = 0, unread_only: bool = False
) -> NotificationPage:
    staff_id = _staff_id(actor)
    paged = page_of(page, page_size)
    where = list(_inbox(actor, staff_id))
    if unread_only:
        where.append(Notification.read_at.is_(None))
    with db.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(Notification).where(*where))
        rows = uow.session.scalars(
            select(Notification)
            .where(*where)
            # id breaks ties so pages stay stable when two notifications share an instant
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset(paged.offset)
            .limit(paged.page_size)
        ).all()
        unread = total if unread_only else _unread_count(uow, actor, staff_id)
        # Read inside the unit of work: leaving it rolls back, which expires loaded rows.
        items = [
            NotificationView(
                id=row.id,
                kind=row.kind,
                title_key=row.title_key,
                params=json.loads(row.params),
                subject=row.subject,
                read=row.read_at is not None,
                created_at=row.created_at,
            )
            for row in rows
        ]
    return NotificationPage(items, paged.page, paged.page_size, total, unread)


def mark_notifications_read(
    db: Database,
    actor: Actor,
    *,
    ids: Sequence[str] = (),
    all: bool = False,
    now: Callable[[], datetime] = utcnow,
) -> int:
    """Mark the given own notifications (or all own ones) read; returns the unread count left.
    One unknown id fails the whole call and marks nothing."""
    staff_id = _staff_id(actor)
    if not all and not ids:
        raise InvalidInput(fields={"ids": "validation.required"})
    with db.uow() as uow:
        where = [*_inbox(actor, staff_id), Notification.read_at.is_(None)]
        if not all:
            wanted = set(ids)
            found = set(
                uow.session.scalars(
                    select(Notification.id).where(*_inbox(actor, staff_id), Notification.id.in_(wanted))
                )
            )
            missing = sorted(wanted - found)
            if missing:
                raise NotFound(ErrorCode.NOTIFICATION_NOT_FOUND, params={"id": missing[0]})
            where.append(Notification.id.in_(wanted))
        # read_at keeps the first time it was read
        uow.session.execute(update(Notification).where(*where).values(read_at=now()))
        unread = _unread_count(uow, actor, staff_id)
        uow.commit()
    return unread
