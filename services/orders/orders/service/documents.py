"""What orders (B2) and returns (B3) share. A kind of document names its tables, its view, its
change log and its state machine; with it, each step the two have in common has one home: the
line rows of a new document, the lookup of a repeated idempotency key, and the lock-and-move of
a back-office step (approve, reject, pick, ship, verify; receive, refund)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import NotFound
from crmkit.events import Outgoing
from orders.domain.lines import PricedLine
from orders.domain.states import next_order_status, next_return_status
from orders.errors import ErrorCode
from orders.models import (
    UQ_ORDER_IDEMPOTENCY,
    UQ_RETURN_IDEMPOTENCY,
    OrderLineRow,
    OrderRow,
    ReturnLineRow,
    ReturnRow,
)
from orders.service.changes import ORDER, RETURN, log_change, order_snapshot, return_snapshot
from orders.service.scoping import document_allowed
from orders.service.views import group_lines, order_view, return_view

# Built once: the lines of every new order and return.
_INSERT_LINES = {table: insert(table.__table__) for table in (OrderLineRow, ReturnLineRow)}

# A step's own work inside the move: (session, locked row, its lines) -> the keyword arguments
# of the step's event builder (what the step learned that the event tells), or None.
Apply = Callable[[Session, Any, list], Mapping[str, Any] | None]


@dataclass(frozen=True)
class DocumentKind:
    log_kind: str  # the change log's name of the kind (A1)
    table: type  # OrderRow, ReturnRow
    line_table: type  # OrderLineRow, ReturnLineRow
    parent: str  # the line column naming its document
    key_constraint: str  # unique (tenant, idempotency key), as PostgreSQL names it
    not_found_code: ErrorCode
    view: Callable[[Any, list], Any]  # (row, lines) -> OrderView / ReturnView
    snapshot: Callable[[Any], dict]  # what the change log records of a step
    next_status: Callable[[str, str, Actor], str]  # the state machine (domain/states.py)
    logged_as: Mapping[str, str]  # how each step reads in the change log

    def not_found(self, document_id: str) -> NotFound:
        return NotFound(self.not_found_code, params={"id": document_id})

    def lines_of(self, session: Session, tenant_id: str, document_ids: Sequence[str]) -> dict[str, list]:
        """The lines of several documents in one query, by document id."""
        return group_lines(session, self.line_table, getattr(self.line_table, self.parent), tenant_id, document_ids)

    def view_of(self, session: Session, row) -> Any:
        return self.view(row, self.lines_of(session, row.tenant_id, [row.id])[row.id])

    def by_key(self, session: Session, actor: Actor, key: str) -> Any | None:
        """The document an earlier submission with this idempotency key made, if any."""
        row = session.scalar(
            select(self.table).where(self.table.tenant_id == actor.tenant_id, self.table.idempotency_key == key)
        )
        if row is None:
            return None
        # The same key from someone who may not see that document must not reveal it.
        if not document_allowed(actor, row):
            raise self.not_found(row.id)
        return self.view_of(session, row)

    def repeats_a_key(self, exc: IntegrityError) -> bool:
        """A racing repeat of an idempotency key lost on the unique key (PostgreSQL names the
        constraint, SQLite the columns)."""
        text = str(exc.orig)
        name = self.table.__tablename__
        return self.key_constraint in text or f"{name}.tenant_id, {name}.idempotency_key" in text

    def add_lines(
        self,
        conn: Connection | Session,
        tenant_id: str,
        priced: Sequence[PricedLine],
        products: Mapping[str, Any],
        *,
        now: datetime,
        **document: str,
    ) -> list[SimpleNamespace]:
        """The lines of a new document, each with its product as it is now (name, barcode, unit,
        brand, category; `products` as pricing.products_for reads them) and its tracked price;
        `document`: the line's columns naming it. Answers the lines as written (their columns
        as attributes, as views and snapshots read rows)."""
        lines = []
        for i, line in enumerate(priced):
            product = products[line.product_id]
            lines.append(
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "position": i,
                    **document,
                    "product_id": line.product_id,
                    "product_name": product.name,
                    "barcode": product.barcode or "",
                    "unit": product.unit,
                    "brand": product.brand,
                    "category_id": product.category_id or "",
                    "quantity": line.quantity,
                    "unit_price_fen": line.price.unit_price_fen,
                    "price_source": line.price.source,
                    "amount_fen": line.amount_fen,
                    "created_at": now,
                }
            )
        # One executemany of a statement built once; the ORM's unit of work would cost more than
        # the insert itself.
        conn.execute(_INSERT_LINES[self.line_table], lines)
        return [SimpleNamespace(**line) for line in lines]

    def locked(self, session: Session, actor: Actor, document_id: str):
        # Locked until commit: two clerks pressing "ship" (or "refund") at once must not take the
        # stock out (or pay back) twice; the second one finds the new state.
        row = session.scalar(
            select(self.table)
            .where(self.table.tenant_id == actor.tenant_id, self.table.id == document_id)
            .with_for_update()
        )
        if row is None or not document_allowed(actor, row):
            raise self.not_found(document_id)
        return row

    def move(
        self,
        uow: UnitOfWork,
        actor: Actor,
        document_id: str,
        action: str,
        event: Callable[..., Outgoing],
        apply: Apply,
        *,
        now: datetime,
        check_first: Callable[[Any], None] | None = None,
    ) -> Any:
        """One back-office step in one transaction: lock the document, check and take the step
        (state machine, then `apply`), log the change, publish `event`."""
        with uow:
            session = uow.session
            row = self.locked(session, actor, document_id)
            if check_first is not None:
                check_first(row)
            before = self.snapshot(row)
            row.status = self.next_status(action, row.status, actor)
            lines = self.lines_of(session, actor.tenant_id, [row.id])[row.id]
            told = apply(session, row, lines) or {}
            after = self.snapshot(row)
            log_change(session, actor, self.log_kind, row, self.logged_as[action], before=before, after=after, now=now)
            view = self.view(row, lines)
            uow.publish(event(view, **told), actor.tenant_id)
            uow.commit()
            return view


ORDERS = DocumentKind(
    log_kind=ORDER,
    table=OrderRow,
    line_table=OrderLineRow,
    parent="order_id",
    key_constraint=UQ_ORDER_IDEMPOTENCY,
    not_found_code=ErrorCode.ORDER_NOT_FOUND,
    view=order_view,
    snapshot=order_snapshot,
    next_status=next_order_status,
    logged_as={"approve": "approved", "reject": "rejected", "pick": "picked", "ship": "shipped", "verify": "verified"},
)

RETURNS = DocumentKind(
    log_kind=RETURN,
    table=ReturnRow,
    line_table=ReturnLineRow,
    parent="return_id",
    key_constraint=UQ_RETURN_IDEMPOTENCY,
    not_found_code=ErrorCode.RETURN_NOT_FOUND,
    view=return_view,
    snapshot=return_snapshot,
    next_status=next_return_status,
    logged_as={"approve": "approved", "reject": "rejected", "receive": "received", "refund": "refunded"},
)
