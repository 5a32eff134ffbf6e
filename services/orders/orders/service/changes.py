"""The orders service's change log (A1): who changed which product, order or return, when, and
its changed fields before and after. Every use case that changes one adds its row here, in its
own transaction; the log is read, newest first, by whoever may read the object itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, select
from sqlalchemy.orm import Session

from crmkit import changelog
from crmkit.auth import Actor
from crmkit.changelog import Author, Change
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import NotFound
from crmkit.paging import Page
from orders.errors import ErrorCode
from orders.models import ChangeRow, OrderRow, ProductRow, ReturnRow
from orders.service.access import require_reader
from orders.service.scoping import document_allowed

PRODUCT = "product"
ORDER = "order"
RETURN = "return"


def product_snapshot(row: ProductRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "barcode": row.barcode,
        "category_id": row.category_id,
        "brand": row.brand,
        "unit": row.unit,
        "wholesale_price_fen": row.wholesale_price_fen,
        "level_prices": dict(row.level_prices or {}),
        "kind": row.kind,
        "listed": bool(row.listed),
        "archived": bool(row.archived),
    }


def order_snapshot(row: OrderRow) -> dict[str, Any]:
    """What moves on an order after it is placed (its lines never change)."""
    return {
        "status": row.status,
        "total_fen": row.total_fen,
        "debt_fen": row.debt_fen,
        "reject_reason": row.reject_reason,
        "verified_at": row.verified_at,
    }


def placed_order_snapshot(row: OrderRow, lines) -> dict[str, Any]:
    """The whole order as it was placed: what it was, for whom, at which prices."""
    return {
        **order_snapshot(row),
        "number": row.number,
        "customer_id": row.customer_id,
        "store_id": row.store_id,
        "salesperson_id": row.salesperson_id,
        "discount_fen": row.discount_fen,
        "note": row.note,
        "lines": [
            {"product_id": li.product_id, "quantity": li.quantity, "unit_price_fen": li.unit_price_fen} for li in lines
        ],
    }


def return_snapshot(row: ReturnRow) -> dict[str, Any]:
    return {
        "status": row.status,
        "total_fen": row.total_fen,
        "reject_reason": row.reject_reason,
        "refund_method": row.refund_method,
        "debt_reduced_fen": row.debt_reduced_fen,
        "paid_back_fen": row.paid_back_fen,
    }


def placed_return_snapshot(row: ReturnRow, lines) -> dict[str, Any]:
    """The whole return as it was taken: for whom, where, which goods at which prices."""
    return {
        **return_snapshot(row),
        "number": row.number,
        "customer_id": row.customer_id,
        "store_id": row.store_id,
        "note": row.note,
        "lines": [
            {"product_id": li.product_id, "quantity": li.quantity, "unit_price_fen": li.unit_price_fen} for li in lines
        ],
    }


def log_change(
    session: Session,
    by: Author | Actor,
    object_type: str,
    row,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """One row in the caller's transaction; with both snapshots, only the fields that changed
    (and nothing when none did)."""
    return changelog.record(
        session,
        ChangeRow,
        changelog.author(by) if isinstance(by, Actor) else by,
        tenant_id=row.tenant_id,
        object_type=object_type,
        object_id=row.id,
        action=action,
        before=before,
        after=after,
        now=now,
    )


# Built once: an order placed writes its change-log row with Core (log_created).
_INSERT_CHANGE = insert(ChangeRow.__table__)


def log_created(
    conn: Connection, actor: Actor, object_type: str, row, action: str, after: dict[str, Any], *, now: datetime
) -> None:
    """log_change of a new object (no `before`) on a Core connection, in its transaction."""
    values = changelog.entry(
        changelog.author(actor),
        tenant_id=row.tenant_id,
        object_type=object_type,
        object_id=row.id,
        action=action,
        before=None,
        after=after,
    )
    conn.execute(_INSERT_CHANGE, {**values, "id": new_id(), "created_at": now})


def _read(uow: UnitOfWork, actor: Actor, object_type: str, object_id: str, page: Page, *, known) -> tuple:
    with uow:
        session = uow.session
        if not known(session):
            raise NOT_FOUND[object_type](object_id)
        return changelog.changes_of(session, ChangeRow, actor.tenant_id, object_type, object_id, page)


def list_product_changes(uow: UnitOfWork, actor: Actor, product_id: str, page: Page) -> tuple[list[Change], int]:
    """Any staff member reads the catalogue, so its log too. An archived product keeps its log
    (orders still point at it), and so does a deleted one: its last entry says who deleted it."""
    require_reader(actor)

    def known(session: Session) -> bool:
        exists_now = exists().where(ProductRow.tenant_id == actor.tenant_id, ProductRow.id == product_id)
        logged = exists().where(
            ChangeRow.tenant_id == actor.tenant_id, ChangeRow.object_type == PRODUCT, ChangeRow.object_id == product_id
        )
        return bool(session.scalar(select(exists_now | logged)))

    return _read(uow, actor, PRODUCT, product_id, page, known=known)


def list_order_changes(uow: UnitOfWork, actor: Actor, order_id: str, page: Page) -> tuple[list[Change], int]:
    """Scoped like the order (orders.domain.scope): one the caller may not see is NOT_FOUND."""
    return _read(uow, actor, ORDER, order_id, page, known=_document_known(actor, OrderRow, order_id))


def list_return_changes(uow: UnitOfWork, actor: Actor, return_id: str, page: Page) -> tuple[list[Change], int]:
    """Scoped like the return: one the caller may not see is NOT_FOUND."""
    return _read(uow, actor, RETURN, return_id, page, known=_document_known(actor, ReturnRow, return_id))


def _document_known(actor: Actor, model, document_id: str):
    def known(session: Session) -> bool:
        row = session.scalar(select(model).where(model.tenant_id == actor.tenant_id, model.id == document_id))
        return row is not None and document_allowed(actor, row)

    return known


NOT_FOUND = {
    PRODUCT: lambda i: NotFound(ErrorCode.PRODUCT_NOT_FOUND, params={"id": i}),
    ORDER: lambda i: NotFound(ErrorCode.ORDER_NOT_FOUND, params={"id": i}),
    RETURN: lambda i: NotFound(ErrorCode.RETURN_NOT_FOUND, params={"id": i}),
}
