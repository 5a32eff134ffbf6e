"""A1 A4 data scope of orders, returns, collections and figures: the pure rule as a table."""

import pytest

from crmkit.auth import Actor
from crmkit.errors import PermissionDenied
from orders.domain.performance import figure_stores, visible_stores
from orders.domain.scope import ALL, MINE, STORES, collection_scope_for, scope_for


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


SERVICE = Actor(kind="service", subject_id="identity", tenant_id="t1")
BOTH = ("head", "sub")


@pytest.mark.parametrize(
    ("actor", "store", "salesperson", "submitter", "visible"),
    [
        # Salesperson: what they sold or submitted, in any store.
        (staff("salesperson"), "sub", "me", "other", True),
        (staff("salesperson"), "sub", "other", "me", True),
        (staff("salesperson"), "head", "other", "other", False),
        # Store manager, finance, warehouse: their stores' documents, plus their own.
        (staff("store_manager"), "head", "other", "other", True),
        (staff("store_manager"), "sub", "other", "other", False),
        (staff("store_manager"), "sub", "other", "me", True),
        (staff("finance"), "head", "other", "other", True),
        (staff("finance", stores=("sub",)), "head", "other", "other", False),
        (staff("warehouse"), "head", "other", "other", True),
        (staff("warehouse", stores=("sub",)), "head", "other", "other", False),
        # A head store's manager does not see a sub-store's documents (ADR 0010).
        (staff("store_manager", stores=("head",)), "sub", "other", "other", False),
        # A4: the current store narrows a member of two stores.
        (staff("store_manager", stores=BOTH), "sub", "other", "other", True),
        (staff("store_manager", stores=BOTH, current="head"), "sub", "other", "other", False),
        # Owner and the see-all switch: the tenant; services: the tenant they act for.
        (staff("owner", stores=(), current="head"), "sub", "other", "other", True),
        (staff("salesperson", perms=("see_all_customers",)), "sub", "other", "other", True),
        (staff("warehouse", perms=("see_all_customers",), current="head"), "sub", "other", "other", True),
        (SERVICE, "sub", "other", "other", True),
    ],
)
def test_a1_a4_who_sees_a_document(actor, store, salesperson, submitter, visible):
    assert scope_for(actor).allows(store, salesperson, submitter) is visible


@pytest.mark.parametrize(
    ("actor", "reach"),
    [
        (staff("salesperson"), MINE),
        (staff("salesperson", perms=("change_price",)), MINE),
        (staff("store_manager"), STORES),
        (staff("finance"), STORES),
        (staff("warehouse"), STORES),
        (staff("owner"), ALL),
        (staff("salesperson", perms=("see_all_customers",)), ALL),
        (SERVICE, ALL),
    ],
)
def test_a1_scope_reach_by_role_and_switch(actor, reach):
    assert scope_for(actor).reach == reach


@pytest.mark.parametrize(
    ("actor", "reach"),
    [
        (staff("salesperson"), MINE),
        (staff("salesperson", perms=("approve_collections",)), STORES),
        (staff("finance"), STORES),
        (staff("owner"), ALL),
    ],
)
def test_b4_the_approve_switch_makes_a_salesperson_finance_for_collections(actor, reach):
    assert collection_scope_for(actor).reach == reach


def test_a1_a_customer_token_sees_no_documents():
    with pytest.raises(PermissionDenied):
        scope_for(Actor(kind="customer", subject_id="c", tenant_id="t"))


@pytest.mark.parametrize(
    ("actor", "store_id", "stores"),
    [
        (staff("owner"), "", None),
        (staff("owner"), "sub", ("sub",)),
        (staff("store_manager", stores=BOTH), "", ("head", "sub")),
        (staff("store_manager", stores=BOTH, current="sub"), "", ("sub",)),
        (staff("store_manager", stores=BOTH), "sub", ("sub",)),
        (staff("store_manager", perms=("see_all_customers",)), "", None),
        (SERVICE, "", None),
        (SERVICE, "sub", ("sub",)),
    ],
)
def test_a4_dashboard_stores_follow_the_scope(actor, store_id, stores):
    assert visible_stores(actor, store_id) == stores


@pytest.mark.parametrize(
    "actor",
    [staff("store_manager", stores=("head",)), staff("store_manager", stores=BOTH, current="head")],
)
def test_a4_naming_a_store_outside_the_scope_on_the_dashboard_is_refused(actor):
    with pytest.raises(PermissionDenied):
        visible_stores(actor, "sub")


@pytest.mark.parametrize(
    ("actor", "staff_id", "stores"),
    [
        (staff("salesperson"), "me", None),
        (staff("store_manager"), "me", None),
        (staff("store_manager", stores=BOTH, current="sub"), "colleague", ("sub",)),
        (staff("owner"), "colleague", None),
    ],
)
def test_a4_a_managers_view_of_a_colleagues_figures_counts_their_stores(actor, staff_id, stores):
    assert figure_stores(actor, staff_id) == stores
