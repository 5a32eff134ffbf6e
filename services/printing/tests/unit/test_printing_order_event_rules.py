"""G3: a paid storefront order (orders' storefront_order_paid) as the ticket it prints and the step
that accepts it; takeaway and in-store run unattended, the other kinds wait for the merchant."""

from datetime import UTC, datetime

import pytest
from printing_testkit import paid_order

from printing.domain.layout import receipt
from printing.domain.order_events import MalformedOrder, parse_paid_order
from printing.domain.tickets import NOTE_MAX, TicketLine, check_ticket


def test_g3_the_paid_order_becomes_its_ticket_with_lines_categories_and_totals():
    order = paid_order("st-1")
    paid = parse_paid_order({"order": order})
    ticket = paid.ticket
    assert (paid.order_id, paid.store_id, paid.kind) == (order["order_id"], "st-1", "takeaway")
    assert (ticket.order_id, ticket.order_no, ticket.kind) == (order["order_id"], "SF20260308-0001", "takeaway")
    assert ticket.lines[0] == TicketLine("p-chicken", "c-hot", "宫保鸡丁", 2, 3600, "大份")
    assert [x.category_id for x in ticket.lines] == ["c-hot", "c-hot", "c-drink"]
    assert (ticket.subtotal_fen, ticket.discount_fen, ticket.delivery_fee_fen, ticket.paid_fen) == (
        6200,
        500,
        400,
        6100,
    )
    assert ticket.placed_at == datetime(2026, 3, 8, 4, 30, tzinfo=UTC)
    assert (ticket.verification_code, ticket.note) == ("88421937", "少辣，不要香菜")
    # The rider calls the contact, not the account holder; the layout masks the phone.
    assert (ticket.customer_name, ticket.customer_phone) == ("王先生", "13812348000")
    assert "138****8000" in receipt(ticket, 58).text()
    assert check_ticket(ticket) is ticket


def test_g3_without_a_contact_the_customer_is_on_the_ticket():
    ticket = parse_paid_order({"order": paid_order(kind="in_store", contact_name="", contact_phone="")}).ticket
    assert (ticket.customer_name, ticket.customer_phone) == ("王芳", "13900001111")


@pytest.mark.parametrize(
    ("kind", "unattended", "action"),
    [
        ("takeaway", True, "accept"),
        ("in_store", True, "confirm"),
        ("reservation", False, ""),
        ("ecommerce", False, ""),
        ("face_to_face", False, ""),
        ("top_up", False, ""),
    ],
)
def test_g3_takeaway_is_accepted_in_store_confirmed_the_rest_wait(kind, unattended, action):
    paid = parse_paid_order({"order": paid_order(kind=kind)})
    assert (paid.unattended, paid.accept_action) == (unattended, action)


def test_g3_texts_past_the_tickets_limits_are_cut_not_refused():
    paid = parse_paid_order({"order": paid_order(note="多" * 500, lines=[{"name": "菜" * 99, "quantity": 1}])})
    assert len(paid.ticket.note) == NOTE_MAX and len(paid.ticket.lines[0].name) == 60
    assert check_ticket(paid.ticket) is paid.ticket


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"order": "o-1"},
        {"order": paid_order(order_id="")},
        {"order": paid_order(store_id="")},
        {"order": paid_order(lines="宫保鸡丁")},
        {"order": paid_order(lines=[{"name": "茶", "quantity": "2"}])},
        {"order": paid_order(paid_fen=61.0)},
        {"order": paid_order(placed_at="yesterday")},
        {"order": paid_order(placed_at="2026-03-08T04:30:00")},
        {"order": paid_order(placed_at=None, paid_at=None)},
    ],
)
def test_g3_an_order_that_cannot_be_read_is_malformed(data):
    with pytest.raises(MalformedOrder):
        parse_paid_order(data)
