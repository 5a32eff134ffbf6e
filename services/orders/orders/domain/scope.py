"""Data scope (A1, A4): which orders, returns, collections and figures a caller sees, decided
from the token alone. The same rule as the customers service's (each service owns its copy).

- The owner, and staff with the `see_all_customers` switch: the whole tenant (ALL). The switch
  is the platform's one "see all" switch: a customer's documents go with the customer.
- Store managers, finance and warehouse: the documents of their stores (STORES), that is the
  store they switched to in this login session (A4, ADR 0004), else every store they belong
  to; plus the documents they sold, submitted or filed themselves.
- Anyone else (a salesperson): what they sold, submitted or filed (MINE).
- Services acting for a tenant (service tokens) see the tenant.

A head store's manager does not see a sub-store's documents; the head store reads each
sub-store's figures through identity's composition of the store dashboard (ADR 0004, decision
6; ADR 0010). Anything outside the scope is NOT_FOUND, for reads and writes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from orders.errors import ErrorCode

SEE_ALL_CUSTOMERS = "see_all_customers"
APPROVE_COLLECTIONS = "approve_collections"
OWNER = "owner"
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

    def allows(self, store_id: str | None, *people: str | None) -> bool:
        """A document of `store_id` whose salesperson, submitter or filer are `people`."""
        if self.reach == ALL:
            return True
        if self.staff_id is not None and self.staff_id in people:
            return True
        return self.reach == STORES and store_id is not None and store_id in self.store_ids


def working_stores(actor: Actor) -> frozenset[str]:
    """The current store narrows, never widens (ADR 0004): it is always one of the caller's."""
    if actor.current_store_id:
        return frozenset((actor.current_store_id,))
    return frozenset(actor.store_ids)


def scope_for(actor: Actor) -> Scope:
    if actor.is_service:
        return Scope(ALL)
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.ORDER_SUBMIT_DENIED)
    stores = working_stores(actor)
    if actor.has_role(OWNER) or actor.can(SEE_ALL_CUSTOMERS):
        return Scope(ALL, stores, actor.staff_id)
    if actor.has_role(*STORE_ROLES):
        return Scope(STORES, stores, actor.staff_id)
    return Scope(MINE, stores, actor.staff_id)


def collection_scope_for(actor: Actor) -> Scope:
    """Collections (B4): the `approve_collections` switch makes its holder finance for them, so a
    salesperson holding it reviews the collections of their stores, as finance does."""
    scope = scope_for(actor)
    if scope.reach == MINE and actor.can(APPROVE_COLLECTIONS):
        return Scope(STORES, scope.store_ids, scope.staff_id)
    return scope
