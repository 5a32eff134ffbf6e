"""B6 B8: the six storefront order kinds' ways from payment to done, who may take each step, and
refund requests (refused for the kinds the manual lists, at most what is left, one at a time)."""

from __future__ import annotations

import pytest

from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from orders.domain import storefront as sf


def walk(kind: str, *steps: tuple[str, str]) -> str:
    state = sf.AWAITING_PAYMENT
    for action, party in steps:
        state = sf.next_state(kind, action, state, party)
    return state


PAY = ("pay", sf.SYSTEM)


@pytest.mark.parametrize(
    ("kind", "steps"),
    [
        (sf.ECOMMERCE, [PAY, ("ship", sf.MERCHANT), ("confirm_receipt", sf.CUSTOMER)]),
        (sf.RESERVATION, [PAY, ("confirm", sf.MERCHANT), ("complete", sf.CUSTOMER)]),
        (sf.RESERVATION, [PAY, ("confirm", sf.MERCHANT), ("verify", sf.MERCHANT)]),
        (sf.IN_STORE, [PAY, ("confirm", sf.SYSTEM), ("verify", sf.MERCHANT)]),
        (sf.IN_STORE, [PAY, ("confirm", sf.MERCHANT), ("complete", sf.CUSTOMER)]),
        (
            sf.TAKEAWAY,
            [
                PAY,
                ("accept", sf.SYSTEM),
                ("dispatch", sf.SYSTEM),
                ("delivery_failed", sf.SYSTEM),
                ("dispatch", sf.MERCHANT),
                ("deliver", sf.SYSTEM),
                ("confirm_receipt", sf.CUSTOMER),
            ],
        ),
        (sf.FACE_TO_FACE, [PAY]),
        (sf.TOP_UP, [PAY, ("credit", sf.SYSTEM)]),
    ],
)
def test_b6_each_kind_goes_from_payment_to_done_its_own_way(kind, steps):
    assert walk(kind, *steps) == sf.DONE


def test_b6_an_unpaid_order_is_closed_by_the_customer_or_the_timer_and_then_nothing_moves():
    for party in (sf.CUSTOMER, sf.SYSTEM):
        assert walk(sf.TAKEAWAY, ("cancel", party)) == sf.CLOSED
    with pytest.raises(Conflict):
        sf.next_state(sf.TAKEAWAY, "pay", sf.CLOSED, sf.SYSTEM)  # a late payment notification
    with pytest.raises(PermissionDenied):
        sf.next_state(sf.TAKEAWAY, "cancel", sf.AWAITING_PAYMENT, sf.MERCHANT)


def test_b6_a_party_that_may_not_act_is_denied_before_the_state_is_looked_at():
    with pytest.raises(PermissionDenied):
        sf.next_state(sf.ECOMMERCE, "ship", sf.DONE, sf.CUSTOMER)  # wrong party and wrong state
    with pytest.raises(PermissionDenied):
        sf.next_state(sf.ECOMMERCE, "pay", sf.AWAITING_PAYMENT, sf.CUSTOMER)  # only a verified notification
    with pytest.raises(PermissionDenied):
        sf.next_state(sf.IN_STORE, "verify", sf.CONFIRMED, sf.CUSTOMER)  # the merchant verifies the code


def test_b6_a_wrong_state_or_a_step_the_kind_has_not_is_a_conflict():
    with pytest.raises(Conflict):
        sf.next_state(sf.ECOMMERCE, "ship", sf.SHIPPED, sf.MERCHANT)  # shipped twice
    with pytest.raises(Conflict):
        sf.next_state(sf.IN_STORE, "verify", sf.DONE, sf.MERCHANT)  # verified twice
    with pytest.raises(Conflict):
        sf.next_state(sf.ECOMMERCE, "accept", sf.PAID, sf.MERCHANT)  # a takeaway step
    with pytest.raises(Conflict):
        sf.next_state(sf.TAKEAWAY, "deliver", sf.ACCEPTED, sf.SYSTEM)  # not yet with a rider


def test_b6_the_actions_a_screen_offers_are_the_ones_that_would_succeed():
    assert sf.actions(sf.TAKEAWAY, sf.PAID, sf.MERCHANT) == ("accept",)
    assert sf.actions(sf.IN_STORE, sf.CONFIRMED, sf.MERCHANT) == ("verify",)
    assert sf.actions(sf.IN_STORE, sf.CONFIRMED, sf.CUSTOMER) == ("complete",)
    assert sf.actions(sf.ECOMMERCE, sf.DONE, sf.MERCHANT) == ()
    for kind in sf.KINDS:
        for state in (sf.AWAITING_PAYMENT, sf.PAID, sf.CONFIRMED, sf.DELIVERING):
            for party in (sf.MERCHANT, sf.CUSTOMER, sf.SYSTEM):
                for action in sf.actions(kind, state, party):
                    sf.next_state(kind, action, state, party)  # never raises


def test_b8_in_store_face_to_face_and_top_up_orders_take_no_refund_request():
    for kind in (sf.IN_STORE, sf.FACE_TO_FACE, sf.TOP_UP):
        with pytest.raises(Conflict) as refused:
            sf.check_refund_request(kind, sf.DONE, sf.Refunds(paid_fen=1000), 500)
        assert refused.value.code == "REFUND_NOT_ACCEPTED"


def test_b8_a_refund_is_asked_once_at_a_time_for_at_most_what_is_left():
    paid = sf.Refunds(paid_fen=3600)
    sf.check_refund_request(sf.TAKEAWAY, sf.DELIVERING, paid, 3600)
    with pytest.raises(Conflict):
        sf.check_refund_request(sf.TAKEAWAY, sf.AWAITING_PAYMENT, paid, 100)  # nothing paid yet
    with pytest.raises(Conflict):
        sf.check_refund_request(sf.TAKEAWAY, sf.CLOSED, paid, 100)
    with pytest.raises(Conflict):
        sf.check_refund_request(sf.TAKEAWAY, sf.DONE, sf.Refunds(3600, 0, 1000), 100)  # one pending
    for amount in (0, -1, 3601):
        with pytest.raises(InvalidInput) as bad:
            sf.check_refund_request(sf.ECOMMERCE, sf.SHIPPED, paid, amount)
        assert "amount_fen" in bad.value.fields
    with pytest.raises(InvalidInput):
        sf.check_refund_request(sf.ECOMMERCE, sf.DONE, sf.Refunds(3600, 3000), 601)  # 600 left


def test_b8_approving_partial_then_the_rest_closes_the_order_only_when_all_is_back():
    money = sf.Refunds(paid_fen=3600, requested_fen=1000)
    after, closed = sf.approved_refund(money, 800)  # the merchant may approve less than asked
    assert (after, closed) == (sf.Refunds(3600, 800, 0), False)
    with pytest.raises(Conflict):
        sf.approved_refund(after, 100)  # nothing is asked for now
    rest = sf.Refunds(after.paid_fen, after.refunded_fen, requested_fen=2800)
    with pytest.raises(InvalidInput):
        sf.approved_refund(rest, 2801)
    done, closed = sf.approved_refund(rest, 2800)
    assert (done.refundable_fen, closed) == (0, True)
