"""Data scope (A1, A4): which customers a caller sees, decided from the token alone.

- The owner, and staff with the `see_all_customers` switch: every customer of the tenant (ALL).
- Store managers, finance and warehouse: the customers of their stores (STORES), that is the
  store they switched to in this login session (A4, ADR 0004), else every store they belong
  to; plus the customers they hold themselves.
- Anyone else (a salesperson): the customers they hold (MINE).
- Services acting for a tenant (service tokens) see the tenant: the calling service decided.

A head store's manager sees the head store's customers, not its sub-stores': A4's "sees each
sub-store's business figures" is the figures screen identity composes (ADR 0004, decision 6);
to work with a sub-store's customers a manager is made a member of it and switches to it
(ADR 0010). The public pool is the exception: every seller sees the unowned customers of their
own stores, since the pool is there to be claimed.

Anything outside the scope is NOT_FOUND, for reads and writes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from customers.errors import ErrorCode

SEE_ALL_CUSTOMERS = "see_all_customers"
OWNER = "owner"
# Roles that work for a store as a whole rather than for their own customers.
STORE_ROLES = ("store_manager", "finance", "warehouse")

ALL = "all"
STORES = "stores"
MINE = "mine"


@dataclass(frozen=True)
class Scope:
    reach: str
    # The stores the caller works in now (current store, else all theirs); empty for services.
    store_ids: frozenset[str] = frozenset()
    staff_id: str | None = None

    @property
    def sees_all(self) -> bool:
        return self.reach == ALL

    def allows(self, owner_staff_id: str | None, store_id: str | None) -> bool:
        if self.reach == ALL:
            return True
        if self.staff_id is not None and owner_staff_id == self.staff_id:
            return True
        return self.reach == STORES and store_id is not None and store_id in self.store_ids

    def allows_pool(self, store_id: str | None) -> bool:
        """An unowned customer: those of the caller's stores, and those of no store at all."""
        return self.reach == ALL or store_id is None or store_id in self.store_ids


def working_stores(actor: Actor) -> frozenset[str]:
    """The current store narrows, never widens (ADR 0004): it is always one of the caller's."""
    if actor.current_store_id:
        return frozenset((actor.current_store_id,))
    return frozenset(actor.store_ids)


def scope_for(actor: Actor) -> Scope:
    if actor.is_service:
        return Scope(ALL)
    if actor.staff_id is None:
        # Customers and visitors have their own, public API; they never list the CRM.
        raise PermissionDenied(ErrorCode.CUSTOMERS_ACCESS_DENIED)
    stores = working_stores(actor)
    if actor.has_role(OWNER) or actor.can(SEE_ALL_CUSTOMERS):
        return Scope(ALL, stores, actor.staff_id)
    if actor.has_role(*STORE_ROLES):
        return Scope(STORES, stores, actor.staff_id)
    return Scope(MINE, stores, actor.staff_id)
