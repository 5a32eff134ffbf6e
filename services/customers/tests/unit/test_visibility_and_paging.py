"""C1: which customers an actor sees; search text limits."""

import pytest

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain.paging import search_query
from customers.domain.visibility import scope_for


def staff(*roles, perms=()):
    return Actor(kind="staff", subject_id="me", tenant_id="t1", roles=frozenset(roles), permissions=frozenset(perms))


@pytest.mark.parametrize(
    "actor, customer_owner, visible",
    [
        (staff("salesperson"), "me", True),
        (staff("salesperson"), "colleague", False),
        (staff("salesperson"), None, False),
        (staff("finance"), "colleague", False),
        (staff("salesperson", perms=["see_all_customers"]), "colleague", True),
        (staff("finance", perms=["see_all_customers"]), None, True),
        (staff("store_manager"), "colleague", True),
        (staff("owner"), None, True),
        (Actor(kind="service", subject_id="coupons", tenant_id="t1"), "colleague", True),
    ],
)
def test_c1_visibility(actor, customer_owner, visible):
    assert scope_for(actor).allows(customer_owner) is visible


def test_c1_salesperson_scope_is_own_id():
    assert scope_for(staff("salesperson")).owner_staff_id == "me"


def test_c1_non_staff_may_not_read_customers():
    with pytest.raises(PermissionDenied):
        scope_for(Actor(kind="customer", subject_id="c1", tenant_id="t1"))


def test_c1_search_query_is_trimmed_and_capped():
    assert search_query("  zhang ") == "zhang"
    with pytest.raises(InvalidInput) as err:
        search_query("x" * 51)
    assert err.value.fields == {"query": "validation.too_long"}
