"""Visit tasks (C6): a salesperson's daily schedule, due and overdue lists, check-in on site
(which records a visit follow-up), and today's due visits as a nearest-neighbour route."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.changelog import author
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from customers import events
from customers.domain import activity as rules
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, VisitTaskRow
from customers.service.activity_views import Listing, VisitView, visible_customer, visit_view
from customers.service.changes import log_change, snapshot
from customers.service.followups import add_customer_followup, publish_followup
from customers.service.scoping import visible
from customers.staff_directory import StaffDirectory, require_seller

CHECK_IN_CONTENT = "到店拜访"  # stored when the salesperson writes no note: the visit itself is the content


def schedule_visit(
    uow: UnitOfWork,
    actor: Actor,
    customer_id: str,
    *,
    staff_id: str = "",
    day: str = "",
    note: str = "",
    directory: StaffDirectory | None = None,
    now: datetime,
) -> VisitView:
    """A salesperson plans own days; a manager plans a salesperson's (one identity knows). Never a
    past day."""
    staff = rules.visit_staff(actor, staff_id)
    on = rules.parse_day(day, now=now)
    note = note.strip()
    errors = {}
    if on < rules.china_day(now):
        errors["day"] = "validation.in_past"
    if len(note) > rules.VISIT_NOTE_MAX:
        errors["note"] = "validation.too_long"
    if errors:
        raise InvalidInput(ErrorCode.VISIT_INPUT_INVALID, fields=errors)
    if staff != actor.staff_id:
        require_seller(directory, actor.tenant_id, staff, field="staff_id", code=ErrorCode.VISIT_INPUT_INVALID)
    with uow:
        session = uow.session
        customer = visible_customer(session, actor, customer_id)
        row = VisitTaskRow(
            tenant_id=actor.tenant_id,
            staff_id=staff,
            customer_id=customer.id,
            day=on,
            note=note,
            status=rules.PLANNED,
            created_by_staff_id=actor.staff_id,
            check_in_note="",
            created_at=now,
        )
        session.add(row)
        session.flush()
        view = visit_view(row, customer)
        uow.commit()
    return view


def _tasks(actor: Actor, staff: str):
    """A salesperson's own planned visits; a manager reading a salesperson's day sees the visits
    to customers within the manager's scope only."""
    stmt = (
        select(VisitTaskRow, CustomerRow)
        .join(
            CustomerRow,
            (CustomerRow.tenant_id == VisitTaskRow.tenant_id) & (CustomerRow.id == VisitTaskRow.customer_id),
        )
        .where(
            VisitTaskRow.tenant_id == actor.tenant_id,
            VisitTaskRow.staff_id == staff,
            VisitTaskRow.status == rules.PLANNED,
        )
    )
    return stmt if staff == actor.staff_id else stmt.where(visible(scope_for(actor)))


def list_visits(
    uow: UnitOfWork, actor: Actor, page: Page, *, which: str, staff_id: str = "", day: str = "", now: datetime
) -> Listing:
    """due: the day's planned visits; overdue: planned visits of earlier days, oldest first."""
    staff = rules.visit_staff(actor, staff_id)
    on = rules.parse_day(day, now=now)
    which = which.strip() or rules.DUE
    if which == rules.DUE:
        stmt = _tasks(actor, staff).where(VisitTaskRow.day == on)
    elif which == rules.OVERDUE:
        stmt = _tasks(actor, staff).where(VisitTaskRow.day < on)
    else:
        raise InvalidInput(ErrorCode.VISIT_INPUT_INVALID, fields={"which": "validation.invalid_choice"})
    with uow:
        session = uow.session
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.execute(
            stmt.order_by(VisitTaskRow.day, VisitTaskRow.created_at, VisitTaskRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return Listing([visit_view(t, c) for t, c in rows], total)


def check_in(
    uow: UnitOfWork,
    actor: Actor,
    task_id: str,
    *,
    latitude: float,
    longitude: float,
    note: str = "",
    status: str = "",
    now: datetime,
) -> VisitView:
    """On site: the task is done where the salesperson stands, a visit follow-up is written
    (so the customer's last_followup_at moves and the pool clock restarts)."""
    me = rules.selling_staff(actor)
    rules.check_position(latitude, longitude)
    note = note.strip()
    followup = rules.check_followup(
        rules.FollowupInput(status=status.strip() or rules.VISITED, content=note or CHECK_IN_CONTENT), now=now
    )
    with uow:
        session = uow.session
        task = session.scalar(
            select(VisitTaskRow)
            .where(VisitTaskRow.tenant_id == actor.tenant_id, VisitTaskRow.id == task_id)
            .with_for_update()
        )
        if task is None or (task.staff_id != me and not rules.is_manager(actor)):
            raise NotFound(ErrorCode.VISIT_NOT_FOUND, params={"id": task_id})
        if task.staff_id != me:
            # A manager may read a colleague's schedule but cannot be on site in their place.
            raise PermissionDenied(ErrorCode.VISIT_ASSIGN_DENIED)
        if task.status != rules.PLANNED:
            raise Conflict(ErrorCode.VISIT_ALREADY_DONE)
        customer = session.scalar(
            select(CustomerRow)
            .where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == task.customer_id)
            .with_for_update()
        )
        if customer.latitude is None or customer.longitude is None:
            # The first check-in on site pins a shop whose location was unknown, so the next
            # route (and the map) can place it.
            before = snapshot(customer)
            customer.latitude, customer.longitude = latitude, longitude
            log_change(session, author(actor), customer, "located", before=before, after=snapshot(customer), now=now)
        row = add_customer_followup(
            session, actor, customer, followup, now=now, kind=rules.VISIT, visit_task_id=task.id
        )
        task.status = rules.DONE
        task.checked_in_at = now
        task.check_in_latitude = latitude
        task.check_in_longitude = longitude
        task.check_in_note = note
        task.followup_id = row.id
        session.flush()
        publish_followup(uow, actor, row)
        uow.publish(events.visit_checked_in(task.id, customer.id, me, row.id, latitude, longitude), actor.tenant_id)
        view = visit_view(task, customer)
        uow.commit()
    return view


@dataclass(frozen=True)
class RouteStop:
    visit: VisitView
    distance_m: int


def plan_route(
    uow: UnitOfWork,
    actor: Actor,
    *,
    latitude: float,
    longitude: float,
    staff_id: str = "",
    day: str = "",
    now: datetime,
) -> list[RouteStop]:
    """The day's due visits, nearest first from where the salesperson stands, then nearest
    from each stop; customers without a location last."""
    staff = rules.visit_staff(actor, staff_id)
    rules.check_position(latitude, longitude)
    on = rules.parse_day(day, now=now)
    with uow:
        rows = uow.session.execute(
            _tasks(actor, staff).where(VisitTaskRow.day == on).order_by(VisitTaskRow.created_at, VisitTaskRow.id)
        ).all()
        views = {t.id: visit_view(t, c) for t, c in rows}
    places = [rules.Place(v.id, v.customer_latitude, v.customer_longitude) for v in views.values()]
    return [RouteStop(views[p.key], d) for p, d in rules.nearest_neighbour_route((latitude, longitude), places)]
