"""G4 F4: a printer offline tells the store's managers once, in the inbox and in their open apps."""

import json

from messaging_testkit import ref
from sqlalchemy import select

from crmkit.events import Event
from messaging.handlers import on_printer_offline
from messaging.models import Notification


def inbox(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant)).all()
        return sorted((r.recipient_staff_id, r.kind, r.title_key, json.loads(r.params)) for r in rows)


def test_g4_the_stores_managers_hear_that_a_printer_is_offline_once(db, identity, fake_identity, alerts):
    tenant, store, other = ref("t"), ref("store"), ref("store")
    fake_identity.add_staff(tenant, "m1", roles=["store_manager"], store_ids=[store])
    fake_identity.add_staff(tenant, "m2", roles=["store_manager"], store_ids=[other])
    data = {
        "printer_id": "p1",
        "printer_name": "前台",
        "store_id": store,
        "role": "counter",
        "waiting_jobs": 2,
        "error": "127.0.0.1:9100 ConnectionRefusedError",
        "kind": "network",
        "failures": 3,
    }
    evt = Event(type="printer_offline", source="printing", tenant_id=tenant, data=data)
    assert on_printer_offline(db.uow(), evt, identity=identity, alerts=alerts) == 1
    [(who, kind, key, params)] = inbox(db, tenant)
    assert (who, kind, key) == ("m1", "printer_offline", "notification.printer_offline")
    assert (params["printer"], params["waiting_jobs"]) == ("前台", "2")
    assert on_printer_offline(db.uow(), evt, identity=identity, alerts=alerts) == 0
    assert len(inbox(db, tenant)) == 1


def test_g4_a_malformed_printer_event_is_acknowledged_and_ignored(db, identity, alerts):
    evt = Event(type="printer_offline", source="printing", tenant_id=ref("t"), data={"printer_id": "p1"})
    assert on_printer_offline(db.uow(), evt, identity=identity, alerts=alerts) == 0
