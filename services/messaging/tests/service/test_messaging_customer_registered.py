"""F4 + H3: on_customer_registered tells the salesperson and the store managers, once."""

import threading
from datetime import UTC, datetime

import pytest
from messaging_testkit import ref
from sqlalchemy import func, select

from crmkit.alerts import START
from crmkit.errors import Unavailable
from crmkit.events import Event
from messaging import handlers
from messaging.domain.ownership_notifications import OWNERSHIP_EVENTS
from messaging.handlers import on_customer_registered
from messaging.models import Notification, ProcessedEvent
from messaging.subscriptions import subscriptions


def registered(tenant_id, *, customer_id=None, owner="", store_id="", name="王芳", event_id=None):
    data = {"customer_id": customer_id or ref("c"), "name": name, "owner_staff_id": owner, "store_id": store_id}
    return Event(
        type="customer_registered",
        source="customers",
        tenant_id=tenant_id,
        data=data,
        **({"event_id": event_id} if event_id else {}),
    )


def notifications_of(db, tenant_id):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant_id)).all()
        return sorted((r.recipient_staff_id, r.kind, r.title_key, r.subject, r.params) for r in rows)


def test_f4_customer_registered_notifies_owner_and_store_managers(db, identity, fake_identity, alerts):
    # given a store with two managers (one inactive) and a manager of another store
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    fake_identity.add_staff(tenant, "m-gone", roles=["store_manager"], store_ids=[store], active=False)
    fake_identity.add_staff(tenant, "m-other", roles=["store_manager"], store_ids=[ref("store")])
    fake_identity.add_staff(tenant, "s1", roles=["salesperson"], store_ids=[store])
    evt = registered(tenant, customer_id="c1", owner="s1", store_id=store)
    # when the event is handled
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 2
    # then the owner and the active manager of that store are told, and identity was asked
    # as a service of the event's tenant
    params = '{"customer_id": "c1", "customer_name": "王芳", "salesperson_id": "s1"}'
    expected = [
        ("m1", "customer_registered", "notification.customer_registered", "customer:c1", params),
        ("s1", "customer_registered", "notification.customer_registered", "customer:c1", params),
    ]
    assert notifications_of(db, tenant) == expected
    assert fake_identity.calls == [(tenant, "store_manager", store, 1)]


def test_f4_redelivered_customer_registered_notifies_once(db, identity, fake_identity, alerts):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    evt = registered(tenant, owner="s1", store_id=store)
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 2
    # the broker delivers the same event again
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert len(notifications_of(db, tenant)) == 2
    # each recipient's open app heard of it once
    for staff_id in ("s1", "m1"):
        assert [a.kind for a in alerts.after(tenant, staff_id, START)] == ["customer_registered"]


def test_h3_concurrent_redeliveries_notify_once(db, identity, fake_identity, alerts):
    tenant = ref("t")
    evt = registered(tenant, owner="s1")
    barrier = threading.Barrier(6)
    written = []

    def handle():
        barrier.wait()
        written.append(on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts))

    threads = [threading.Thread(target=handle) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(written) == [0, 0, 0, 0, 0, 1]
    assert len(notifications_of(db, tenant)) == 1
    assert len(alerts.after(tenant, "s1", START)) == 1


def test_f4_manager_who_owns_the_customer_is_told_once(db, identity, fake_identity, alerts):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager", "salesperson"], store_ids=[store])
    on_customer_registered(db.uow(), registered(tenant, owner="m1", store_id=store), identity=identity, alerts=alerts)
    assert [r[0] for r in notifications_of(db, tenant)] == ["m1"]


def test_f4_pool_customer_without_store_notifies_nobody_and_asks_nobody(db, identity, fake_identity, alerts):
    tenant = ref("t")
    evt = registered(tenant)
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert fake_identity.calls == []
    # the event is still recorded as handled
    with db.uow() as uow:
        assert uow.session.get(ProcessedEvent, (evt.event_id, "messaging.on_customer_registered")) is not None


def test_f4_managers_are_read_across_all_pages(db, identity, fake_identity, monkeypatch, alerts):
    monkeypatch.setattr(handlers, "LIST_PAGE_SIZE", 2)
    tenant, store = ref("t"), ref("store")
    for i in range(5):
        fake_identity.add_staff(tenant, f"m{i}", roles=["store_manager"], store_ids=[store])
    assert on_customer_registered(db.uow(), registered(tenant, store_id=store), identity=identity, alerts=alerts) == 5
    assert [c[3] for c in fake_identity.calls] == [1, 2, 3]


def test_f4_identity_outage_fails_the_event_for_redelivery_and_stores_nothing(db, identity, fake_identity, alerts):
    tenant, store = ref("t"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    evt = registered(tenant, owner="s1", store_id=store)
    fake_identity.down = True
    with pytest.raises(Unavailable):
        on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts)
    assert notifications_of(db, tenant) == []
    # identity is back: the redelivered event is handled in full
    fake_identity.down = False
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 2


def test_f4_malformed_event_is_acknowledged_without_effect(db, identity, alerts):
    tenant = ref("t")
    evt = Event(type="customer_registered", source="customers", tenant_id=tenant, data={"name": "x"})
    assert on_customer_registered(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert notifications_of(db, tenant) == []


def test_f4_subscriptions_route_customer_registered_to_the_handler(db, identity, alerts):
    tenant = ref("t")
    routes = subscriptions(db, identity, customers_client=None, alerts=alerts)
    assert set(routes) == {
        ("customers", "customer_registered"),
        ("customers", "duplicate_collision"),
        ("coupons", "coupon_issued"),
        ("coupons", "coupon_expiring"),
        ("marketing", "article_opened"),
        ("printing", "printer_offline"),
        ("orders", "storefront_order_paid"),
        ("orders", "storefront_refund_requested"),
    } | {("customers", event_type) for event_type in OWNERSHIP_EVENTS}
    routes[("customers", "customer_registered")](registered(tenant, owner="s9"))
    assert [r[0] for r in notifications_of(db, tenant)] == ["s9"]


def test_f4_notification_time_is_the_handling_time(db, identity, alerts):
    tenant = ref("t")
    at = datetime(2025, 3, 8, 9, 30, tzinfo=UTC)
    on_customer_registered(db.uow(), registered(tenant, owner="s1"), identity=identity, alerts=alerts, now=lambda: at)
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(func.max(Notification.created_at)).where(Notification.tenant_id == tenant)) == at
        )
