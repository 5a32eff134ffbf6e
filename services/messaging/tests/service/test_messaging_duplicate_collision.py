"""C9 + H3: a collision (撞单) notifies both salespeople, once, in the event's tenant only."""

from messaging_testkit import ref
from sqlalchemy import select

from crmkit.events import Event
from messaging.handlers import on_duplicate_collision
from messaging.models import Notification
from messaging.subscriptions import subscriptions


def collision(tenant_id, staff_ids, **extra):
    data = {
        "duplicate_id": ref("d"),
        "phone": "13800001111",
        "customer_id": "c1",
        "customer_name": "王芳",
        "lead_id": "l1",
        "lead_name": "王芳(展会)",
        "staff_ids": staff_ids,
        **extra,
    }
    return Event(type="duplicate_collision", source="customers", tenant_id=tenant_id, data=data)


def inbox(db, tenant_id):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant_id)).all()
        return sorted((r.recipient_staff_id, r.kind, r.title_key) for r in rows)


def test_c9_collision_notifies_both_salespeople_once(db, alerts):
    tenant = ref("t")
    evt = collision(tenant, ["s-a", "s-b"])
    assert on_duplicate_collision(db.uow(), evt, alerts=alerts) == 2
    assert on_duplicate_collision(db.uow(), evt, alerts=alerts) == 0  # redelivered
    expected = [
        ("s-a", "duplicate_collision", "notification.duplicate_collision"),
        ("s-b", "duplicate_collision", "notification.duplicate_collision"),
    ]
    assert inbox(db, tenant) == expected
    assert inbox(db, ref("t")) == []


def test_c9_malformed_collision_is_dropped(db, alerts):
    tenant = ref("t")
    assert on_duplicate_collision(db.uow(), collision(tenant, "s-a"), alerts=alerts) == 0
    assert inbox(db, tenant) == []


def test_c9_collision_is_subscribed(db, alerts):
    handlers = subscriptions(db, identity_client=None, customers_client=None, alerts=alerts)
    tenant = ref("t")
    handlers[("customers", "duplicate_collision")](collision(tenant, ["s-a", "", "s-a"]))
    assert inbox(db, tenant) == [("s-a", "duplicate_collision", "notification.duplicate_collision")]
