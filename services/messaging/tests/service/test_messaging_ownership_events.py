"""C2 C3 + F4: ownership changes and registration applications notify the people concerned,
never the one who acted, once per event."""

import json

from messaging_testkit import ref
from sqlalchemy import select

from crmkit.events import Event
from messaging.domain.ownership_notifications import OWNERSHIP_EVENTS
from messaging.handlers import on_ownership_event
from messaging.models import Notification
from messaging.subscriptions import subscriptions


def event(tenant, type_, **data):
    return Event(type=type_, source="customers", tenant_id=tenant, data=data)


def inbox(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant)).all()
        return sorted((r.recipient_staff_id, r.kind, r.title_key, json.loads(r.params)) for r in rows)


def ownership(customer="c1", **kw):
    data = {"customer_id": customer, "name": "王记", "store_id": "", "from_staff_id": "", "to_staff_id": ""}
    data.update(by_staff_id="", reason="")
    data.update(kw)
    return data


def test_c3_transfer_tells_previous_and_new_salesperson_not_the_manager(db, identity, alerts):
    tenant = ref("t")
    evt = event(tenant, "customer_transferred", **ownership(from_staff_id="s1", to_staff_id="s2", by_staff_id="m1"))
    assert on_ownership_event(db.uow(), evt, identity=identity, alerts=alerts) == 2
    assert [r[:3] for r in inbox(db, tenant)] == [
        ("s1", "customer_transferred", "notification.customer_transferred"),
        ("s2", "customer_transferred", "notification.customer_transferred"),
    ]
    # Redelivery changes nothing.
    assert on_ownership_event(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert len(inbox(db, tenant)) == 2


def test_c3_return_to_pool_tells_the_salesperson_and_store_managers(db, identity, fake_identity, alerts):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    evt = event(
        tenant, "customer_returned_to_pool", **ownership(store_id=store, from_staff_id="s1", reason="no_followup")
    )
    assert on_ownership_event(db.uow(), evt, identity=identity, alerts=alerts) == 2
    rows = inbox(db, tenant)
    assert [r[0] for r in rows] == ["m1", "s1"]
    assert rows[1][3]["reason"] == "no_followup"


def test_c3_release_by_the_owner_tells_managers_only(db, identity, fake_identity, alerts):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    evt = event(tenant, "customer_released", **ownership(store_id=store, from_staff_id="s1", by_staff_id="s1"))
    assert on_ownership_event(db.uow(), evt, identity=identity, alerts=alerts) == 1
    assert [r[0] for r in inbox(db, tenant)] == ["m1"]


def test_c3_warning_tells_the_holder_with_the_deadline(db, identity, alerts):
    tenant = ref("t")
    data = {"customer_id": "c9", "name": "王记", "owner_staff_id": "s1", "due_at": "2026-02-04T08:00:00+00:00"}
    assert (
        on_ownership_event(db.uow(), event(tenant, "pool_return_warning", **data), identity=identity, alerts=alerts)
        == 1
    )
    [(who, kind, _, params)] = inbox(db, tenant)
    assert (who, kind, params["due_at"]) == ("s1", "pool_return_warning", "2026-02-04T08:00:00+00:00")


def test_c2_pending_application_tells_the_salesperson_auto_approved_does_not(db, identity, alerts):
    tenant = ref("t")
    pending = {"application_id": "a1", "salesperson_id": "s1", "name": "王", "auto_approved": False}
    auto = {**pending, "application_id": "a2", "auto_approved": True}
    assert (
        on_ownership_event(db.uow(), event(tenant, "registration_applied", **pending), identity=identity, alerts=alerts)
        == 1
    )
    assert (
        on_ownership_event(db.uow(), event(tenant, "registration_applied", **auto), identity=identity, alerts=alerts)
        == 0
    )
    assert [r[:2] for r in inbox(db, tenant)] == [("s1", "registration_applied")]


def test_c3_malformed_event_is_acknowledged_without_notifying(db, identity, alerts):
    tenant = ref("t")
    assert (
        on_ownership_event(db.uow(), event(tenant, "customer_claimed", name="x"), identity=identity, alerts=alerts) == 0
    )
    assert inbox(db, tenant) == []


def test_c3_every_ownership_event_is_subscribed(db, identity, alerts):
    handlers = subscriptions(db, identity, customers_client=None, alerts=alerts)
    assert {("customers", t) for t in OWNERSHIP_EVENTS} <= set(handlers)
