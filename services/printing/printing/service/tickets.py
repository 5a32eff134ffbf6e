"""G2 G5 G4: a ticket routed into jobs, the queue listed, a job reprinted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import DomainError, InvalidInput, NotFound
from crmkit.paging import Page

from ..domain.queue import QUEUED, STATES
from ..domain.routing import RoutedPrinter, route
from ..domain.tickets import Ticket, TicketInvalid, check_ticket
from ..errors import ErrorCode
from ..models import JobRow, PrinterRow, TicketRow
from ..queue_signal import announce, wake_local
from .access import reach_of, require_store
from .printers import product_printers_of
from .views import JobView, job_view


@dataclass(frozen=True)
class Printed:
    ticket_id: str
    jobs: list[JobView]
    replayed: bool


def _jobs_of_ticket(uow: UnitOfWork, ticket: TicketRow) -> list[JobView]:
    rows = uow.session.execute(
        select(JobRow, PrinterRow)
        .join(PrinterRow, PrinterRow.id == JobRow.printer_id)
        .where(JobRow.ticket_id == ticket.id)
        .order_by(JobRow.created_at, JobRow.variant)
    ).all()
    return [job_view(job, printer, ticket) for job, printer in rows]


def _existing(uow: UnitOfWork, tenant_id: str, order_id: str) -> TicketRow | None:
    return uow.session.scalar(select(TicketRow).where(TicketRow.tenant_id == tenant_id, TicketRow.order_id == order_id))


def _replayed(uow: UnitOfWork, tenant_id: str, order_id: str) -> Printed:
    uow.rollback()
    existing = _existing(uow, tenant_id, order_id)
    return Printed(existing.id, _jobs_of_ticket(uow, existing), True)


def new_job(printer: PrinterRow, *, ticket_id: str | None, variant: str, lines: list[int], now: datetime, **more):
    return JobRow(
        tenant_id=printer.tenant_id,
        store_id=printer.store_id,
        printer_id=printer.id,
        ticket_id=ticket_id,
        variant=variant,
        line_indexes=json.dumps(lines),
        state=QUEUED,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        remote_id="",
        uncertain=False,
        reprint_of=more.get("reprint_of", ""),
        created_at=now,
        updated_at=now,
    )


def print_ticket(db: Database, actor: Actor, ticket: Ticket, *, now: datetime) -> Printed:
    """Route the order to the store's printers and queue one job per printer. An order prints
    once: sent again (an event redelivered, a double click), it answers its first jobs."""
    require_store(actor, ticket.store_id)
    try:
        ticket = check_ticket(ticket)
    except TicketInvalid as exc:
        raise InvalidInput(ErrorCode.PRINTING_INPUT_INVALID, fields=exc.fields) from None
    with db.uow() as uow:
        existing = _existing(uow, actor.tenant_id, ticket.order_id)
        if existing is not None:
            return Printed(existing.id, _jobs_of_ticket(uow, existing), True)
        printers = uow.session.scalars(
            select(PrinterRow)
            .where(PrinterRow.tenant_id == actor.tenant_id, PrinterRow.store_id == ticket.store_id)
            .order_by(PrinterRow.created_at)
        ).all()
        routed = [
            RoutedPrinter(p.id, p.role, p.enabled, frozenset(json.loads(p.category_ids)), p.store_default)
            for p in printers
        ]
        overrides = product_printers_of(uow, actor.tenant_id, ticket.store_id, [x.product_id for x in ticket.lines])
        row = TicketRow(
            tenant_id=actor.tenant_id,
            store_id=ticket.store_id,
            order_id=ticket.order_id,
            order_no=ticket.order_no,
            kind=ticket.kind,
            payload=ticket.to_json(),
            created_at=now,
        )
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            # The same order sent twice at once (an event delivered twice): PostgreSQL held this
            # INSERT until the other transaction committed its ticket; those jobs are the ones.
            return _replayed(uow, actor.tenant_id, ticket.order_id)
        by_id = {p.id: p for p in printers}
        rows = []
        for r in route(ticket, routed, overrides):
            job = new_job(by_id[r.printer_id], ticket_id=row.id, variant=r.variant, lines=list(r.line_indexes), now=now)
            uow.session.add(job)
            rows.append(job)
        uow.session.flush()
        jobs = [job_view(job, by_id[job.printer_id], row) for job in rows]
        if rows:
            announce(uow)
        uow.commit()
    if rows:
        wake_local()
    return Printed(row.id, jobs, False)


def _job(uow: UnitOfWork, actor: Actor, job_id: str):
    reach = reach_of(actor)
    found = uow.session.execute(
        select(JobRow, PrinterRow)
        .join(PrinterRow, PrinterRow.id == JobRow.printer_id)
        .where(JobRow.tenant_id == actor.tenant_id, JobRow.id == job_id)
    ).first()
    if found is None or not reach.allows(found[0].store_id):
        raise NotFound(ErrorCode.PRINT_JOB_NOT_FOUND, params={"id": job_id})
    return found


def reprint(db: Database, actor: Actor, job_id: str, *, now: datetime) -> JobView:
    """The same document again on the same printer, marked 补打; the original keeps its state."""
    with db.uow() as uow:
        job, printer = _job(uow, actor, job_id)
        if not printer.enabled:
            raise DomainError(ErrorCode.PRINTER_DISABLED)
        copy = new_job(
            printer,
            ticket_id=job.ticket_id,
            variant=job.variant,
            lines=json.loads(job.line_indexes),
            now=now,
            reprint_of=job.id,
        )
        uow.session.add(copy)
        announce(uow)
        uow.commit()
        ticket = uow.session.get(TicketRow, job.ticket_id) if job.ticket_id else None
        view = job_view(copy, printer, ticket)
    wake_local()
    return view


@dataclass(frozen=True)
class JobPage:
    jobs: list[JobView]
    total: int


def list_jobs(
    db: Database, actor: Actor, page: Page, *, store_id: str = "", printer_id: str = "", state: str = "", order_id=""
) -> JobPage:
    reach = require_store(actor, store_id) if store_id else reach_of(actor)
    if state and state not in STATES:
        raise InvalidInput(ErrorCode.PRINTING_INPUT_INVALID, fields={"state": "validation.invalid_choice"})
    conditions = [JobRow.tenant_id == actor.tenant_id]
    if store_id:
        conditions.append(JobRow.store_id == store_id)
    elif not reach.all_stores:
        conditions.append(JobRow.store_id.in_(sorted(reach.store_ids)))
    if printer_id:
        conditions.append(JobRow.printer_id == printer_id)
    if state:
        conditions.append(JobRow.state == state)
    if order_id:
        conditions.append(JobRow.ticket_id.in_(select(TicketRow.id).where(TicketRow.order_id == order_id)))
    with db.reader() as uow:
        total = uow.session.scalar(select(func.count()).select_from(JobRow).where(*conditions))
        rows = uow.session.execute(
            select(JobRow, PrinterRow, TicketRow)
            .join(PrinterRow, PrinterRow.id == JobRow.printer_id)
            .outerjoin(TicketRow, TicketRow.id == JobRow.ticket_id)
            .where(*conditions)
            .order_by(JobRow.created_at.desc(), JobRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return JobPage([job_view(job, printer, ticket) for job, printer, ticket in rows], total)
