"""Helpers of the C2/C3/C5/C12 service tests."""

import json

from customer_testkit import NOW, phone
from sqlalchemy import select

from customers import service
from customers.domain.registration import RegisterCustomer
from customers.models import Outbox


def register(db, actor, n, *, now=NOW, **kw):
    cmd = RegisterCustomer(name=kw.pop("name", f"客户{n}"), phone=phone(n), fields={}, **kw)
    return service.register_customer(db.uow(), actor, cmd, now=now)


def events(db, tenant, type_=None):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant).order_by(Outbox.id)).all()
        out = [json.loads(r.payload) for r in rows]
    return [e for e in out if type_ is None or e["type"] == type_]
