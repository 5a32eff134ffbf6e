"""Issue 12.3: every event a service consumes is one its publisher lists in its events.py. The
launcher is the one place allowed to import every service (ARCHITECTURE.md, Running), so the
subscriptions of each consumer are read here by their (source, type) keys and held against the
publishers' catalogues; no service has to know another's internals for it."""

from coupons.events import EVENTS as COUPONS
from coupons.subscriptions import subscriptions as coupons_subscriptions
from customers.events import EVENTS as CUSTOMERS
from customers.subscriptions import subscriptions as customers_subscriptions
from identity.events import EVENTS as IDENTITY
from marketing.events import EVENTS as MARKETING
from marketing.subscriptions import subscriptions as marketing_subscriptions
from messaging.events import EVENTS as MESSAGING
from messaging.subscriptions import subscriptions as messaging_subscriptions
from orders.events import EVENTS as ORDERS
from orders.subscriptions import subscriptions as orders_subscriptions
from printing.events import EVENTS as PRINTING
from printing.subscriptions import subscriptions as printing_subscriptions

CATALOGUES = {c.source: c for c in (IDENTITY, CUSTOMERS, MESSAGING, ORDERS, COUPONS, MARKETING, PRINTING)}


def consumed() -> dict[str, set[tuple[str, str]]]:
    # Building the maps connects to nothing: the handlers only close over what they are given.
    return {
        "messaging": set(messaging_subscriptions(None, None, customers_client=None, alerts=None)),
        "orders": set(orders_subscriptions(None, None, None)),
        "customers": set(customers_subscriptions(None)),
        "coupons": set(coupons_subscriptions(None)),
        "marketing": set(marketing_subscriptions(None)),
        "printing": set(printing_subscriptions(None, None)),
    }


def test_every_catalogue_is_its_services_own():
    assert sorted(CATALOGUES) == ["coupons", "customers", "identity", "marketing", "messaging", "orders", "printing"]


def test_consumers_subscribe_only_to_events_their_publisher_lists():
    unknown = {
        consumer: sorted(key for key in keys if key[1] not in CATALOGUES[key[0]].types)
        for consumer, keys in consumed().items()
    }
    assert unknown == {consumer: [] for consumer in unknown}
