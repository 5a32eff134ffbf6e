"""Plain views of rows, read inside their unit of work."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.queue import OPEN
from ..models import JobRow, PrinterRow, TicketRow


@dataclass(frozen=True)
class PrinterView:
    id: str
    store_id: str
    name: str
    kind: str
    role: str
    paper_mm: int
    enabled: bool
    host: str
    port: int
    feie_sn: str
    feie_key_set: bool
    category_ids: tuple[str, ...]
    store_default: bool
    online: bool
    consecutive_failures: int
    last_error: str
    offline_since: datetime | None
    created_at: datetime
    updated_at: datetime
    waiting_jobs: int


def waiting_jobs(session: Session, printer_ids: list[str]) -> dict[str, int]:
    if not printer_ids:
        return {}
    rows = session.execute(
        select(JobRow.printer_id, func.count())
        .where(JobRow.printer_id.in_(printer_ids), JobRow.state.in_(OPEN))
        .group_by(JobRow.printer_id)
    )
    return {printer_id: count for printer_id, count in rows}


def printer_view(row: PrinterRow, waiting: int = 0) -> PrinterView:
    return PrinterView(
        id=row.id,
        store_id=row.store_id,
        name=row.name,
        kind=row.kind,
        role=row.role,
        paper_mm=row.paper_mm,
        enabled=row.enabled,
        host=row.host,
        port=row.port,
        feie_sn=row.feie_sn,
        feie_key_set=bool(row.feie_key),
        category_ids=tuple(json.loads(row.category_ids)),
        store_default=row.store_default,
        online=row.online,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        offline_since=row.offline_since,
        created_at=row.created_at,
        updated_at=row.updated_at,
        waiting_jobs=waiting,
    )


@dataclass(frozen=True)
class JobView:
    id: str
    printer_id: str
    printer_name: str
    store_id: str
    ticket_id: str
    order_id: str
    order_no: str
    kind: str
    variant: str
    state: str
    attempts: int
    last_error: str
    reprint_of: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None
    next_attempt_at: datetime


def job_view(job: JobRow, printer: PrinterRow, ticket: TicketRow | None) -> JobView:
    return JobView(
        id=job.id,
        printer_id=job.printer_id,
        printer_name=printer.name,
        store_id=job.store_id,
        ticket_id=job.ticket_id or "",
        order_id=ticket.order_id if ticket else "",
        order_no=ticket.order_no if ticket else "",
        kind=ticket.kind if ticket else "",
        variant=job.variant,
        state=job.state,
        attempts=job.attempts,
        last_error=job.last_error,
        reprint_of=job.reprint_of,
        created_at=job.created_at,
        updated_at=job.updated_at,
        printed_at=job.printed_at,
        next_attempt_at=job.next_attempt_at,
    )
