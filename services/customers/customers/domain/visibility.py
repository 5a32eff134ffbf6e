"""Which customers an actor may see (C1, A1 data scope). A salesperson sees own customers only;
managers, the owner and staff with the see_all_customers switch see the whole tenant. Internal
services (already scoped to one tenant by their call) see the whole tenant too."""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from customers.errors import Codes, MessageKeys

SEE_ALL_CUSTOMERS = "see_all_customers"
SEE_ALL_ROLES = ("owner", "store_manager")


@dataclass(frozen=True)
class Scope:
    """`owner_staff_id` None means every customer of the tenant."""

    owner_staff_id: str | None

    @property
    def sees_all(self) -> bool:
        return self.owner_staff_id is None

    def allows(self, customer_owner_staff_id: str | None) -> bool:
        return self.sees_all or customer_owner_staff_id == self.owner_staff_id


def scope_for(actor: Actor) -> Scope:
    if actor.is_service:
        return Scope(None)
    if actor.staff_id is None:
        # Customers and visitors have their own, public API; they never list the CRM.
        raise PermissionDenied(Codes.CUSTOMERS_ACCESS_DENIED, MessageKeys.PERMISSION_DENIED)
    if actor.has_role(*SEE_ALL_ROLES) or actor.can(SEE_ALL_CUSTOMERS):
        return Scope(None)
    return Scope(actor.staff_id)
