"""Who may do what in marketing: the library and settings are written by the owner and store
managers; sharing is for any staff member; public calls come through the gateway's service token."""

from __future__ import annotations

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied

from ..errors import ErrorCode

ADMIN_ROLES = ("owner", "store_manager")


def require_admin(actor: Actor) -> str:
    if actor.staff_id is None or not actor.has_role(*ADMIN_ROLES):
        raise PermissionDenied(ErrorCode.MARKETING_ADMIN_ONLY)
    return actor.staff_id


def require_staff(actor: Actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.MARKETING_STAFF_ONLY)
    return actor.staff_id


def is_admin(actor: Actor) -> bool:
    return actor.staff_id is not None and actor.has_role(*ADMIN_ROLES)


def require_service(actor: Actor) -> None:
    """Public operations reach marketing only through the gateway, under its service token."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.MARKETING_STAFF_ONLY)
