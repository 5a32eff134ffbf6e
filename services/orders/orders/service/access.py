"""Who may touch the catalogue, stock and settings (B1): checked in every use case from the Actor."""

from __future__ import annotations

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from orders.errors import ErrorCode

CATALOGUE_ROLES = ("owner", "store_manager")
STOCK_ROLES = ("owner", "store_manager", "warehouse")


def require_staff(actor: Actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.ORDER_SUBMIT_DENIED)
    return actor.staff_id


def require_role(actor: Actor, roles: tuple[str, ...], code: ErrorCode) -> str:
    if actor.staff_id is None or not actor.has_role(*roles):
        raise PermissionDenied(code)
    return actor.staff_id


def require_reader(actor: Actor) -> None:
    """Any staff member of the tenant (or an internal service) may read the catalogue."""
    if not actor.is_service:
        require_staff(actor)
