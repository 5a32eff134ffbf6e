"""B2/B3 back-office states: every (action, role, state) combination, role checked first."""

import itertools

import pytest

from crmkit.auth import STAFF, Actor
from crmkit.errors import Conflict, PermissionDenied
from orders.domain import states as s

ROLES = ("owner", "store_manager", "salesperson", "finance", "warehouse")
ORDER_STATES = (s.SUBMITTED, s.APPROVED, s.REJECTED, s.PICKED, s.SHIPPED)
RETURN_STATES = (s.SUBMITTED, s.APPROVED, s.REJECTED, s.RECEIVED, s.REFUNDED)

# The expected table, written out rather than derived from the code under test.
ORDER_TABLE = {
    "approve": ({"owner", "store_manager"}, {s.SUBMITTED: s.APPROVED}),
    "reject": ({"owner", "store_manager"}, {s.SUBMITTED: s.REJECTED}),
    "pick": ({"owner", "store_manager", "warehouse"}, {s.APPROVED: s.PICKED}),
    "ship": ({"owner", "store_manager", "warehouse"}, {s.PICKED: s.SHIPPED}),
}
RETURN_TABLE = {
    "approve": ({"owner", "store_manager"}, {s.SUBMITTED: s.APPROVED}),
    "reject": ({"owner", "store_manager"}, {s.SUBMITTED: s.REJECTED}),
    "receive": ({"owner", "store_manager", "warehouse"}, {s.APPROVED: s.RECEIVED}),
    "refund": ({"owner", "store_manager", "finance"}, {s.RECEIVED: s.REFUNDED}),
}


def actor(role):
    return Actor(kind=STAFF, subject_id="s1", tenant_id="t1", roles=frozenset({role}))


def check(step, table, action, role, state, denied_code, invalid_code):
    roles, moves = table[action]
    if role not in roles:
        with pytest.raises(PermissionDenied) as err:
            step(action, state, actor(role))
        assert err.value.code == denied_code
    elif state not in moves:
        with pytest.raises(Conflict) as err:
            step(action, state, actor(role))
        assert (err.value.code, err.value.params) == (invalid_code, {"status": state})
    else:
        assert step(action, state, actor(role)) == moves[state]


@pytest.mark.parametrize("action, role, state", itertools.product(ORDER_TABLE, ROLES, ORDER_STATES))
def test_b2_order_transitions(action, role, state):
    check(s.next_order_status, ORDER_TABLE, action, role, state, "ORDER_ACTION_DENIED", "ORDER_STATE_INVALID")


@pytest.mark.parametrize("action, role, state", itertools.product(RETURN_TABLE, ROLES, RETURN_STATES))
def test_b3_return_transitions(action, role, state):
    check(s.next_return_status, RETURN_TABLE, action, role, state, "RETURN_ACTION_DENIED", "RETURN_STATE_INVALID")


def test_b2_a_service_actor_cannot_move_orders():
    service = Actor(kind="service", subject_id="svc", tenant_id="t1", roles=frozenset({"owner"}))
    with pytest.raises(PermissionDenied):
        s.next_order_status("approve", s.SUBMITTED, service)
