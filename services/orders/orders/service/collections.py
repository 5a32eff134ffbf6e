"""A salesperson files a collection against a customer's orders (B4); reading collections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from orders import events
from orders.domain.documents import idempotency_key
from orders.domain.receivables import (
    COLLECTION_PREFIX,
    PENDING,
    AllocationRequest,
    check_against_debt,
    check_filing,
    may_file_for,
)
from orders.domain.scope import collection_scope_for
from orders.domain.states import DEBT_STATUSES
from orders.errors import ErrorCode
from orders.models import OrderRow
from orders.models_receivables import (
    UQ_COLLECTION_IDEMPOTENCY,
    CollectionAllocationRow,
    CollectionProofRow,
    CollectionRow,
)
from orders.service.access import require_staff
from orders.service.customers import require_customer_id
from orders.service.numbers import allocate_number
from orders.service.receivables import ListPage, pending_by_order
from orders.service.scoping import collection_visible, document_allowed


@dataclass(frozen=True)
class AllocationView:
    order_id: str
    order_number: str
    amount_fen: int


@dataclass(frozen=True)
class CollectionView:
    id: str
    number: str
    customer_id: str
    customer_name: str
    salesperson_id: str
    filed_by: str
    allocations: tuple[AllocationView, ...]
    amount_fen: int
    method: str
    proof_keys: tuple[str, ...]
    note: str
    status: str
    reviewed_by: str
    reject_reason: str
    filed_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class FileCollection:
    customer_id: str
    allocations: tuple[AllocationRequest, ...]
    method: str
    proof_keys: tuple[str, ...] = ()
    note: str = ""
    idempotency_key: str = ""


def collection_not_found(collection_id: str) -> NotFound:
    return NotFound(ErrorCode.COLLECTION_NOT_FOUND, params={"id": collection_id})


def may_see_collection(session: Session, actor: Actor, row: CollectionRow) -> bool:
    """Within the caller's scope: what they filed or was filed on their sales, or (store roles
    and approvers) a collection paying an order of their stores."""
    scope = collection_scope_for(actor)
    if scope.allows(None, row.salesperson_id, row.filed_by):
        return True
    found = session.scalar(select(CollectionRow.id).where(CollectionRow.id == row.id, collection_visible(scope)))
    return found is not None


def views_of(session: Session, rows: Sequence[CollectionRow]) -> list[CollectionView]:
    ids = [r.id for r in rows]
    allocations: dict[str, list[AllocationView]] = {i: [] for i in ids}
    proofs: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(
            select(CollectionAllocationRow)
            .where(CollectionAllocationRow.collection_id.in_(ids))
            .order_by(CollectionAllocationRow.position)
        ):
            allocations[a.collection_id].append(AllocationView(a.order_id, a.order_number, a.amount_fen))
        for p in session.scalars(
            select(CollectionProofRow)
            .where(CollectionProofRow.collection_id.in_(ids))
            .order_by(CollectionProofRow.position)
        ):
            proofs[p.collection_id].append(p.key)
    return [
        CollectionView(
            id=r.id,
            number=r.number,
            customer_id=r.customer_id,
            customer_name=r.customer_name,
            salesperson_id=r.salesperson_id,
            filed_by=r.filed_by,
            allocations=tuple(allocations[r.id]),
            amount_fen=r.amount_fen,
            method=r.method,
            proof_keys=tuple(proofs[r.id]),
            note=r.note,
            status=r.status,
            reviewed_by=r.reviewed_by,
            reject_reason=r.reject_reason,
            filed_at=r.filed_at,
            reviewed_at=r.reviewed_at,
        )
        for r in rows
    ]


def _by_key(uow: UnitOfWork, actor: Actor, key: str) -> CollectionView | None:
    with uow:
        row = uow.session.scalar(
            select(CollectionRow).where(
                CollectionRow.tenant_id == actor.tenant_id, CollectionRow.idempotency_key == key
            )
        )
        if row is None:
            return None
        if not may_see_collection(uow.session, actor, row):
            raise collection_not_found(row.id)
        return views_of(uow.session, [row])[0]


def _locked_orders(session: Session, actor: Actor, cmd: FileCollection) -> dict[str, OrderRow]:
    """The allocated orders, locked in id order (as approval and refunds lock them): two
    filings on one order are serialized, so both cannot pass the pending check at once."""
    ids = sorted({a.order_id for a in cmd.allocations})
    rows = session.scalars(
        select(OrderRow)
        .where(OrderRow.tenant_id == actor.tenant_id, OrderRow.id.in_(ids))
        .order_by(OrderRow.id)
        .with_for_update()
    ).all()
    orders = {r.id: r for r in rows}
    fields = {}
    for i, a in enumerate(cmd.allocations):
        order = orders.get(a.order_id)
        # An order outside the caller's scope is named like a missing one (A1 A4).
        if (
            order is None
            or not document_allowed(actor, order)
            or order.customer_id != cmd.customer_id
            or order.status not in DEBT_STATUSES
        ):
            fields[f"allocations.{i}.order_id"] = "validation.invalid"
        elif not may_file_for(actor, order.salesperson_id):
            raise PermissionDenied(ErrorCode.COLLECTION_ACTION_DENIED, params={"order_id": a.order_id})
    if fields:
        raise InvalidInput(ErrorCode.COLLECTION_INPUT_INVALID, fields=fields)
    return orders


def _claim_proofs(session: Session, actor: Actor, keys: Sequence[str], collection_id: str) -> None:
    """Only the caller's own uploads that back no other collection yet."""
    if not keys:
        return
    rows = session.scalars(
        select(CollectionProofRow)
        .where(CollectionProofRow.tenant_id == actor.tenant_id, CollectionProofRow.key.in_(keys))
        .with_for_update()
    ).all()
    proofs = {p.key: p for p in rows}
    fields = {}
    for i, key in enumerate(keys):
        proof = proofs.get(key)
        if proof is None or proof.uploaded_by != actor.staff_id or proof.collection_id is not None:
            fields[f"proof_keys.{i}"] = "validation.invalid"
        else:
            proof.collection_id, proof.position = collection_id, i
    if fields:
        raise InvalidInput(ErrorCode.COLLECTION_INPUT_INVALID, fields=fields)


def file_collection(uow: UnitOfWork, actor: Actor, cmd: FileCollection, *, now: datetime) -> CollectionView:
    """Collection, allocations, claimed proofs and `collection_filed` in one transaction. A
    repeat of an idempotency key returns the first collection, also when the repeats race."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    method, note = check_filing(cmd.allocations, cmd.method, cmd.proof_keys, cmd.note)
    key = idempotency_key(cmd.idempotency_key)
    if key and (first := _by_key(uow, actor, key)):
        return first
    try:
        with uow:
            session = uow.session
            orders = _locked_orders(session, actor, cmd)
            pending = pending_by_order(session, actor.tenant_id, list(orders))
            check_against_debt(cmd.allocations, {oid: o.debt_fen - pending.get(oid, 0) for oid, o in orders.items()})
            first_order = orders[cmd.allocations[0].order_id]
            row = CollectionRow(
                tenant_id=actor.tenant_id,
                number=allocate_number(session, actor.tenant_id, COLLECTION_PREFIX, now),
                customer_id=cmd.customer_id,
                customer_name=first_order.customer_name,
                salesperson_id=first_order.salesperson_id,
                filed_by=staff_id,
                status=PENDING,
                amount_fen=sum(a.amount_fen for a in cmd.allocations),
                method=method,
                note=note,
                reject_reason="",
                idempotency_key=key,
                filed_at=now,
                reviewed_by="",
                created_at=now,
            )
            session.add(row)
            # Insert first: a racing repeat of the key fails here, before anything else.
            session.flush()
            session.add_all(
                CollectionAllocationRow(
                    tenant_id=actor.tenant_id,
                    collection_id=row.id,
                    position=i,
                    order_id=a.order_id,
                    order_number=orders[a.order_id].number,
                    amount_fen=a.amount_fen,
                    created_at=now,
                )
                for i, a in enumerate(cmd.allocations)
            )
            _claim_proofs(session, actor, cmd.proof_keys, row.id)
            session.flush()
            view = views_of(session, [row])[0]
            uow.publish(events.collection_filed(view), actor.tenant_id)
            uow.commit()
            return view
    except IntegrityError as exc:
        text = str(exc.orig)
        if key and (UQ_COLLECTION_IDEMPOTENCY in text or "collections.tenant_id, collections.idempotency_key" in text):
            first = _by_key(uow, actor, key)
            if first is not None:
                return first
        raise


def get_collection(uow: UnitOfWork, actor: Actor, collection_id: str) -> CollectionView:
    """Another tenant's collection and one the caller may not see look like a missing one."""
    with uow:
        row = uow.session.scalar(
            select(CollectionRow).where(CollectionRow.tenant_id == actor.tenant_id, CollectionRow.id == collection_id)
        )
        if row is None or not may_see_collection(uow.session, actor, row):
            raise collection_not_found(collection_id)
        return views_of(uow.session, [row])[0]


def list_collections(
    uow: UnitOfWork, actor: Actor, page: Page, *, statuses: Sequence[str] = (), customer_id: str = ""
) -> ListPage:
    """Newest first, within the caller's scope: a salesperson sees what they filed and what was
    filed on their orders; store roles also the collections paying their stores' orders."""
    scope = collection_scope_for(actor)
    stmt = select(CollectionRow).where(CollectionRow.tenant_id == actor.tenant_id, collection_visible(scope))
    if statuses:
        stmt = stmt.where(CollectionRow.status.in_(statuses))
    if customer_id:
        stmt = stmt.where(CollectionRow.customer_id == customer_id)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(CollectionRow.filed_at.desc(), CollectionRow.number.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return ListPage(views_of(uow.session, rows), count)
