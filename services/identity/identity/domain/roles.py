"""Roles, permission switches and who may manage whom (A1)."""

from __future__ import annotations

from collections.abc import Iterable

OWNER = "owner"  # the merchant's boss / admin: everything in the tenant
STORE_MANAGER = "store_manager"  # 店长: runs one or more stores and their salespeople
SALESPERSON = "salesperson"  # field or counter sales; occupies a paid seat (A3)
FINANCE = "finance"  # approves receipts and collections
WAREHOUSE = "warehouse"  # picks, ships, receives returns

ROLES = (OWNER, STORE_MANAGER, SALESPERSON, FINANCE, WAREHOUSE)

CHANGE_PRICE = "change_price"  # may change the price while taking an order (B2)
SEE_ALL_CUSTOMERS = "see_all_customers"  # "see all": every store's customers and their documents (A1)
APPROVE_COLLECTIONS = "approve_collections"  # may approve collections (B4)

SWITCHES = (CHANGE_PRICE, SEE_ALL_CUSTOMERS, APPROVE_COLLECTIONS)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v.strip(), None)
    return list(seen)


def roles_problem(roles: Iterable[str]) -> tuple[list[str], str | None]:
    """(normalised roles, i18n key of the problem or None)."""
    cleaned = _unique(roles)
    if not cleaned:
        return cleaned, "validation.required"
    if any(r not in ROLES for r in cleaned):
        return cleaned, "validation.invalid_choice"
    return cleaned, None


def switches_problem(switches: Iterable[str]) -> tuple[list[str], str | None]:
    cleaned = _unique(switches)
    if any(s not in SWITCHES for s in cleaned):
        return cleaned, "validation.invalid_choice"
    return cleaned, None


def effective_permissions(roles: Iterable[str], switches: Iterable[str]) -> frozenset[str]:
    """What goes into the token: the owner holds every switch, others exactly theirs."""
    if OWNER in set(roles):
        return frozenset(SWITCHES)
    return frozenset(switches)


def switches_taken_away(roles: Iterable[str], before: Iterable[str], after: Iterable[str]) -> frozenset[str]:
    """Switches the person's tokens carry now and must stop carrying (issue 11, R6): their live
    access tokens are then revoked. Gained switches wait for the next refresh, as before."""
    roles = list(roles)
    return effective_permissions(roles, before) - effective_permissions(roles, after)


def occupies_seat(roles: Iterable[str]) -> bool:
    return SALESPERSON in set(roles)


def may_create_staff(
    actor_roles: Iterable[str],
    actor_store_ids: Iterable[str],
    new_roles: Iterable[str],
    new_store_ids: Iterable[str],
    new_switches: Iterable[str],
) -> bool:
    """The owner creates anyone; a store manager only plain salespeople of their own stores and
    without switches (switches are the owner's decision: SetStaffPermissions is owner-only)."""
    actor_roles = set(actor_roles)
    if OWNER in actor_roles:
        return True
    if STORE_MANAGER not in actor_roles:
        return False
    stores = set(new_store_ids)
    return (
        set(new_roles) == {SALESPERSON} and bool(stores) and stores <= set(actor_store_ids) and not list(new_switches)
    )


def may_see_staff(actor_roles: Iterable[str], actor_store_ids: Iterable[str], target_store_ids: Iterable[str]) -> bool:
    """Owner sees everyone; a store manager sees staff sharing one of their stores."""
    actor_roles = set(actor_roles)
    if OWNER in actor_roles:
        return True
    return STORE_MANAGER in actor_roles and bool(set(actor_store_ids) & set(target_store_ids))
