"""B4 pure rules: term state by China day, filing shape checks, allocations against the debt."""

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.auth import STAFF, Actor
from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from orders.domain.receivables import (
    DUE,
    NO_TERM,
    NOT_YET_DUE,
    AllocationRequest,
    check_against_debt,
    check_approval,
    check_filing,
    check_term_days,
    due_at,
    require_approver,
    term_state,
)

APPROVED_AT = datetime(2026, 11, 1, 15, 30, tzinfo=UTC)  # 23:30 on 1 November in China


@pytest.mark.parametrize(
    "days, now, state",
    [
        (0, datetime(2027, 1, 1, tzinfo=UTC), NO_TERM),
        # Due at 23:30 on 1 December (China), so due for the whole of that China day.
        (30, datetime(2026, 11, 30, 15, 59, tzinfo=UTC), NOT_YET_DUE),  # 23:59 on 30 Nov, China
        (30, datetime(2026, 11, 30, 16, 0, tzinfo=UTC), DUE),  # 00:00 on 1 Dec, China
        (30, datetime(2026, 12, 20, tzinfo=UTC), DUE),
        (1, datetime(2026, 11, 1, 16, 0, tzinfo=UTC), DUE),  # next China day, 30 minutes later
    ],
)
def test_b4_term_state_by_china_day(days, now, state):
    assert term_state(due_at(APPROVED_AT, days), now) == state


def test_b4_due_at_is_approval_plus_the_term():
    assert due_at(APPROVED_AT, 30) == APPROVED_AT + timedelta(days=30)
    assert due_at(None, 30) is None
    with pytest.raises(InvalidInput):
        check_term_days(3651)


def test_b4_filing_shape_names_each_field():
    allocations = [AllocationRequest("o1", 100), AllocationRequest("o1", 0), AllocationRequest("", 5)]
    with pytest.raises(InvalidInput) as err:
        check_filing(allocations, "cheque", ["k", "k"], "x" * 201)
    assert err.value.fields == {
        "allocations.1.order_id": "validation.invalid",
        "allocations.1.amount": "validation.invalid",
        "allocations.2.order_id": "validation.required",
        "method": "validation.invalid_choice",
        "proof_keys.1": "validation.invalid",
        "note": "validation.too_long",
    }
    with pytest.raises(InvalidInput) as err:
        check_filing([], "", [], "")
    assert err.value.fields == {"allocations": "validation.required", "method": "validation.required"}
    assert check_filing([AllocationRequest("o1", 1)], "cash", [], " paid ") == ("cash", "paid")


def test_b4_collection_never_exceeds_the_open_debt():
    wanted = [AllocationRequest("o1", 300), AllocationRequest("o2", 201)]
    with pytest.raises(InvalidInput) as err:
        check_against_debt(wanted, {"o1": 300, "o2": 200})
    assert err.value.fields == {"allocations.1.amount": "validation.exceeds_debt"}
    check_against_debt(wanted, {"o1": 300, "o2": 201})


def test_b4_approval_refuses_more_than_the_current_debt():
    check_approval([("o1", "XS1", 300)], {"o1": 300})
    with pytest.raises(Conflict) as err:
        check_approval([("o1", "XS1", 300), ("o2", "XS2", 1)], {"o1": 300, "o2": 0})
    assert (err.value.code, err.value.params) == ("COLLECTION_EXCEEDS_DEBT", {"order_id": "o2", "number": "XS2"})


@pytest.mark.parametrize(
    "roles, perms, allowed",
    [(("finance",), (), True), (("owner",), (), True), (("salesperson",), ("approve_collections",), True)]
    + [(("store_manager",), (), False), (("salesperson",), (), False), (("warehouse",), (), False)],
)
def test_b4_who_approves_collections(roles, perms, allowed):
    actor = Actor(kind=STAFF, subject_id="s1", tenant_id="t1", roles=frozenset(roles), permissions=frozenset(perms))
    if allowed:
        assert require_approver(actor) == actor.staff_id
    else:
        with pytest.raises(PermissionDenied):
            require_approver(actor)
