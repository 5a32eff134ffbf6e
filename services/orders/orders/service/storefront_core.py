"""What every storefront use case shares (B6): who the caller is as a party, finding an order the
caller may touch (locked for a change), and taking a step with its event and change-log entry.

A caller outside an order (another customer's, another store's, another tenant's) gets NOT_FOUND,
as for every document of this service: the two must look the same from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.changelog import Author
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound, PermissionDenied
from orders import events
from orders.domain import storefront
from orders.domain.scope import scope_for
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontLineRow, StorefrontOrderRow
from orders.service import storefront_changes


def party_of(actor: Actor) -> str:
    """A customer token is the customer, a service (payment/delivery callbacks through the gateway,
    printing's auto-accept) the system, staff the merchant."""
    if actor.customer_id is not None:
        return storefront.CUSTOMER
    if actor.is_service:
        return storefront.SYSTEM
    if actor.staff_id is not None:
        return storefront.MERCHANT
    raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "read"})


def may_see(actor: Actor, row: StorefrontOrderRow) -> bool:
    if actor.customer_id is not None:
        return row.customer_id == actor.customer_id
    if actor.is_service:
        return True
    return scope_for(actor).allows(row.store_id, row.placed_by or None)


def find_order(uow: UnitOfWork, actor: Actor, order_id: str, *, for_update: bool = False) -> StorefrontOrderRow:
    """The order, in the caller's tenant and sight; locked (FOR UPDATE) when it is to change, so
    two steps on one order take turns and each sees the other's result."""
    query = select(StorefrontOrderRow).where(
        StorefrontOrderRow.tenant_id == actor.tenant_id, StorefrontOrderRow.id == order_id
    )
    if for_update:
        query = query.with_for_update()
    row = uow.session.scalar(query) if order_id else None
    if row is None or not may_see(actor, row):
        raise NotFound(ErrorCode.ORDER_NOT_FOUND)
    return row


def lines_of(uow: UnitOfWork, row: StorefrontOrderRow) -> list[StorefrontLineRow]:
    return list(
        uow.session.scalars(
            select(StorefrontLineRow)
            .where(StorefrontLineRow.tenant_id == row.tenant_id, StorefrontLineRow.order_id == row.id)
            .order_by(StorefrontLineRow.position)
        )
    )


def event_order(uow: UnitOfWork, row: StorefrontOrderRow) -> dict:
    """The order as its events carry it (orders.events.storefront_order)."""
    uow.session.flush()
    return events.storefront_order(row, lines_of(uow, row))


def take_step(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    action: str,
    party: str,
    *,
    by: Author | Actor,
    now: datetime,
    before: dict[str, Any] | None = None,
    carried: dict[str, Any] | None = None,
) -> str:
    """Move a locked order by `action` (orders.domain.storefront decides whether `party` may, in
    this state), publish what happened: `storefront_order_paid` for a payment (once: the state
    machine takes `pay` only from awaiting_payment), else `storefront_order_changed`; and log
    the change by `by` (storefront_changes). `before`: the order as it was before the caller
    set what the step carries (a ship's carrier), by default as it stands; `carried`: what the
    step brought that the order row does not hold (the delivery company's order), logged as
    new. Returns the state before."""
    return take_steps(uow, row, (action,), party, by=by, now=now, before=before, carried=carried)


def take_steps(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    actions: Sequence[str],
    party: str,
    *,
    by: Author | Actor,
    now: datetime,
    before: dict[str, Any] | None = None,
    carried: dict[str, Any] | None = None,
) -> str:
    """Steps that make one change (the delivery company's "delivered" is the customer's receipt
    too; a top-up paid is credited at once), each published as take_step does, logged as one
    entry named after the first: two entries of one moment would have no order between them."""
    if before is None:
        before = storefront_changes.order_snapshot(row)
    first = row.state
    for action in actions:
        row.state = storefront.next_state(row.kind, action, row.state, party)
        row.updated_at = now
        order = event_order(uow, row)
        if action == "pay":
            uow.publish(events.storefront_order_paid(order), row.tenant_id)
        else:
            uow.publish(events.storefront_order_changed(order, action, party), row.tenant_id)
    after = {**storefront_changes.order_snapshot(row), **(carried or {})}
    storefront_changes.log_order_change(
        uow.session, by, row, storefront_changes.LOGGED_AS[actions[0]], before=before, after=after, now=now
    )
    return first
