"""Finance approves or rejects a filed collection (B4). Approval applies it exactly once:
the collection row is locked and must still be pending, then its orders are locked in id order
and each allocation is checked against the order's current debt before any is applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.events import Outgoing
from orders import events
from orders.domain.catalogue import check_reject_reason
from orders.domain.receivables import (
    APPROVED,
    REJECTED,
    check_approval,
    require_approver,
    require_pending,
)
from orders.errors import ErrorCode
from orders.models import OrderRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow
from orders.service.changes import ORDER, log_change
from orders.service.collections import (
    CollectionView,
    collection_not_found,
    may_see_collection,
    views_of,
)


def _review(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    event: Callable[..., Outgoing],
    apply: Callable[[Session, CollectionRow], dict],
    *,
    now: datetime,
) -> CollectionView:
    staff_id = require_approver(actor)
    with uow:
        session = uow.session
        # FOR UPDATE: a second clerk approving at the same moment waits here, then finds the
        # collection no longer pending and gets a Conflict instead of applying it again.
        row = session.scalar(
            select(CollectionRow)
            .where(CollectionRow.tenant_id == actor.tenant_id, CollectionRow.id == collection_id)
            .with_for_update()
        )
        # Finance of another store does not review this one (A1 A4): it looks missing.
        if row is None or not may_see_collection(session, actor, row):
            raise collection_not_found(collection_id)
        require_pending(row.status)
        # What the review learned that its event tells (the builder's keyword arguments).
        told = apply(session, row)
        row.reviewed_by, row.reviewed_at = staff_id, now
        session.flush()
        view = views_of(session, [row])[0]
        uow.publish(event(view, **told), actor.tenant_id)
        uow.commit()
        return view


def approve_collection(uow: UnitOfWork, actor: Actor, collection_id: str, *, now: datetime) -> CollectionView:
    def apply(session: Session, row: CollectionRow) -> dict:
        allocations = session.scalars(
            select(CollectionAllocationRow)
            .where(CollectionAllocationRow.collection_id == row.id)
            .order_by(CollectionAllocationRow.position)
        ).all()
        # Same lock order as filing and refunds (order id), so they never deadlock each other.
        orders = {
            o.id: o
            for o in session.scalars(
                select(OrderRow)
                .where(OrderRow.tenant_id == row.tenant_id, OrderRow.id.in_(sorted({a.order_id for a in allocations})))
                .order_by(OrderRow.id)
                .with_for_update()
            )
        }
        # All checked before any is applied: one refused allocation leaves every debt as it was.
        check_approval(
            [(a.order_id, a.order_number, a.amount_fen) for a in allocations],
            {oid: o.debt_fen for oid, o in orders.items()},
        )
        debts_before = {oid: o.debt_fen for oid, o in orders.items()}
        for a in allocations:
            orders[a.order_id].debt_fen -= a.amount_fen
        # Each order's own log says what took its debt down (A1).
        for oid, o in orders.items():
            log_change(
                session,
                actor,
                ORDER,
                o,
                "collection_approved",
                before={"debt_fen": debts_before[oid]},
                after={"debt_fen": o.debt_fen},
                now=now,
            )
        row.status = APPROVED
        return {"debts_after": {oid: o.debt_fen for oid, o in orders.items()}}

    return _review(uow, actor, collection_id, events.collection_approved, apply, now=now)


def reject_collection(
    uow: UnitOfWork, actor: Actor, collection_id: str, reason: str, *, now: datetime
) -> CollectionView:
    reason = check_reject_reason(reason, ErrorCode.COLLECTION_INPUT_INVALID)

    def apply(_session: Session, row: CollectionRow) -> dict:
        row.status = REJECTED
        row.reject_reason = reason
        return {}

    return _review(uow, actor, collection_id, events.collection_rejected, apply, now=now)
