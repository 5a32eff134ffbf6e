"""Taking a return on site (B3): the customer is always chosen by hand, lines are priced by the
same price tracking as orders; then read and list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound
from crmkit.paging import Page
from orders.domain.documents import idempotency_key, resolve_store
from orders.domain.lines import LineRequest
from orders.domain.money import total
from orders.domain.numbering import RETURN_PREFIX
from orders.domain.scope import scope_for
from orders.domain.states import SUBMITTED
from orders.errors import Codes, MessageKeys
from orders.models import UQ_RETURN_IDEMPOTENCY, ReturnLineRow, ReturnRow
from orders.service.access import require_staff
from orders.service.changes import RETURN, log_change, return_snapshot
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.numbers import allocate_number
from orders.service.pricing import check_and_price
from orders.service.scoping import document_allowed, return_visible
from orders.service.views import DocumentPage, ReturnView, document_event, group_lines, return_view

RETURN_SUBMITTED = "return_submitted"


@dataclass(frozen=True)
class SubmitReturn:
    customer_id: str
    lines: tuple[LineRequest, ...]
    store_id: str = ""
    note: str = ""
    idempotency_key: str = ""


def return_not_found(return_id: str) -> NotFound:
    return NotFound(Codes.RETURN_NOT_FOUND, MessageKeys.RETURN_NOT_FOUND, params={"id": return_id})


def return_event(view: ReturnView) -> dict:
    return document_event("return_id", view)


def return_lines_of(session: Session, tenant_id: str, return_ids: Sequence[str]) -> dict[str, list[ReturnLineRow]]:
    return group_lines(session, ReturnLineRow, ReturnLineRow.return_id, tenant_id, return_ids)


def return_view_of(session: Session, row: ReturnRow) -> ReturnView:
    return return_view(row, return_lines_of(session, row.tenant_id, [row.id])[row.id])


def _by_key(uow: UnitOfWork, actor: Actor, key: str) -> ReturnView | None:
    with uow:
        row = uow.session.scalar(
            select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, ReturnRow.idempotency_key == key)
        )
        if row is None:
            return None
        if not document_allowed(actor, row):
            raise return_not_found(row.id)
        return return_view_of(uow.session, row)


def submit_return(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, cmd: SubmitReturn, *, now: datetime
) -> ReturnView:
    """Return, lines and `return_submitted` in one transaction; idempotent like SubmitOrder.
    The submitter is the salesperson: a return never fills in the customer's bound one (B3)."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    key = idempotency_key(cmd.idempotency_key)
    if key and (first := _by_key(uow, actor, key)):
        return first
    customer = customers.get(cmd.customer_id)
    store_id = resolve_store(actor, customer.store_id, cmd.store_id)
    try:
        with uow:
            session = uow.session
            priced, products = check_and_price(session, actor, customer, cmd.lines, cmd.note)
            row = ReturnRow(
                tenant_id=actor.tenant_id,
                number=allocate_number(session, actor.tenant_id, RETURN_PREFIX, now),
                customer_id=customer.id,
                customer_name=customer.name,
                salesperson_id=staff_id,
                submitted_by=staff_id,
                store_id=store_id,
                status=SUBMITTED,
                total_fen=total(line.amount_fen for line in priced),
                refund_method="",
                debt_reduced_fen=0,
                paid_back_fen=0,
                note=cmd.note.strip(),
                reject_reason="",
                idempotency_key=key,
                submitted_at=now,
                created_at=now,
            )
            session.add(row)
            session.flush()
            lines = [
                ReturnLineRow(
                    tenant_id=actor.tenant_id,
                    return_id=row.id,
                    position=i,
                    product_id=line.product_id,
                    product_name=products[line.product_id].name,
                    barcode=products[line.product_id].barcode or "",
                    unit=products[line.product_id].unit,
                    brand=products[line.product_id].brand,
                    category_id=products[line.product_id].category_id or "",
                    quantity=line.quantity,
                    unit_price_fen=line.price.unit_price_fen,
                    price_source=line.price.source,
                    amount_fen=line.amount_fen,
                    created_at=now,
                )
                for i, line in enumerate(priced)
            ]
            session.add_all(lines)
            after = {
                **return_snapshot(row),
                "number": row.number,
                "customer_id": row.customer_id,
                "store_id": row.store_id,
                "note": row.note,
                "lines": [
                    {"product_id": li.product_id, "quantity": li.quantity, "unit_price_fen": li.unit_price_fen}
                    for li in lines
                ],
            }
            log_change(session, actor, RETURN, row, "submitted", before=None, after=after, now=now)
            view = return_view(row, lines)
            uow.publish(RETURN_SUBMITTED, actor.tenant_id, return_event(view))
            uow.commit()
            return view
    except IntegrityError as exc:
        text = str(exc.orig)
        if key and (UQ_RETURN_IDEMPOTENCY in text or "returns.tenant_id, returns.idempotency_key" in text):
            first = _by_key(uow, actor, key)
            if first is not None:
                return first
        raise


def get_return(uow: UnitOfWork, actor: Actor, return_id: str) -> ReturnView:
    with uow:
        row = uow.session.scalar(
            select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, ReturnRow.id == return_id)
        )
        if row is None or not document_allowed(actor, row):
            raise return_not_found(return_id)
        return return_view_of(uow.session, row)


def list_returns(
    uow: UnitOfWork, actor: Actor, page: Page, *, statuses: tuple[str, ...] = (), customer_id: str = ""
) -> DocumentPage:
    stmt = select(ReturnRow).where(ReturnRow.tenant_id == actor.tenant_id, return_visible(scope_for(actor)))
    if statuses:
        stmt = stmt.where(ReturnRow.status.in_(statuses))
    if customer_id:
        stmt = stmt.where(ReturnRow.customer_id == customer_id)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(ReturnRow.submitted_at.desc(), ReturnRow.number.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        lines = return_lines_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return DocumentPage([return_view(r, lines[r.id]) for r in rows], count)
