"""A1 A4 E10: which members of a segment a campaign reaches, by role, switch and store."""

import pytest

from coupons.domain.scope import segment_reach
from crmkit.auth import Actor
from crmkit.errors import PermissionDenied


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


@pytest.mark.parametrize(
    ("actor", "owner", "store", "reached"),
    [
        (staff("owner"), "colleague", "sub", True),
        (staff("salesperson", perms=("see_all_customers",)), "colleague", "sub", True),
        (staff("store_manager"), "colleague", "head", True),
        (staff("store_manager"), "colleague", "sub", False),
        (staff("store_manager"), "me", "sub", True),
        (staff("store_manager"), "", "sub", False),
        (staff("store_manager", stores=("head", "sub"), current="head"), "colleague", "sub", False),
        (staff("salesperson"), "me", "sub", True),
        (staff("salesperson"), "colleague", "head", False),
        (staff("salesperson"), "", "head", False),
    ],
)
def test_a4_e10_who_a_segment_campaign_reaches(actor, owner, store, reached):
    assert segment_reach(actor).includes(owner, store) is reached


@pytest.mark.parametrize(
    "actor", [staff("finance"), staff("warehouse"), Actor(kind="service", subject_id="x", tenant_id="t1")]
)
def test_e2_only_selling_staff_send_to_segments(actor):
    with pytest.raises(PermissionDenied):
        segment_reach(actor)
