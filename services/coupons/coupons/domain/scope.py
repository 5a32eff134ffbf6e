"""Data scope (A1, A4) of a campaign to a saved segment: which of its members a sender reaches.
The customers service decides who sees which customer when a customer is named (it is asked with
the caller's token); a segment's members are streamed with the coupons service's own token, so
this rule applies the same scope to them here:

- the owner, and staff with the `see_all_customers` switch: every member;
- a store manager: the members of their stores (the current store, else all theirs, ADR 0004)
  and the customers they hold themselves;
- a salesperson: the customers they hold (E10).
"""

from __future__ import annotations

from dataclasses import dataclass

from coupons.errors import ErrorCode
from crmkit.auth import Actor
from crmkit.errors import PermissionDenied

SEE_ALL_CUSTOMERS = "see_all_customers"


@dataclass(frozen=True)
class Reach:
    # None: every member.
    store_ids: frozenset[str] | None
    # Set for a salesperson: only the members they hold.
    owner_staff_id: str = ""
    staff_id: str = ""

    def includes(self, owner_staff_id: str, store_id: str) -> bool:
        if self.owner_staff_id:
            return owner_staff_id == self.owner_staff_id
        if self.store_ids is None:
            return True
        return store_id in self.store_ids or (bool(owner_staff_id) and owner_staff_id == self.staff_id)


def segment_reach(actor: Actor) -> Reach:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.COUPON_SENDERS_ONLY)
    if actor.has_role("owner") or actor.can(SEE_ALL_CUSTOMERS):
        return Reach(None, staff_id=actor.staff_id)
    if actor.has_role("store_manager"):
        stores = (actor.current_store_id,) if actor.current_store_id else actor.store_ids
        return Reach(frozenset(stores), staff_id=actor.staff_id)
    if actor.has_role("salesperson"):
        return Reach(None, owner_staff_id=actor.staff_id, staff_id=actor.staff_id)
    raise PermissionDenied(ErrorCode.COUPON_SENDERS_ONLY)
