"""A1 A4 C1: which customers an actor sees (the scope rule); search text limits."""

import pytest

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain.paging import search_query
from customers.domain.scope import ALL, MINE, STORES, scope_for


def staff(*roles, perms=(), stores=("head",), current=None):
    return Actor(
        kind="staff",
        subject_id="me",
        tenant_id="t1",
        roles=frozenset(roles),
        permissions=frozenset(perms),
        store_ids=tuple(stores),
        current_store_id=current,
    )


SERVICE = Actor(kind="service", subject_id="coupons", tenant_id="t1")
TWO_STORES = ("head", "sub")


@pytest.mark.parametrize(
    ("actor", "owner", "store", "visible"),
    [
        # Salesperson: mine, whatever the store.
        (staff("salesperson"), "me", "sub", True),
        (staff("salesperson"), "colleague", "head", False),
        (staff("salesperson"), None, "head", False),
        # Store roles: their stores' customers, plus their own anywhere.
        (staff("store_manager"), "colleague", "head", True),
        (staff("store_manager"), None, "head", True),
        (staff("store_manager"), "colleague", "sub", False),
        (staff("store_manager"), "me", "sub", True),
        (staff("store_manager"), "colleague", None, False),
        (staff("finance"), "colleague", "head", True),
        (staff("finance"), "colleague", "sub", False),
        (staff("warehouse"), "colleague", "head", True),
        (staff("warehouse", stores=("sub",)), "colleague", "head", False),
        # A4: the current store narrows a member of two stores to it.
        (staff("store_manager", stores=TWO_STORES), "colleague", "sub", True),
        (staff("store_manager", stores=TWO_STORES, current="head"), "colleague", "sub", False),
        (staff("store_manager", stores=TWO_STORES, current="sub"), "colleague", "sub", True),
        # A head store's manager does not see a sub-store's customers (ADR 0010).
        (staff("store_manager", stores=("head",)), "colleague", "sub", False),
        # A store manager who belongs to no store sees only their own.
        (staff("store_manager", stores=()), "colleague", "head", False),
        # Owner and the see-all switch: the tenant, whatever store they switched to.
        (staff("owner", current="head"), "colleague", "sub", True),
        (staff("owner"), None, None, True),
        (staff("salesperson", perms=["see_all_customers"]), "colleague", "sub", True),
        (staff("finance", perms=["see_all_customers"], current="head"), None, "sub", True),
        # Services act for the tenant.
        (SERVICE, "colleague", "sub", True),
    ],
)
def test_a1_a4_customer_scope(actor, owner, store, visible):
    assert scope_for(actor).allows(owner, store) is visible


@pytest.mark.parametrize(
    ("actor", "reach"),
    [
        (staff("salesperson"), MINE),
        (staff("store_manager"), STORES),
        (staff("finance"), STORES),
        (staff("warehouse"), STORES),
        (staff("store_manager", "salesperson"), STORES),
        (staff("owner"), ALL),
        (staff("salesperson", perms=["see_all_customers"]), ALL),
        (staff("salesperson", perms=["change_price", "approve_collections"]), MINE),
        (SERVICE, ALL),
    ],
)
def test_a1_scope_reach_by_role_and_switch(actor, reach):
    assert scope_for(actor).reach == reach


@pytest.mark.parametrize(
    ("actor", "store", "visible"),
    [
        (staff("salesperson"), "head", True),
        (staff("salesperson"), "sub", False),
        (staff("salesperson"), None, True),
        (staff("salesperson", stores=TWO_STORES, current="sub"), "head", False),
        (staff("store_manager", stores=("sub",)), "head", False),
        (staff("owner", stores=()), "sub", True),
        (SERVICE, "sub", True),
    ],
)
def test_a4_sellers_see_the_pool_of_their_stores(actor, store, visible):
    assert scope_for(actor).allows_pool(store) is visible


def test_c1_non_staff_may_not_read_customers():
    with pytest.raises(PermissionDenied):
        scope_for(Actor(kind="customer", subject_id="c1", tenant_id="t1"))


def test_c1_search_query_is_trimmed_and_capped():
    assert search_query("  zhang ") == "zhang"
    with pytest.raises(InvalidInput) as err:
        search_query("x" * 51)
    assert err.value.fields == {"query": "validation.too_long"}
