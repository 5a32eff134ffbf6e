"""The scope rule (orders.domain.scope) as SQL conditions, so lists and sums filter in the
database and count only what the caller may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true

from crmkit.auth import Actor
from orders.domain.scope import STORES, Scope, scope_for
from orders.models import OrderRow, ReturnRow
from orders.models_receivables import CollectionAllocationRow, CollectionRow


def visible(scope: Scope, store, *people) -> ColumnElement[bool]:
    """Rows of `store` (a column) in the scope's stores, or naming the caller in one of the
    `people` columns (salesperson, submitter, filer)."""
    if scope.sees_all:
        return true()
    conditions = [person == scope.staff_id for person in people]
    if scope.reach == STORES and scope.store_ids:
        conditions.append(store.in_(sorted(scope.store_ids)))
    return or_(*conditions)


def order_visible(scope: Scope) -> ColumnElement[bool]:
    return visible(scope, OrderRow.store_id, OrderRow.salesperson_id, OrderRow.submitted_by)


def collection_visible(scope: Scope) -> ColumnElement[bool]:
    """A collection has no store of its own: it belongs to the stores of the orders it pays, so
    a store sees it when one of its orders is among them; a salesperson sees what they filed
    and what was filed on their sales."""
    if scope.sees_all:
        return true()
    mine = or_(CollectionRow.salesperson_id == scope.staff_id, CollectionRow.filed_by == scope.staff_id)
    if scope.reach != STORES or not scope.store_ids:
        return mine
    a = CollectionAllocationRow
    of_my_stores = exists().where(
        a.tenant_id == CollectionRow.tenant_id,
        a.collection_id == CollectionRow.id,
        OrderRow.tenant_id == a.tenant_id,
        OrderRow.id == a.order_id,
        OrderRow.store_id.in_(sorted(scope.store_ids)),
    )
    return or_(mine, of_my_stores)


def document_allowed(actor: Actor, row) -> bool:
    """An order or a return (both carry store, salesperson and submitter) the caller may see."""
    return scope_for(actor).allows(row.store_id, row.salesperson_id, row.submitted_by)


def return_visible(scope: Scope) -> ColumnElement[bool]:
    return visible(scope, ReturnRow.store_id, ReturnRow.salesperson_id, ReturnRow.submitted_by)
