"""Issue 12.3: orders's words have one home each. Every error code it raises is a member of
`orders.errors.ErrorCode`, every code's message has text in each gateway catalogue, and the events
it publishes are exactly those `orders.events` lists, each built there."""

from pathlib import Path

import orders
from crmkit.source_checks import error_code_problems, missing_message_keys, unbuilt_events
from orders.errors import ErrorCode
from orders.events import EVENTS

PACKAGE = Path(orders.__file__).parent
I18N = Path(__file__).resolve().parents[4] / "gateway" / "gateway" / "i18n"


def test_every_error_code_raised_is_a_member_of_the_enumeration():
    assert error_code_problems(PACKAGE, ErrorCode) == []


def test_every_error_code_has_a_message_in_each_language():
    assert missing_message_keys(ErrorCode, I18N) == []


def test_error_codes_are_named_as_they_go_on_the_wire():
    assert [m.name for m in ErrorCode] == [m.value for m in ErrorCode]


def test_every_listed_event_is_published_and_named_as_its_builder():
    # Published events can only be built by EVENTS (UnitOfWork.publish refuses anything else);
    # this keeps the list from naming an event nobody publishes.
    assert EVENTS.source == "orders"
    assert unbuilt_events(PACKAGE, EVENTS) == []
    assert [build.__name__ for build in EVENTS.builders.values()] == list(EVENTS.builders)
