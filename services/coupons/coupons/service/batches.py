"""Physical coupons (E3): make a batch of unique, unguessable codes (printable as .xlsx), issue
it, then hand coupons out to a store or sell them to a corporate buyer; a stock ledger per batch
(made / issued / handed out / sold / redeemed). Printed coupons are redeemed like any other.

Making 100,000 codes is a long write, so it leaves the request (ADR 0009): `make_batch` records
the batch as `making` with a `coupon_batch_requested` event; the worker's `fill_batch` writes the
codes in short transactions of CHUNK rows, each under the batch row's lock and advancing its
`filled` count, so a redelivered event goes on where a crashed one stopped and no transaction
holds the database (SQLite's one write lock in the embedded mode) for more than a moment."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import func, insert, select, update

from coupons import events
from coupons.domain import codes
from coupons.domain.redemption import ACTIVE, MADE, REDEEMED, STOCKED
from coupons.domain.templates import validity_for
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponBatchMovementRow, CouponBatchRow, CouponRow
from coupons.service.templates import load_template, require_manager, template_of
from crmkit.auth import STAFF, Actor
from crmkit.db import Database, UnitOfWork, new_id
from crmkit.errors import Conflict, InvalidInput, NotFound

MAX_BATCH = 100_000
BATCH = "batch"
MAKING = "making"  # codes being written by the worker
READY = "made"  # every code written: printable, not yet released
HANDED_OUT = "handed_out"
SOLD = "sold"
# Each movement of a batch's codes, and the event that tells it.
MOVED = {
    "made": events.coupon_batch_made,
    "issued": events.coupon_batch_issued,
    HANDED_OUT: events.coupon_batch_handed_out,
    SOLD: events.coupon_batch_sold,
}
# Codes written per transaction: short enough that other writers barely wait (~0.1 s on SQLite).
CHUNK = 2_000


@dataclass(frozen=True)
class Movement:
    kind: str
    quantity: int
    store_id: str
    buyer: str
    first_serial: int
    last_serial: int
    at: datetime


@dataclass(frozen=True)
class BatchView:
    id: str
    template_id: str
    quantity: int
    status: str
    made: int
    issued: int
    handed_out: int
    sold: int
    redeemed: int
    in_stock: int
    movements: tuple[Movement, ...]


def _load(session, tenant_id: str, batch_id: str, *, lock: bool = False) -> CouponBatchRow:
    query = select(CouponBatchRow).where(CouponBatchRow.tenant_id == tenant_id, CouponBatchRow.id == batch_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(ErrorCode.COUPON_BATCH_NOT_FOUND)
    return row


def _require_made(batch: CouponBatchRow) -> None:
    if batch.status == MAKING:
        raise Conflict(
            ErrorCode.COUPON_BATCH_NOT_READY,
            params={"filled": batch.filled, "quantity": batch.quantity},
        )


def _view(session, batch: CouponBatchRow) -> BatchView:
    moves = session.scalars(
        select(CouponBatchMovementRow)
        .where(CouponBatchMovementRow.batch_id == batch.id)
        .order_by(CouponBatchMovementRow.created_at, CouponBatchMovementRow.first_serial)
    ).all()
    totals = {kind: sum(m.quantity for m in moves if m.kind == kind) for kind in ("issued", HANDED_OUT, SOLD)}
    redeemed = session.scalar(
        select(func.count()).select_from(CouponRow).where(CouponRow.batch_id == batch.id, CouponRow.status == REDEEMED)
    )
    return BatchView(
        batch.id,
        batch.template_id,
        batch.quantity,
        batch.status,
        batch.filled,
        totals["issued"],
        totals[HANDED_OUT],
        totals[SOLD],
        redeemed,
        totals["issued"] - totals[HANDED_OUT] - totals[SOLD],
        tuple(
            Movement(m.kind, m.quantity, m.store_id, m.buyer, m.first_serial, m.last_serial, m.created_at)
            for m in moves
        ),
    )


def _move(uow, actor, batch, kind, quantity, first, last, now, *, store_id="", buyer=""):
    uow.session.add(
        CouponBatchMovementRow(
            tenant_id=actor.tenant_id,
            batch_id=batch.id,
            kind=kind,
            quantity=quantity,
            store_id=store_id,
            buyer=buyer,
            first_serial=first,
            last_serial=last,
            staff_id=actor.staff_id,
            created_at=now,
        )
    )
    moved = MOVED[kind](batch, quantity, first, last, store_id=store_id, buyer=buyer)
    uow.publish(moved, actor.tenant_id)


def make_batch(uow: UnitOfWork, actor: Actor, template_id: str, quantity: int, *, now: datetime) -> BatchView:
    """Record the batch as `making`; the codes are written by `fill_batch` (the worker)."""
    require_manager(actor)
    if not 1 <= quantity <= MAX_BATCH:
        raise InvalidInput(ErrorCode.COUPON_BATCH_INVALID, fields={"quantity": "validation.invalid"})
    with uow:
        template = load_template(uow.session, actor.tenant_id, template_id)
        batch = CouponBatchRow(
            tenant_id=actor.tenant_id,
            template_id=template.id,
            quantity=quantity,
            filled=0,
            status=MAKING,
            created_by=actor.staff_id,
            created_at=now,
        )
        uow.session.add(batch)
        uow.session.flush()
        uow.publish(events.coupon_batch_requested(batch.id, quantity), actor.tenant_id)
        view = _view(uow.session, batch)
        uow.commit()
    return view


def _fill_chunk(uow: UnitOfWork, tenant_id: str, batch_id: str) -> bool:
    """Write the batch's next CHUNK codes; False once there is nothing left to write."""
    with uow:
        # The row lock orders two deliveries of one request: serials never repeat.
        batch = _load(uow.session, tenant_id, batch_id, lock=True)
        if batch.status != MAKING or batch.filled >= batch.quantity:
            return False
        template = load_template(uow.session, tenant_id, batch.template_id)
        valid_from, valid_until = validity_for(template_of(template), batch.created_at)
        count = min(CHUNK, batch.quantity - batch.filled)
        # Distinct within the chunk here; the unique index on code guards against every other
        # (a collision fails the chunk and the redelivery draws new codes).
        chunk_codes: set[str] = set()
        while len(chunk_codes) < count:
            chunk_codes.add(codes.new_code())
        rows = [
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "created_at": batch.created_at,
                "template_id": template.id,
                "code": code,
                "customer_id": "",
                "phone": "",
                "holder": "",
                "channel": BATCH,
                "status": MADE,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "discount_fen": 0,
                "batch_id": batch.id,
                "serial": serial,
            }
            for serial, code in enumerate(chunk_codes, start=batch.filled + 1)
        ]
        uow.session.execute(insert(CouponRow.__table__), rows)
        batch.filled += count
        uow.commit()
        return True


def fill_batch(db: Database, tenant_id: str, batch_id: str, *, now: datetime) -> bool:
    """Write a `making` batch's codes in short transactions, then mark it made (ledger entry and
    `coupon_batch_made`). Safe to run again at any point: True when this call finished it."""
    while _fill_chunk(db.uow(), tenant_id, batch_id):
        pass
    with db.uow() as uow:
        batch = _load(uow.session, tenant_id, batch_id, lock=True)
        if batch.status != MAKING:
            return False
        batch.status = READY
        maker = Actor(kind=STAFF, subject_id=batch.created_by, tenant_id=tenant_id)
        _move(uow, maker, batch, "made", batch.quantity, 1, batch.quantity, now)
        uow.commit()
        return True


def issue_batch(uow: UnitOfWork, actor: Actor, batch_id: str, *, now: datetime) -> BatchView:
    """Release a made batch for hand-out and sale (the printed coupons exist)."""
    require_manager(actor)
    with uow:
        batch = _load(uow.session, actor.tenant_id, batch_id, lock=True)
        _require_made(batch)
        if batch.status != READY:
            raise Conflict(ErrorCode.COUPON_BATCH_ALREADY_ISSUED)
        uow.session.execute(
            update(CouponRow).where(CouponRow.batch_id == batch.id, CouponRow.status == MADE).values(status=STOCKED)
        )
        batch.status = "issued"
        batch.issued_at = now
        _move(uow, actor, batch, "issued", batch.quantity, 1, batch.quantity, now)
        view = _view(uow.session, batch)
        uow.commit()
    return view


def _release(
    uow: UnitOfWork, actor: Actor, batch_id: str, quantity: int, kind: str, *, store_id="", buyer="", now: datetime
) -> BatchView:
    """The next `quantity` coupons in stock (lowest serials: the printed order) become usable."""
    require_manager(actor)
    fields = {}
    if quantity <= 0:
        fields["quantity"] = "validation.invalid"
    if kind == HANDED_OUT and not store_id.strip():
        fields["store_id"] = "validation.required"
    if kind == SOLD and not buyer.strip():
        fields["buyer"] = "validation.required"
    elif len(buyer) > 60:
        fields["buyer"] = "validation.too_long"
    if fields:
        raise InvalidInput(ErrorCode.COUPON_BATCH_INVALID, fields=fields)
    with uow:
        # The batch row lock serialises hand-outs and sales of one batch: no coupon goes twice.
        batch = _load(uow.session, actor.tenant_id, batch_id, lock=True)
        if batch.status != "issued":
            raise Conflict(ErrorCode.COUPON_BATCH_NOT_ISSUED)
        first = uow.session.scalar(
            select(func.min(CouponRow.serial)).where(CouponRow.batch_id == batch.id, CouponRow.status == STOCKED)
        )
        in_stock = uow.session.scalar(
            select(func.count())
            .select_from(CouponRow)
            .where(CouponRow.batch_id == batch.id, CouponRow.status == STOCKED)
        )
        if first is None or in_stock < quantity:
            raise Conflict(ErrorCode.COUPON_BATCH_OUT_OF_STOCK, params={"left": in_stock})
        last = first + quantity - 1
        template = load_template(uow.session, actor.tenant_id, batch.template_id)
        valid_from, valid_until = validity_for(template_of(template), now)
        holder = f"s:{store_id}" if kind == HANDED_OUT else f"b:{buyer.strip()}"
        uow.session.execute(
            update(CouponRow)
            .where(CouponRow.batch_id == batch.id, CouponRow.serial.between(first, last), CouponRow.status == STOCKED)
            .values(
                status=ACTIVE,
                channel="handout" if kind == HANDED_OUT else "sale",
                holder=holder,
                store_id=store_id or None,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
        _move(uow, actor, batch, kind, quantity, first, last, now, store_id=store_id, buyer=buyer.strip())
        view = _view(uow.session, batch)
        uow.commit()
    return view


def hand_out(uow, actor, batch_id: str, store_id: str, quantity: int, *, now: datetime) -> BatchView:
    return _release(uow, actor, batch_id, quantity, HANDED_OUT, store_id=store_id, now=now)


def sell(uow, actor, batch_id: str, buyer: str, quantity: int, *, now: datetime) -> BatchView:
    return _release(uow, actor, batch_id, quantity, SOLD, buyer=buyer, now=now)


def get_batch(uow: UnitOfWork, actor: Actor, batch_id: str) -> BatchView:
    require_manager(actor)
    with uow:
        return _view(uow.session, _load(uow.session, actor.tenant_id, batch_id))


def export_batch(uow: UnitOfWork, actor: Actor, batch_id: str) -> bytes:
    """The batch as an .xlsx for the printer: serial, code, QR payload."""
    require_manager(actor)
    with uow:
        batch = _load(uow.session, actor.tenant_id, batch_id)
        _require_made(batch)
        rows = uow.session.execute(
            select(CouponRow.serial, CouponRow.code).where(CouponRow.batch_id == batch.id).order_by(CouponRow.serial)
        ).all()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("券号")
    # Three short columns: 100,000 rows stay well under the 8 MiB gRPC message limit (~3 MB).
    sheet.append(["序号", "券号", "二维码内容"])
    for serial, code in rows:
        sheet.append([serial, code, codes.qr_payload(code)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
