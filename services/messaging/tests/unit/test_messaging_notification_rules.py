"""F4: who hears about a registered customer, and what the notification says (pure rules)."""

import pytest

from messaging.domain.notifications import (
    CustomerRegistered,
    MalformedEvent,
    customer_registered_notifications,
    parse_customer_registered,
    recipients,
)


@pytest.mark.parametrize(
    ("owner", "managers", "expected"),
    [
        ("s1", ["m1", "m2"], ["s1", "m1", "m2"]),
        # a store manager who registered the customer for themself is told once
        ("m1", ["m1", "m2"], ["m1", "m2"]),
        # the same manager listed twice (two roles, two pages) is told once
        ("s1", ["m1", "m1"], ["s1", "m1"]),
        # a pool customer has no owner: only the managers
        ("", ["m1"], ["m1"]),
        # a store without a manager: only the owner
        ("s1", [], ["s1"]),
        ("", [], []),
        ("s1", ["", "m1"], ["s1", "m1"]),
    ],
)
def test_f4_recipients_are_owner_then_managers_each_once(owner, managers, expected):
    assert recipients(owner, managers) == expected


def test_f4_customer_registered_notification_names_customer_and_salesperson():
    # given a registered customer owned by s1 in a store managed by m1
    customer = CustomerRegistered(customer_id="c1", customer_name="王芳", owner_staff_id="s1", store_id="st1")
    # when the notifications are drafted
    drafts = customer_registered_notifications(customer, ["m1"])
    # then both read the same, about the same customer
    assert [d.recipient_staff_id for d in drafts] == ["s1", "m1"]
    for draft in drafts:
        assert draft.kind == "customer_registered"
        assert draft.title_key == "notification.customer_registered"
        assert draft.params == {"customer_name": "王芳", "customer_id": "c1", "salesperson_id": "s1"}
        assert draft.subject == "customer:c1"
    # and each draft has its own params (mutating one must not change the other)
    drafts[0].params["customer_name"] = "x"
    assert drafts[1].params["customer_name"] == "王芳"


def test_f4_customer_registered_event_data_is_read():
    data = {"customer_id": "c9", "name": "李雷", "owner_staff_id": "s2", "store_id": "st2", "phone": "13800000000"}
    assert parse_customer_registered(data) == CustomerRegistered("c9", "李雷", "s2", "st2")


def test_f4_pool_customer_without_store_has_empty_owner_and_store():
    assert parse_customer_registered({"customer_id": "c9", "name": "李雷"}) == CustomerRegistered("c9", "李雷", "", "")


def test_f4_event_without_customer_id_is_malformed():
    with pytest.raises(MalformedEvent):
        parse_customer_registered({"name": "nobody"})
