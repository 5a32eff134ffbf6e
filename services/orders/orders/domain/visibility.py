"""Which orders and returns a caller sees (B2): a salesperson sees what they sold or submitted;
the back office (owner, store manager, finance, warehouse) and staff with see_all_customers see
the whole tenant."""

from __future__ import annotations

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from orders.errors import Codes, MessageKeys

SEE_ALL_ROLES = ("owner", "store_manager", "finance", "warehouse")
SEE_ALL_CUSTOMERS = "see_all_customers"


def sees_all_documents(actor: Actor) -> bool:
    if actor.is_service:
        return True
    if actor.staff_id is None:
        raise PermissionDenied(Codes.SUBMIT_DENIED, MessageKeys.PERMISSION_DENIED)
    return actor.has_role(*SEE_ALL_ROLES) or actor.can(SEE_ALL_CUSTOMERS)


def may_see(actor: Actor, salesperson_id: str | None, submitted_by: str) -> bool:
    return sees_all_documents(actor) or actor.staff_id in (salesperson_id, submitted_by)
