"""Who may manage printers and the queue (G1): the owner, for every store of the tenant; a store
manager, for their own stores (the store they switched to in this login session, else every store
they belong to, as the orders service's scope); services (the orders service feeding tickets)
for the tenant. A store manager reaching another store's printer or job by id gets NOT_FOUND,
like another tenant's: outside the scope nothing is there."""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied

from ..errors import ErrorCode

OWNER = "owner"
STORE_MANAGER = "store_manager"


@dataclass(frozen=True)
class Reach:
    all_stores: bool
    store_ids: frozenset[str] = frozenset()

    def allows(self, store_id: str) -> bool:
        return self.all_stores or store_id in self.store_ids


def reach_of(actor: Actor) -> Reach:
    if actor.is_service:
        return Reach(True)
    if actor.staff_id is None or not actor.has_role(OWNER, STORE_MANAGER):
        raise PermissionDenied(ErrorCode.PRINTING_ADMIN_ONLY)
    if actor.has_role(OWNER):
        return Reach(True)
    stores = (actor.current_store_id,) if actor.current_store_id else actor.store_ids
    return Reach(False, frozenset(stores))


def require_store(actor: Actor, store_id: str) -> Reach:
    """For a call naming a store (creating a printer, printing a ticket, a store's settings)."""
    reach = reach_of(actor)
    if not reach.allows(store_id):
        raise PermissionDenied(ErrorCode.PRINTING_STORE_DENIED, params={"store_id": store_id})
    return reach
