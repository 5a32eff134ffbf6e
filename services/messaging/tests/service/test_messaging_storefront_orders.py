"""F4 + H3: a paid storefront order and a customer's refund request reach the tenant's owners and
the order's store managers, in the inbox and in their open apps, once however often the broker
delivers the event (real PostgreSQL, real Redis, identity's ListStaff on a fake gRPC server)."""

import json

import pytest
from messaging_testkit import ref
from sqlalchemy import select

from crmkit.alerts import START
from crmkit.errors import Unavailable
from crmkit.events import Event
from messaging.handlers import on_storefront_order_paid, on_storefront_refund_requested
from messaging.models import Notification
from messaging.subscriptions import subscriptions


def order(store, **changes) -> dict:
    data = {"order_id": ref("sf"), "number": "SF20261205-0001", "store_id": store, "kind": "takeaway"}
    return {**data, "state": "paid", "total_fen": 6100, "paid_fen": 6100, "lines": [], **changes}


def paid(tenant, store) -> Event:
    return Event(type="storefront_order_paid", source="orders", tenant_id=tenant, data={"order": order(store)})


def refund_asked(tenant, store) -> Event:
    refund = {"refund_id": ref("rf"), "requested_fen": 1800, "reason": "少送了一份面"}
    return Event(
        type="storefront_refund_requested",
        source="orders",
        tenant_id=tenant,
        data={"order": order(store), "refund": refund},
    )


def inbox(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant)).all()
        return sorted((r.recipient_staff_id, r.kind, r.title_key, r.subject, json.loads(r.params)) for r in rows)


@pytest.fixture
def people(fake_identity):
    """A tenant with an owner, the store's manager, another store's manager, a salesperson and a
    former owner (inactive); another tenant's owner."""
    tenant, store, other = ref("t"), ref("store"), ref("store")
    fake_identity.add_staff(tenant, "o1", roles=["owner"])
    fake_identity.add_staff(tenant, "o-gone", roles=["owner"], active=False)
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    fake_identity.add_staff(tenant, "m2", roles=["store_manager"], store_ids=[other])
    fake_identity.add_staff(tenant, "s1", roles=["salesperson"], store_ids=[store])
    fake_identity.add_staff(ref("t"), "o-stranger", roles=["owner"])
    return tenant, store


def test_f4_a_paid_order_tells_the_owners_and_the_stores_managers_once(db, identity, alerts, people):
    tenant, store = people
    evt = paid(tenant, store)
    assert on_storefront_order_paid(db.uow(), evt, identity=identity, alerts=alerts) == 2
    assert on_storefront_order_paid(db.uow(), evt, identity=identity, alerts=alerts) == 0
    found = inbox(db, tenant)
    assert [(who, kind, key) for who, kind, key, _, _ in found] == [
        ("m1", "storefront_order", "notification.storefront_order"),
        ("o1", "storefront_order", "notification.storefront_order"),
    ]
    subject, params = found[0][3], found[0][4]
    assert subject == f"storefront_order:{evt.data['order']['order_id']}"
    assert (params["number"], params["kind"], params["total_fen"], params["total_yuan"]) == (
        "SF20261205-0001",
        "takeaway",
        "6100",
        "61.00",
    )
    # One real-time alert each, in their own streams, none for the redelivery.
    for who in ("o1", "m1"):
        [alert] = alerts.after(tenant, who, START)
        assert (alert.kind, alert.title_key, alert.params["number"]) == (
            "storefront_order",
            "notification.storefront_order",
            "SF20261205-0001",
        )
    assert alerts.after(tenant, "m2", START) == [] and alerts.after(tenant, "s1", START) == []


def test_f4_a_refund_request_tells_the_owners_and_the_stores_managers_once(db, identity, alerts, people):
    tenant, store = people
    evt = refund_asked(tenant, store)
    assert on_storefront_refund_requested(db.uow(), evt, identity=identity, alerts=alerts) == 2
    assert on_storefront_refund_requested(db.uow(), evt, identity=identity, alerts=alerts) == 0
    found = inbox(db, tenant)
    assert [(who, kind, key) for who, kind, key, _, _ in found] == [
        ("m1", "storefront_refund", "notification.storefront_refund"),
        ("o1", "storefront_refund", "notification.storefront_refund"),
    ]
    params = found[0][4]
    assert (params["requested_fen"], params["requested_yuan"], params["reason"]) == ("1800", "18.00", "少送了一份面")
    [alert] = alerts.after(tenant, "o1", START)
    assert alert.kind == "storefront_refund"


def test_f4_identity_down_the_event_comes_back_and_is_told_then(db, identity, fake_identity, alerts, people):
    tenant, store = people
    evt = paid(tenant, store)
    fake_identity.down = True
    with pytest.raises(Unavailable):
        on_storefront_order_paid(db.uow(), evt, identity=identity, alerts=alerts)
    assert inbox(db, tenant) == []
    fake_identity.down = False
    assert on_storefront_order_paid(db.uow(), evt, identity=identity, alerts=alerts) == 2


def test_f4_a_malformed_storefront_event_is_acknowledged_without_effect(db, identity, alerts):
    tenant = ref("t")
    evt = Event(type="storefront_order_paid", source="orders", tenant_id=tenant, data={"order": {"order_id": "x"}})
    assert on_storefront_order_paid(db.uow(), evt, identity=identity, alerts=alerts) == 0
    evt = Event(type="storefront_refund_requested", source="orders", tenant_id=tenant, data={"order": order("st")})
    assert on_storefront_refund_requested(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert inbox(db, tenant) == []


def test_f4_the_subscriptions_route_both_storefront_events(db, identity, alerts, people):
    tenant, store = people
    routes = subscriptions(db, identity, customers_client=None, alerts=alerts)
    routes[("orders", "storefront_order_paid")](paid(tenant, store))
    routes[("orders", "storefront_refund_requested")](refund_asked(tenant, store))
    assert (
        sorted(kind for _, kind, _, _, _ in inbox(db, tenant)) == ["storefront_order"] * 2 + ["storefront_refund"] * 2
    )
