"""F4: who hears of a paid storefront order and a refund request, and what the notification says
(pure rules)."""

import pytest

from messaging.domain.notifications import MalformedEvent
from messaging.domain.storefront_notifications import (
    order_paid_notifications,
    parse_order_paid,
    parse_refund_requested,
    recipients,
    refund_requested_notifications,
    yuan,
)


def order(**changes) -> dict:
    data = {"order_id": "sf-1", "number": "SF20261205-0001", "store_id": "st-1", "kind": "takeaway"}
    return {**data, "total_fen": 6100, "paid_fen": 6100, **changes}


@pytest.mark.parametrize(
    ("owners", "managers", "expected"),
    [
        (["o1"], ["m1", "m2"], ["o1", "m1", "m2"]),
        # an owner who manages the store too is told once
        (["o1"], ["o1", "m1"], ["o1", "m1"]),
        (["o1", "o2"], [], ["o1", "o2"]),
        ([], ["m1"], ["m1"]),
        ([], [], []),
        (["", "o1"], [""], ["o1"]),
    ],
)
def test_f4_owners_then_the_stores_managers_each_once(owners, managers, expected):
    assert recipients(owners, managers) == expected


@pytest.mark.parametrize(("fen", "text"), [(6100, "61.00"), (5, "0.05"), (0, "0.00"), (123456, "1234.56")])
def test_f4_amounts_read_in_yuan(fen, text):
    assert yuan(fen) == text


def test_f4_a_paid_order_tells_each_person_its_number_kind_and_total():
    drafts = order_paid_notifications(parse_order_paid({"order": order()}), ["o1"], ["m1"])
    assert [d.recipient_staff_id for d in drafts] == ["o1", "m1"]
    for d in drafts:
        assert (d.kind, d.title_key, d.subject) == (
            "storefront_order",
            "notification.storefront_order",
            "storefront_order:sf-1",
        )
        assert d.params == {
            "number": "SF20261205-0001",
            "kind": "takeaway",
            "total_fen": "6100",
            "total_yuan": "61.00",
            "store_id": "st-1",
        }


def test_f4_a_refund_request_tells_the_amount_and_the_reason():
    data = {"order": order(), "refund": {"refund_id": "rf-1", "requested_fen": 1800, "reason": "  少送了\n一份面 "}}
    [draft] = refund_requested_notifications(parse_refund_requested(data), [], ["m1"])
    assert (draft.recipient_staff_id, draft.kind, draft.title_key, draft.subject) == (
        "m1",
        "storefront_refund",
        "notification.storefront_refund",
        "storefront_order:sf-1",
    )
    assert draft.params == {
        "number": "SF20261205-0001",
        "requested_fen": "1800",
        "requested_yuan": "18.00",
        "reason": "少送了 一份面",
        "refund_id": "rf-1",
        "store_id": "st-1",
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"order": "sf-1"},
        {"order": order(order_id="")},
        {"order": order(store_id="")},
        {"order": order(total_fen="61")},
    ],
)
def test_f4_an_order_event_without_what_the_rule_needs_is_malformed(data):
    with pytest.raises(MalformedEvent):
        parse_order_paid(data)


@pytest.mark.parametrize("refund", [None, {}, {"refund_id": ""}, {"refund_id": "rf-1", "requested_fen": 18.5}])
def test_f4_a_refund_event_without_its_refund_is_malformed(refund):
    with pytest.raises(MalformedEvent):
        parse_refund_requested({"order": order(), "refund": refund})
