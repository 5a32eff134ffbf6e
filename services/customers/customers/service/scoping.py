"""The scope rule (customers.domain.scope) as SQL conditions, so lists filter in the database
and count only what the caller may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from customers.domain.scope import STORES, Scope
from customers.models import CustomerRow


def visible(scope: Scope, owner=CustomerRow.owner_staff_id, store=CustomerRow.store_id) -> ColumnElement[bool]:
    """Customers the scope allows; `owner` and `store` name the columns when another table (or
    a Core alias) carries them."""
    if scope.sees_all:
        return true()
    mine = owner == scope.staff_id
    if scope.reach == STORES and scope.store_ids:
        return or_(store.in_(sorted(scope.store_ids)), mine)
    return mine


def pool_visible(scope: Scope, store=CustomerRow.store_id) -> ColumnElement[bool]:
    """Unowned customers the caller may see and claim: of their stores, or of no store."""
    if scope.sees_all:
        return true()
    if not scope.store_ids:
        return store.is_(None)
    return or_(store.is_(None), store.in_(sorted(scope.store_ids)))
