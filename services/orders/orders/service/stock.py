"""Stock levels and their movement ledger (B1, B2, B3).

Every change locks the level rows it touches (SELECT … FOR UPDATE) in product-id order, so two
shipments sharing products wait for each other instead of deadlocking, and writes one immutable
movement row per product.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from orders.domain.catalogue import check_stock_take
from orders.domain.lines import quantities_by_product
from orders.domain.stock import STOCK_TAKE
from orders.errors import ErrorCode
from orders.models import ProductRow, StockMovementRow, StockRow
from orders.service.access import STOCK_ROLES, require_role
from orders.service.catalogue import product_not_found
from orders.service.views import StockLevelView


def _ensure_rows(session: Session, tenant_id: str, store_id: str, product_ids: list[str], now: datetime) -> None:
    """A product never stocked in this store has no row yet; create it at zero. A concurrent
    creator wins the unique constraint and the savepoint keeps our transaction usable."""
    existing = set(
        session.scalars(
            select(StockRow.product_id).where(
                StockRow.tenant_id == tenant_id, StockRow.store_id == store_id, StockRow.product_id.in_(product_ids)
            )
        )
    )
    for product_id in product_ids:
        if product_id in existing:
            continue
        try:
            with session.begin_nested():
                session.add(
                    StockRow(tenant_id=tenant_id, product_id=product_id, store_id=store_id, quantity=0, created_at=now)
                )
        except IntegrityError:
            pass


def lock_levels(
    session: Session, tenant_id: str, store_id: str, product_ids: list[str], now: datetime
) -> dict[str, StockRow]:
    """The level rows of these products in this store, locked, created at zero if missing."""
    ordered = sorted(set(product_ids))
    _ensure_rows(session, tenant_id, store_id, ordered, now)
    rows = session.scalars(
        select(StockRow)
        .where(StockRow.tenant_id == tenant_id, StockRow.store_id == store_id, StockRow.product_id.in_(ordered))
        .order_by(StockRow.product_id)
        .with_for_update()
    ).all()
    return {r.product_id: r for r in rows}


def record_move(
    session: Session,
    row: StockRow,
    after: int,
    *,
    reason: str,
    actor_id: str,
    now: datetime,
    document_id: str | None = None,
    note: str = "",
) -> None:
    session.add(
        StockMovementRow(
            tenant_id=row.tenant_id,
            product_id=row.product_id,
            store_id=row.store_id,
            delta=after - row.quantity,
            quantity_after=after,
            reason=reason,
            document_id=document_id,
            note=note,
            actor_id=actor_id,
            created_at=now,
        )
    )
    row.quantity = after


def move_all(
    session: Session,
    new_levels: Mapping[str, int],
    rows: Mapping[str, StockRow],
    *,
    reason: str,
    actor_id: str,
    document_id: str,
    now: datetime,
) -> None:
    for product_id in sorted(new_levels):
        record_move(
            session,
            rows[product_id],
            new_levels[product_id],
            reason=reason,
            actor_id=actor_id,
            document_id=document_id,
            now=now,
        )


def move_lines(
    session: Session,
    actor: Actor,
    store_id: str,
    lines: Sequence,
    level_after: Callable[[str, int, int], int],
    *,
    reason: str,
    document_id: str,
    now: datetime,
) -> None:
    """A document's goods in or out of its store (a shipment, a verified hand-over, a return
    received): its lines summed per product, the levels locked in product order, and one movement
    per product to `level_after(product_id, level, quantity)`, judged in product order (so the
    first short product is the one named)."""
    wanted = quantities_by_product([(line.product_id, line.quantity) for line in lines])
    levels = lock_levels(session, actor.tenant_id, store_id, list(wanted), now)
    after = {pid: level_after(pid, levels[pid].quantity, quantity) for pid, quantity in sorted(wanted.items())}
    move_all(session, after, levels, reason=reason, actor_id=actor.subject_id, document_id=document_id, now=now)


def set_stock(
    uow: UnitOfWork, actor: Actor, product_id: str, store_id: str, quantity: int, reason: str, *, now: datetime
) -> StockLevelView:
    """A stock take: the counted quantity becomes the level; the movement keeps the difference."""
    staff_id = require_role(actor, STOCK_ROLES, ErrorCode.STOCK_MANAGE_DENIED)
    note = check_stock_take(quantity, reason)
    if not store_id:
        raise InvalidInput(ErrorCode.CATALOGUE_INPUT_INVALID, fields={"store_id": "validation.required"})
    with uow:
        product = uow.session.scalar(
            select(ProductRow.id).where(
                ProductRow.tenant_id == actor.tenant_id, ProductRow.id == product_id, ProductRow.archived.is_(False)
            )
        )
        if product is None:
            raise product_not_found(product_id)
        row = lock_levels(uow.session, actor.tenant_id, store_id, [product_id], now)[product_id]
        record_move(uow.session, row, quantity, reason=STOCK_TAKE, actor_id=staff_id, now=now, note=note)
        uow.commit()
        return StockLevelView(product_id, store_id, row.quantity)
