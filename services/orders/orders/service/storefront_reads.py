"""Reading storefront orders (B6): one order, a list, a store's day at a glance (F4), and an
order's change log (A1).

A customer reads their own orders; staff read those of the stores they work in, in the scope
every document of this service has (orders.domain.scope: the owner the tenant, store roles their
stores, anyone else what they placed); services the tenant. Outside, an order looks missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, select

from crmkit import changelog
from crmkit.auth import Actor
from crmkit.changelog import Change
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.paging import Page
from crmkit.periods import CHINA
from orders.domain import storefront
from orders.domain.numbering import day_range
from orders.domain.scope import scope_for, working_stores
from orders.errors import ErrorCode
from orders.models import ChangeRow
from orders.models_storefront import StorefrontOrderRow, StorefrontRefundRow
from orders.service.scoping import visible
from orders.service.storefront_changes import STOREFRONT_ORDER
from orders.service.storefront_core import find_order, party_of
from orders.service.storefront_orders import require_store
from orders.service.storefront_views import StorefrontView, storefront_view, storefront_views

STATES = (
    storefront.AWAITING_PAYMENT,
    storefront.PAID,
    storefront.SHIPPED,
    storefront.CONFIRMED,
    storefront.ACCEPTED,
    storefront.DELIVERING,
    storefront.DELIVERED,
    storefront.DONE,
    storefront.CLOSED,
)


@dataclass(frozen=True)
class StorefrontFilter:
    # Staff: empty means every store they work in.
    store_id: str = ""
    kind: str = ""
    state: str = ""
    # Placed on this China day (YYYY-MM-DD); empty: any day.
    day: str = ""
    # Only orders with a refund request waiting for the merchant.
    refund_pending: bool = False


@dataclass(frozen=True)
class StorefrontPage:
    orders: list[StorefrontView]
    total: int


@dataclass(frozen=True)
class StorefrontCount:
    kind: str
    state: str
    count: int
    paid_fen: int


@dataclass(frozen=True)
class StorefrontDaySummary:
    store_id: str
    day: str
    counts: tuple[StorefrontCount, ...]
    orders: int
    paid_fen: int
    # Refund requests of the store's orders waiting for the merchant now, whatever day the
    # order was placed: what the workbench must still answer.
    refunds_pending: int


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> StorefrontView:
    party_of(actor)
    with uow:
        return storefront_view(uow, actor, find_order(uow, actor, order_id))


def list_orders(uow: UnitOfWork, actor: Actor, page: Page, f: StorefrontFilter) -> StorefrontPage:
    """Newest first."""
    party_of(actor)
    stmt = _filtered(actor, f)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(StorefrontOrderRow.created_at.desc(), StorefrontOrderRow.number.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return StorefrontPage(storefront_views(uow, actor, rows), count or 0)


def list_order_changes(uow: UnitOfWork, actor: Actor, order_id: str, page: Page) -> tuple[list[Change], int]:
    """Who changed the order, what and when, newest first: for staff who may see the order (and
    services); a customer's token is refused, as on the workbench's other staff-only reads."""
    if actor.customer_id is not None:
        raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "read_changes"})
    party_of(actor)
    with uow:
        find_order(uow, actor, order_id)
        return changelog.changes_of(uow.session, ChangeRow, actor.tenant_id, STOREFRONT_ORDER, order_id, page)


def summarize_day(uow: UnitOfWork, actor: Actor, store_id: str, day: str, *, now: datetime) -> StorefrontDaySummary:
    """One store's orders placed on one China day (today when empty), counted by kind and state
    with what they paid: the merchant's workbench head (F4)."""
    if actor.customer_id is not None:
        raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "summarize"})
    party_of(actor)
    store_id = store_id.strip() or _only_store(actor)
    require_store(actor, store_id)
    day = day.strip() or now.astimezone(CHINA).date().isoformat()
    start, end = _day(day)
    mine = (
        StorefrontOrderRow.tenant_id == actor.tenant_id,
        StorefrontOrderRow.store_id == store_id,
        _visible(actor),
    )
    with uow:
        grouped = uow.session.execute(
            select(
                StorefrontOrderRow.kind,
                StorefrontOrderRow.state,
                func.count(),
                func.coalesce(func.sum(StorefrontOrderRow.paid_fen), 0),
            )
            .where(*mine, StorefrontOrderRow.created_at >= start, StorefrontOrderRow.created_at < end)
            .group_by(StorefrontOrderRow.kind, StorefrontOrderRow.state)
            .order_by(StorefrontOrderRow.kind, StorefrontOrderRow.state)
        ).all()
        pending = uow.session.scalar(
            select(func.count()).select_from(StorefrontOrderRow).where(*mine, _refund_waiting())
        )
    counts = tuple(StorefrontCount(kind, state, int(n), int(paid)) for kind, state, n, paid in grouped)
    return StorefrontDaySummary(
        store_id=store_id,
        day=day,
        counts=counts,
        orders=sum(c.count for c in counts),
        paid_fen=sum(c.paid_fen for c in counts),
        refunds_pending=pending or 0,
    )


def _visible(actor: Actor) -> ColumnElement[bool]:
    """storefront_core.may_see as SQL."""
    if actor.customer_id is not None:
        return StorefrontOrderRow.customer_id == actor.customer_id
    return visible(scope_for(actor), StorefrontOrderRow.store_id, StorefrontOrderRow.placed_by)


def _refund_waiting() -> ColumnElement[bool]:
    return exists().where(
        StorefrontRefundRow.tenant_id == StorefrontOrderRow.tenant_id,
        StorefrontRefundRow.order_id == StorefrontOrderRow.id,
        StorefrontRefundRow.state == storefront.REFUND_REQUESTED,
    )


def _filtered(actor: Actor, f: StorefrontFilter) -> Select:
    fields = {}
    kind, state, store_id = f.kind.strip(), f.state.strip(), f.store_id.strip()
    if kind and kind not in storefront.KINDS:
        fields["kind"] = "validation.invalid_choice"
    if state and state not in STATES:
        fields["state"] = "validation.invalid_choice"
    if fields:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields=fields)
    stmt = select(StorefrontOrderRow).where(StorefrontOrderRow.tenant_id == actor.tenant_id, _visible(actor))
    if store_id:
        # A customer may narrow their own orders to a store; staff may name only their stores.
        if actor.customer_id is None:
            require_store(actor, store_id)
        stmt = stmt.where(StorefrontOrderRow.store_id == store_id)
    if kind:
        stmt = stmt.where(StorefrontOrderRow.kind == kind)
    if state:
        stmt = stmt.where(StorefrontOrderRow.state == state)
    if f.day.strip():
        start, end = _day(f.day.strip())
        stmt = stmt.where(StorefrontOrderRow.created_at >= start, StorefrontOrderRow.created_at < end)
    if f.refund_pending:
        stmt = stmt.where(_refund_waiting())
    return stmt


def _day(day: str) -> tuple[datetime | None, datetime | None]:
    """The UTC range of one China day (both ends set: the day is given)."""
    try:
        return day_range(day, day)
    except InvalidInput:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"day": "validation.invalid_date"}) from None


def _only_store(actor: Actor) -> str:
    """No store named: the caller's only working store, if they have exactly one."""
    stores = working_stores(actor)
    if len(stores) != 1:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"store_id": "validation.required"})
    return next(iter(stores))
