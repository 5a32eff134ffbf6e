"""G1 printers of a store, G5 a product's own printers, G4 a store's queue settings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import DomainError, InvalidInput, NotFound, Unavailable

from ..adapters.feieyun import FeieyunClient
from ..adapters.network import PRINTER_PORTS
from ..adapters.port import PrintFailed, PrintRefused
from ..domain.queue import OFFLINE_AFTER, QUEUED, STALE_AFTER_MAX_MINUTES, STALE_AFTER_MINUTES
from ..domain.routing import PREPARATION, ROLES, TEST
from ..errors import ErrorCode
from ..models import JobRow, PrinterRow, PrintSettingsRow, ProductPrintersRow
from ..queue_signal import announce, wake_local
from .access import Reach, reach_of, require_store
from .views import JobView, PrinterView, job_view, printer_view, waiting_jobs

NETWORK = "network"
FEIEYUN = "feieyun"
KINDS = (NETWORK, FEIEYUN)
PAPERS = (58, 80)
NAME_MAX = 30
IDS_MAX = 100
HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,253}$")
SN = re.compile(r"^[0-9A-Za-z]{4,20}$")


@dataclass(frozen=True)
class PrinterFields:
    store_id: str
    name: str
    kind: str
    role: str
    paper_mm: int
    enabled: bool = True
    host: str = ""
    port: int = 0
    feie_sn: str = ""
    feie_key: str = ""
    category_ids: tuple[str, ...] = ()
    store_default: bool = False


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.PRINTING_INPUT_INVALID, fields=fields)


def check_printer(f: PrinterFields, *, any_port: bool, key_required: bool) -> PrinterFields:
    """The fields as stored, or InvalidInput naming every wrong one."""
    errors: dict[str, str] = {}
    name = " ".join(f.name.split())
    if not f.store_id:
        errors["store_id"] = "validation.required"
    if not name:
        errors["name"] = "validation.required"
    elif len(name) > NAME_MAX:
        errors["name"] = "validation.too_long"
    if f.kind not in KINDS:
        errors["kind"] = "validation.invalid_choice"
    if f.role not in ROLES:
        errors["role"] = "validation.invalid_choice"
    if f.paper_mm not in PAPERS:
        errors["paper_mm"] = "validation.invalid_choice"
    host, port, sn, key = f.host.strip(), f.port or 9100, f.feie_sn.strip(), f.feie_key.strip()
    if f.kind == NETWORK:
        if not host:
            errors["host"] = "validation.required"
        elif not HOST.match(host):
            errors["host"] = "validation.invalid_host"
        if not 1 <= port <= 65535 or (not any_port and port not in PRINTER_PORTS):
            errors["port"] = "validation.printer_port"
        sn = key = ""
    elif f.kind == FEIEYUN:
        if not SN.match(sn):
            errors["feie_sn"] = "validation.required" if not sn else "validation.invalid_format"
        if key_required and not key:
            errors["feie_key"] = "validation.required"
        elif len(key) > 40:
            errors["feie_key"] = "validation.too_long"
        host, port = "", 9100
    categories = tuple(dict.fromkeys(c.strip() for c in f.category_ids if c.strip()))
    if len(categories) > IDS_MAX or any(len(c) > 36 for c in categories):
        errors["category_ids"] = "validation.invalid_ids"
    preparation = f.role in PREPARATION
    if errors:
        raise _invalid(errors)
    return replace(
        f,
        name=name,
        host=host,
        port=port,
        feie_sn=sn,
        feie_key=key,
        category_ids=categories if preparation else (),
        store_default=f.store_default and preparation,
    )


def _register_cloud(feieyun: FeieyunClient, f: PrinterFields) -> None:
    """FeieYun prints only for printers added to the platform's account (Open_printerAddlist)."""
    if not feieyun.configured:
        raise DomainError(ErrorCode.CLOUD_PRINTING_UNAVAILABLE)
    try:
        feieyun.add_printer(f.feie_sn, f.feie_key, f.name)
    except PrintRefused:
        fields = {"feie_key": "validation.cloud_printer_refused"}
        raise InvalidInput(ErrorCode.CLOUD_PRINTER_REFUSED, fields=fields) from None
    except PrintFailed:
        raise Unavailable(ErrorCode.CLOUD_PRINTING_UNAVAILABLE) from None


def _printer(uow: UnitOfWork, actor: Actor, reach: Reach, printer_id: str) -> PrinterRow:
    row = uow.session.scalar(
        select(PrinterRow).where(PrinterRow.tenant_id == actor.tenant_id, PrinterRow.id == printer_id)
    )
    if row is None or not reach.allows(row.store_id):
        raise NotFound(ErrorCode.PRINTER_NOT_FOUND, params={"id": printer_id})
    return row


def _apply(row: PrinterRow, f: PrinterFields, now: datetime) -> None:
    row.store_id, row.name, row.kind, row.role = f.store_id, f.name, f.kind, f.role
    row.paper_mm, row.enabled, row.host, row.port = f.paper_mm, f.enabled, f.host, f.port
    row.feie_sn = f.feie_sn
    if f.feie_key or f.kind != FEIEYUN:
        row.feie_key = f.feie_key
    row.category_ids = json.dumps(list(f.category_ids))
    row.store_default = f.store_default
    row.updated_at = now


def create_printer(
    db: Database, actor: Actor, fields: PrinterFields, *, feieyun: FeieyunClient, any_port: bool, now: datetime
) -> PrinterView:
    require_store(actor, fields.store_id)
    f = check_printer(fields, any_port=any_port, key_required=True)
    if f.kind == FEIEYUN:
        _register_cloud(feieyun, f)  # before the transaction: no transaction waits on the network
    with db.uow() as uow:
        row = PrinterRow(tenant_id=actor.tenant_id, online=True, consecutive_failures=0, last_error="")
        _apply(row, f, now)
        uow.session.add(row)
        uow.commit()
        return printer_view(row)


def update_printer(
    db: Database,
    actor: Actor,
    printer_id: str,
    fields: PrinterFields,
    *,
    feieyun: FeieyunClient,
    any_port: bool,
    now: datetime,
) -> PrinterView:
    reach = reach_of(actor)
    with db.reader() as uow:
        current = _printer(uow, actor, reach, printer_id)
        known = (current.kind, current.feie_sn, bool(current.feie_key))
    require_store(actor, fields.store_id)
    f = check_printer(fields, any_port=any_port, key_required=known[:2] != (FEIEYUN, fields.feie_sn.strip()))
    if f.kind == FEIEYUN and (f.feie_key or known[:2] != (FEIEYUN, f.feie_sn)):
        _register_cloud(feieyun, f)
    with db.uow() as uow:
        row = _printer(uow, actor, reach, printer_id)
        _apply(row, f, now)
        if not row.enabled:
            row.online, row.consecutive_failures, row.offline_since = True, 0, None
        uow.commit()
        return printer_view(row, waiting_jobs(uow.session, [row.id]).get(row.id, 0))


def delete_printer(db: Database, actor: Actor, printer_id: str) -> None:
    reach = reach_of(actor)
    with db.uow() as uow:
        row = _printer(uow, actor, reach, printer_id)
        uow.session.execute(delete(JobRow).where(JobRow.printer_id == row.id))
        uow.session.delete(row)
        uow.commit()


def get_printer(db: Database, actor: Actor, printer_id: str) -> PrinterView:
    reach = reach_of(actor)
    with db.reader() as uow:
        row = _printer(uow, actor, reach, printer_id)
        return printer_view(row, waiting_jobs(uow.session, [row.id]).get(row.id, 0))


def list_printers(db: Database, actor: Actor, store_id: str = "") -> list[PrinterView]:
    reach = require_store(actor, store_id) if store_id else reach_of(actor)
    query = select(PrinterRow).where(PrinterRow.tenant_id == actor.tenant_id)
    if store_id:
        query = query.where(PrinterRow.store_id == store_id)
    elif not reach.all_stores:
        query = query.where(PrinterRow.store_id.in_(sorted(reach.store_ids)))
    with db.reader() as uow:
        rows = uow.session.scalars(query.order_by(PrinterRow.store_id, PrinterRow.role, PrinterRow.created_at)).all()
        waiting = waiting_jobs(uow.session, [r.id for r in rows])
        return [printer_view(r, waiting.get(r.id, 0)) for r in rows]


def queue_test_page(db: Database, actor: Actor, printer_id: str, *, now: datetime) -> JobView:
    """A test page through the queue: the merchant sees it printed, or why not."""
    reach = reach_of(actor)
    with db.uow() as uow:
        printer = _printer(uow, actor, reach, printer_id)
        if not printer.enabled:
            raise DomainError(ErrorCode.PRINTER_DISABLED)
        job = JobRow(
            tenant_id=actor.tenant_id,
            store_id=printer.store_id,
            printer_id=printer.id,
            ticket_id=None,
            variant=TEST,
            line_indexes="[]",
            state=QUEUED,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            remote_id="",
            uncertain=False,
            reprint_of="",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(job)
        announce(uow)
        uow.commit()
        view = job_view(job, printer, None)
    wake_local()
    return view


# --- G5 a product's own printers ---------------------------------------------------------------


@dataclass(frozen=True)
class ProductPrinters:
    store_id: str
    product_id: str
    printer_ids: tuple[str, ...]


def set_product_printers(
    db: Database,
    actor: Actor,
    store_id: str,
    product_id: str,
    printer_ids: list[str],
    *,
    clear: bool,
    now: datetime,
) -> ProductPrinters:
    require_store(actor, store_id)
    product_id = product_id.strip()
    if not product_id or len(product_id) > 36:
        raise _invalid({"product_id": "validation.required" if not product_id else "validation.too_long"})
    wanted = tuple(dict.fromkeys(printer_ids))
    with db.uow() as uow:
        key = (actor.tenant_id, store_id, product_id)
        row = uow.session.get(ProductPrintersRow, key)
        if clear:
            if row is not None:
                uow.session.delete(row)
            uow.commit()
            return ProductPrinters(store_id, product_id, ())
        if wanted:
            found = set(
                uow.session.scalars(
                    select(PrinterRow.id).where(
                        PrinterRow.tenant_id == actor.tenant_id,
                        PrinterRow.store_id == store_id,
                        PrinterRow.id.in_(wanted),
                        PrinterRow.role.in_(PREPARATION),
                    )
                )
            )
            if found != set(wanted):
                raise _invalid({"printer_ids": "validation.preparation_printer"})
        if row is None:
            row = ProductPrintersRow(tenant_id=actor.tenant_id, store_id=store_id, product_id=product_id)
            uow.session.add(row)
        row.printer_ids = json.dumps(list(wanted))
        row.updated_at = now
        uow.commit()
        return ProductPrinters(store_id, product_id, wanted)


def list_product_printers(db: Database, actor: Actor, store_id: str) -> list[ProductPrinters]:
    require_store(actor, store_id)
    with db.reader() as uow:
        rows = uow.session.scalars(
            select(ProductPrintersRow)
            .where(ProductPrintersRow.tenant_id == actor.tenant_id, ProductPrintersRow.store_id == store_id)
            .order_by(ProductPrintersRow.product_id)
        ).all()
        return [ProductPrinters(r.store_id, r.product_id, tuple(json.loads(r.printer_ids))) for r in rows]


def product_printers_of(uow: UnitOfWork, tenant_id: str, store_id: str, product_ids: list[str]) -> dict:
    rows = uow.session.scalars(
        select(ProductPrintersRow).where(
            ProductPrintersRow.tenant_id == tenant_id,
            ProductPrintersRow.store_id == store_id,
            ProductPrintersRow.product_id.in_(product_ids),
        )
    ).all()
    return {r.product_id: tuple(json.loads(r.printer_ids)) for r in rows}


# --- G4 a store's queue settings ----------------------------------------------------------------


@dataclass(frozen=True)
class StoreSettings:
    store_id: str
    stale_after_minutes: int = STALE_AFTER_MINUTES
    offline_after_failures: int = OFFLINE_AFTER
    auto_print: bool = True
    # Off until the merchant turns it on: accepting an order commits the store to it.
    auto_accept: bool = False


def settings_of(uow: UnitOfWork, tenant_id: str, store_id: str) -> StoreSettings:
    row = uow.session.get(PrintSettingsRow, (tenant_id, store_id))
    if row is None:
        return StoreSettings(store_id)
    return StoreSettings(store_id, row.stale_after_minutes, row.offline_after_failures, row.auto_print, row.auto_accept)


def get_settings(db: Database, actor: Actor, store_id: str) -> StoreSettings:
    require_store(actor, store_id)
    with db.reader() as uow:
        return settings_of(uow, actor.tenant_id, store_id)


def update_settings(db: Database, actor: Actor, wanted: StoreSettings, *, now: datetime) -> StoreSettings:
    require_store(actor, wanted.store_id)
    errors = {}
    if not 1 <= wanted.stale_after_minutes <= STALE_AFTER_MAX_MINUTES:
        errors["stale_after_minutes"] = "validation.out_of_range"
    if not 1 <= wanted.offline_after_failures <= 20:
        errors["offline_after_failures"] = "validation.out_of_range"
    if errors:
        raise _invalid(errors)
    with db.uow() as uow:
        row = uow.session.get(PrintSettingsRow, (actor.tenant_id, wanted.store_id))
        if row is None:
            row = PrintSettingsRow(tenant_id=actor.tenant_id, store_id=wanted.store_id)
            uow.session.add(row)
        row.stale_after_minutes = wanted.stale_after_minutes
        row.offline_after_failures = wanted.offline_after_failures
        row.auto_print = wanted.auto_print
        row.auto_accept = wanted.auto_accept
        row.updated_at = now
        uow.commit()
        return wanted
