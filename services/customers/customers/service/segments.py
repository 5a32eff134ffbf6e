"""Segments (C4): saved filters, named per tenant, changed by their creator or a manager, and the
preset filters. What a filter selects is segment_members.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, Conflict, NotFound, PermissionDenied
from crmkit.events import Outgoing
from customers import events
from customers.domain.scope import scope_for
from customers.domain.segments import (
    PRESETS,
    Preset,
    SegmentFilter,
    check_filter,
    check_name,
    filter_from_json,
    filter_to_json,
)
from customers.errors import ErrorCode
from customers.models import (
    SegmentRow,
)
from customers.service.fields import load_definitions

log = logging.getLogger(__name__)

# A salesperson's saved filter is theirs to change; these roles may change any.
SEGMENT_MANAGERS = ("owner", "store_manager")


@dataclass(frozen=True)
class SegmentView:
    id: str
    name: str
    filter: SegmentFilter
    created_by_staff_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SaveSegment:
    name: str
    filter: SegmentFilter


def segment_not_found(segment_id: str) -> NotFound:
    return NotFound(ErrorCode.SEGMENT_NOT_FOUND, params={"id": segment_id})


def _name_taken() -> AlreadyExists:
    return AlreadyExists(ErrorCode.SEGMENT_NAME_TAKEN, fields={"name": "validation.taken"})


def stored_filter(row: SegmentRow) -> SegmentFilter:
    """A saved filter was checked before it was stored, so it reads back; one that does not (a
    row from an older release, a hand edit) is a Conflict naming the segment, to be saved anew
    or deleted, never a failure of every read of the tenant's segments (issue 11)."""
    try:
        return filter_from_json(row.filter or {})
    except (KeyError, TypeError, ValueError, AttributeError):
        log.error("segment %s has a stored filter that does not read", row.id, exc_info=True)
        raise Conflict(ErrorCode.SEGMENT_UNREADABLE, params={"id": row.id}) from None


def _view(row: SegmentRow) -> SegmentView:
    return SegmentView(
        id=row.id,
        name=row.name,
        filter=stored_filter(row),
        created_by_staff_id=row.created_by_staff_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _staff(actor: Actor) -> str:
    scope_for(actor)  # customers and visitors are refused here
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.SEGMENT_CHANGE_DENIED)
    return actor.staff_id


def _saved(view: SegmentView) -> Outgoing:
    return events.segment_saved(view.id, view.name, filter_to_json(view.filter))


def _checked(session: Session, actor: Actor, cmd: SaveSegment) -> tuple[str, SegmentFilter]:
    name = check_name(cmd.name)
    return name, check_filter(cmd.filter, load_definitions(session, actor.tenant_id))


def _taken(session: Session, tenant_id: str, name: str, but: str | None = None) -> bool:
    stmt = select(SegmentRow.id).where(SegmentRow.tenant_id == tenant_id, SegmentRow.name == name)
    if but:
        stmt = stmt.where(SegmentRow.id != but)
    return session.scalar(stmt) is not None


def create_segment(uow: UnitOfWork, actor: Actor, cmd: SaveSegment, *, now: datetime) -> SegmentView:
    """Any staff member who works with customers may save a filter; the tenant shares them
    (each evaluates it over the customers they may see). Publishes `segment_saved`."""
    staff_id = _staff(actor)
    with uow:
        session = uow.session
        name, checked = _checked(session, actor, cmd)
        if _taken(session, actor.tenant_id, name):
            raise _name_taken()
        row = SegmentRow(
            tenant_id=actor.tenant_id,
            name=name,
            filter=filter_to_json(checked),
            created_by_staff_id=staff_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            # Two people saved the same name at once: the unique constraint decides.
            raise _name_taken() from None
        view = _view(row)
        uow.publish(_saved(view), actor.tenant_id)
        uow.commit()
    return view


def _locked(session: Session, actor: Actor, segment_id: str) -> SegmentRow:
    row = session.scalar(
        select(SegmentRow).where(SegmentRow.tenant_id == actor.tenant_id, SegmentRow.id == segment_id).with_for_update()
    )
    if row is None:
        raise segment_not_found(segment_id)
    # A salesperson's saved filter is theirs to change; managers may change any.
    if row.created_by_staff_id != actor.staff_id and not actor.has_role(*SEGMENT_MANAGERS):
        raise PermissionDenied(ErrorCode.SEGMENT_CHANGE_DENIED)
    return row


def update_segment(uow: UnitOfWork, actor: Actor, segment_id: str, cmd: SaveSegment, *, now: datetime) -> SegmentView:
    _staff(actor)
    with uow:
        session = uow.session
        row = _locked(session, actor, segment_id)
        name, checked = _checked(session, actor, cmd)
        if _taken(session, actor.tenant_id, name, but=row.id):
            raise _name_taken()
        row.name = name
        row.filter = filter_to_json(checked)
        row.updated_at = now
        try:
            session.flush()
        except IntegrityError:
            raise _name_taken() from None
        view = _view(row)
        uow.publish(_saved(view), actor.tenant_id)
        uow.commit()
    return view


def delete_segment(uow: UnitOfWork, actor: Actor, segment_id: str, *, now: datetime) -> None:
    _staff(actor)
    with uow:
        row = _locked(uow.session, actor, segment_id)
        uow.session.delete(row)
        uow.publish(events.segment_deleted(segment_id, now), actor.tenant_id)
        uow.commit()


def list_segments(uow: UnitOfWork, actor: Actor) -> list[SegmentView]:
    scope_for(actor)
    with uow:
        rows = uow.session.scalars(
            select(SegmentRow).where(SegmentRow.tenant_id == actor.tenant_id).order_by(SegmentRow.name)
        ).all()
        return [view for view in map(_readable_view, rows) if view is not None]


def _readable_view(row: SegmentRow) -> SegmentView | None:
    # One segment that does not read must not hide the others: it is left out of the list
    # (logged), and answered as SEGMENT_UNREADABLE when asked for by id.
    try:
        return _view(row)
    except Conflict:
        return None


def get_segment(uow: UnitOfWork, actor: Actor, segment_id: str) -> SegmentView:
    scope_for(actor)
    with uow:
        row = uow.session.scalar(
            select(SegmentRow).where(SegmentRow.tenant_id == actor.tenant_id, SegmentRow.id == segment_id)
        )
        if row is None:
            raise segment_not_found(segment_id)
        return _view(row)


def list_presets() -> tuple[Preset, ...]:
    return PRESETS
