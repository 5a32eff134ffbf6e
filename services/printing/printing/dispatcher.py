"""G4: the print queue's worker, a loop beside the gRPC server (ServiceRuntime.background).

Each round claims the due jobs in one short transaction (one job per printer, so a printer prints
its tickets in order; FOR UPDATE SKIP LOCKED keeps two replicas off the same job), sends them with
no transaction open (a thread per printer: an unreachable printer's timeout delays no other), and
records each outcome in a transaction of its own: printed; given to the cloud (asked later whether
it printed); retried with back-off; failed for good; or, for a job older than its store's limit,
stale. The printer's failures in a row are counted there, and the one that reaches the store's
threshold marks it offline and publishes `printer_offline` (messaging tells the store's managers).

Queued jobs wake the loop (queue_signal: PostgreSQL's NOTIFY from whichever process queued them,
the worker's paid orders included, or directly within this process); otherwise it looks every
`interval` seconds (retries coming due, a wake-up lost while its LISTEN connection was down).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from crmkit.db import Database, utcnow

from .adapters.feieyun import FeieyunClient
from .adapters.network import NetworkPrinters
from .adapters.port import PrintFailed, PrintRefused, PrintUncertain
from .domain import layout, render
from .domain.queue import (
    CONFIRM_SECONDS,
    FAILED,
    LEASE_SECONDS,
    OFFLINE_AFTER,
    OPEN,
    PRINTED,
    PRINTING,
    QUEUED,
    STALE,
    backoff,
    goes_offline,
    is_stale,
)
from .domain.routing import SLIP, TEST
from .domain.tickets import Ticket
from .events import printer_offline
from .metrics import JOBS, OFFLINE, SEND_SECONDS
from .models import JobRow, PrinterRow, PrintSettingsRow, TicketRow
from .queue_signal import Listener, listen_url, subscribe, unsubscribe
from .service.printers import FEIEYUN

log = logging.getLogger(__name__)

SEND = "send"
CONFIRM = "confirm"
# A test page is for an answer now: after this many failed attempts it fails instead of waiting.
TEST_ATTEMPTS = 3
CLAIM_LIMIT = 100

# Outcomes of one attempt.
DONE = "printed"
SENT = "sent"
WAITING = "waiting"
RETRY = "retried"
UNCERTAIN = "uncertain"
REFUSED = "failed"


@dataclass(frozen=True)
class Task:
    job_id: str
    printer_id: str
    action: str
    kind: str
    host: str
    port: int
    feie_sn: str
    printer_name: str
    role: str
    paper_mm: int
    variant: str
    line_indexes: tuple[int, ...]
    ticket_json: str
    created_at: datetime
    reprint: bool
    remote_id: str
    uncertain: bool
    remote_count_before: int | None
    stale_after_minutes: int
    offline_after: int


@dataclass(frozen=True)
class Result:
    outcome: str
    error: str = ""
    remote_id: str = ""
    count_before: int | None = None


def document(task: Task) -> layout.Document:
    if task.variant == TEST:
        return layout.self_test_page(task.printer_name, task.paper_mm, task.created_at)
    ticket = Ticket.from_json(task.ticket_json)
    if task.variant == SLIP:
        lines = tuple(ticket.lines[i] for i in task.line_indexes if i < len(ticket.lines))
        return layout.slip(ticket, lines, task.paper_mm, task.role, reprint=task.reprint)
    return layout.receipt(ticket, task.paper_mm, reprint=task.reprint)


def beijing_date(at: datetime) -> str:
    return at.astimezone(layout.CHINA).strftime("%Y-%m-%d")


class Dispatcher:
    def __init__(
        self,
        db: Database,
        *,
        network: NetworkPrinters,
        feieyun: FeieyunClient,
        clock: Callable[[], datetime] = utcnow,
        interval: float = 1.0,
        threads: int = 8,
    ):
        self.db = db
        self.network = network
        self.feieyun = feieyun
        self.clock = clock
        self.interval = interval
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="print-send")
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listener: Listener | None = None

    # --- the loop (ServiceRuntime.background: start() -> self, stop()) ---

    def start(self) -> Dispatcher:
        if self._thread is None:
            self._stopping.clear()
            subscribe(self.wake)
            url = listen_url(self.db)
            if url is not None:
                self.listener = Listener(url, self.wake).start()
            self._thread = threading.Thread(target=self._loop, name="print-dispatcher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        unsubscribe(self.wake)
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = self.run_once()
            except Exception:
                log.exception("print dispatcher round failed; the next round tries again")
                handled = 0
            if handled:
                continue
            self._wake.wait(self.interval)
            self._wake.clear()

    # --- one round ---

    def run_once(self, now: datetime | None = None) -> int:
        """Claim the due jobs, send them, record the outcomes; the number of jobs acted on."""
        tasks = self.claim(now or self.clock())
        if not tasks:
            return 0
        results = list(self._pool.map(self.perform, tasks))
        for task, result in zip(tasks, results, strict=True):
            try:
                self.record(task, result, now or self.clock())
            except Exception:
                # Left "printing" under its lease: taken back when the lease ends.
                log.exception("recording print job %s failed", task.job_id)
        return len(tasks)

    def claim(self, now: datetime) -> list[Task]:
        with self.db.uow() as uow:
            s = uow.session
            sending = set(
                s.scalars(
                    select(JobRow.printer_id).where(
                        JobRow.state == PRINTING, JobRow.remote_id == "", JobRow.next_attempt_at > now
                    )
                )
            )
            rows = s.execute(
                select(JobRow, PrinterRow)
                .join(PrinterRow, PrinterRow.id == JobRow.printer_id)
                .where(JobRow.state.in_(OPEN), JobRow.next_attempt_at <= now, PrinterRow.enabled.is_(True))
                .order_by(JobRow.created_at, JobRow.id)
                .limit(CLAIM_LIMIT)
                .with_for_update(of=JobRow, skip_locked=True)
            ).all()
            settings = self._settings(s, {(j.tenant_id, j.store_id) for j, _ in rows})
            tickets = self._tickets(s, {j.ticket_id for j, _ in rows if j.ticket_id})
            tasks: list[Task] = []
            for job, printer in rows:
                stale_after, offline_after = settings.get((job.tenant_id, job.store_id), (None, OFFLINE_AFTER))
                stale_after = stale_after or 30
                if job.variant != TEST and is_stale(job.created_at, now, stale_after):
                    # After an outage: listed for a reprint, not printed by itself.
                    job.state, job.updated_at = STALE, now
                    job.last_error = job.last_error or "stale"
                    JOBS.labels(printer.kind, STALE).inc()
                    continue
                confirming = job.state == PRINTING and job.remote_id != ""
                if not confirming and printer.id in sending:
                    continue  # one send per printer at a time: its tickets come out in order
                if job.state == PRINTING and not confirming and printer.kind == FEIEYUN:
                    job.uncertain = True  # its sender stopped mid-way: ask the cloud first
                action = CONFIRM if confirming else SEND
                if action == SEND:
                    sending.add(printer.id)
                    job.attempts += 1
                job.state = PRINTING
                job.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
                job.updated_at = now
                tasks.append(
                    Task(
                        job_id=job.id,
                        printer_id=printer.id,
                        action=action,
                        kind=printer.kind,
                        host=printer.host,
                        port=printer.port,
                        feie_sn=printer.feie_sn,
                        printer_name=printer.name,
                        role=printer.role,
                        paper_mm=printer.paper_mm,
                        variant=job.variant,
                        line_indexes=tuple(json.loads(job.line_indexes)),
                        ticket_json=tickets.get(job.ticket_id or "", ""),
                        created_at=job.created_at,
                        reprint=bool(job.reprint_of),
                        remote_id=job.remote_id,
                        uncertain=job.uncertain,
                        remote_count_before=job.remote_count_before,
                        stale_after_minutes=stale_after,
                        offline_after=offline_after,
                    )
                )
            uow.commit()
            return tasks

    @staticmethod
    def _settings(session, stores: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
        found = {}
        for tenant_id, store_id in stores:
            row = session.get(PrintSettingsRow, (tenant_id, store_id))
            if row is not None:
                found[(tenant_id, store_id)] = (row.stale_after_minutes, row.offline_after_failures)
        return found

    @staticmethod
    def _tickets(session, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        return dict(session.execute(select(TicketRow.id, TicketRow.payload).where(TicketRow.id.in_(ids))).all())

    # --- one attempt, no transaction open ---

    def perform(self, task: Task) -> Result:
        try:
            if task.kind == FEIEYUN:
                return self._feieyun(task)
            self.network.send(task.host, task.port, render.escpos(document(task)))
            return Result(DONE)
        except PrintUncertain as exc:
            return Result(UNCERTAIN, str(exc), count_before=task.remote_count_before)
        except PrintRefused as exc:
            return Result(REFUSED, str(exc))
        except PrintFailed as exc:
            return Result(RETRY, str(exc))
        except Exception as exc:  # a bug must not leave the job claimed until its lease ends
            log.exception("print job %s", task.job_id)
            return Result(RETRY, f"{exc.__class__.__name__}: {exc}"[:300])

    def _feieyun(self, task: Task) -> Result:
        if not self.feieyun.configured:
            return Result(REFUSED, "FeieYun is not configured (FEIEYUN_USER, FEIEYUN_UKEY)")
        if task.action == CONFIRM:
            printed = self.feieyun.order_printed(task.remote_id)
            return Result(DONE if printed else WAITING, remote_id=task.remote_id)
        today = beijing_date(self.clock())
        # The last send timed out: did the cloud take it? Then it is not sent again.
        uncertain = task.uncertain and task.remote_count_before is not None
        if uncertain and self.feieyun.day_count(task.feie_sn, today) > task.remote_count_before:
            return Result(DONE, "timed out, but the cloud had taken it")
        before = self.feieyun.day_count(task.feie_sn, today)
        expired = None
        if task.variant != TEST:
            expired = task.created_at + timedelta(minutes=task.stale_after_minutes)
        try:
            order_id = self.feieyun.print_msg(task.feie_sn, render.feie(document(task)), expired=expired)
        except PrintUncertain as exc:
            return Result(UNCERTAIN, str(exc), count_before=before)
        return Result(SENT, remote_id=order_id)

    # --- the outcome ---

    def record(self, task: Task, result: Result, now: datetime) -> None:
        with self.db.uow() as uow:
            s = uow.session
            job = s.get(JobRow, task.job_id)
            printer = s.get(PrinterRow, task.printer_id)
            if job is None or printer is None or job.state != PRINTING:
                return  # deleted with its printer meanwhile
            job.updated_at = now
            JOBS.labels(task.kind, result.outcome).inc()
            if result.outcome == DONE:
                job.state, job.printed_at, job.last_error = PRINTED, now, result.error
                job.uncertain, job.remote_count_before = False, None
                SEND_SECONDS.labels(task.kind).observe(max((now - job.created_at).total_seconds(), 0))
                self._printer_ok(printer, now)
            elif result.outcome == SENT:
                job.remote_id, job.uncertain, job.remote_count_before = result.remote_id, False, None
                job.next_attempt_at = now + timedelta(seconds=CONFIRM_SECONDS)
                SEND_SECONDS.labels(task.kind).observe(max((now - job.created_at).total_seconds(), 0))
                self._printer_ok(printer, now)
            elif result.outcome == WAITING:
                # In the cloud's queue (its printer may be off): asked again, less and less often.
                job.next_attempt_at = now + backoff(job.attempts + 1, base=CONFIRM_SECONDS, cap=30)
                job.attempts += 1
            elif result.outcome == REFUSED or (task.variant == TEST and job.attempts >= TEST_ATTEMPTS):
                job.state, job.last_error = FAILED, result.error
                self._printer_failed(uow, printer, result.error, task.offline_after, now)
            else:  # RETRY, UNCERTAIN
                job.state, job.last_error = QUEUED, result.error
                job.next_attempt_at = now + backoff(job.attempts)
                if result.outcome == UNCERTAIN:
                    job.uncertain, job.remote_count_before = True, result.count_before
                self._printer_failed(uow, printer, result.error, task.offline_after, now)
            uow.commit()

    @staticmethod
    def _printer_ok(printer: PrinterRow, now: datetime) -> None:
        if printer.consecutive_failures or not printer.online:
            printer.consecutive_failures, printer.online, printer.offline_since = 0, True, None
            printer.last_error, printer.updated_at = "", now

    @staticmethod
    def _printer_failed(uow, printer: PrinterRow, error: str, offline_after: int, now: datetime) -> None:
        printer.consecutive_failures += 1
        printer.last_error, printer.updated_at = error[:300], now
        if goes_offline(printer.online, printer.consecutive_failures, threshold=offline_after):
            printer.online, printer.offline_since = False, now
            waiting = uow.session.scalar(
                select(func.count()).where(JobRow.printer_id == printer.id, JobRow.state.in_(OPEN))
            )
            uow.publish(printer_offline(printer, waiting), printer.tenant_id)
            OFFLINE.labels(printer.kind).inc()
            log.warning("printer %s (%s) offline: %s", printer.id, printer.name, error)
