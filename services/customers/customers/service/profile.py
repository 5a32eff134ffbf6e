"""Changing a customer's profile (C1, C5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.changelog import author
from crmkit.db import UnitOfWork
from customers import events
from customers.domain.profile import Profile, UpdateCustomer, updated_profile
from customers.models import CustomerRow
from customers.service.activity_views import visible_customer
from customers.service.changes import log_change, snapshot
from customers.service.fields import load_definitions
from customers.service.registration import _phone_taken
from customers.service.tags import tags_of
from customers.service.views import CustomerView, customer_view

UPDATED = "updated"


def load_visible(uow: UnitOfWork, actor: Actor, customer_id: str, *, lock: bool = False) -> CustomerRow:
    """The customer row within the caller's scope (customers.domain.scope), else NotFound."""
    return visible_customer(uow.session, actor, customer_id, lock=lock)


def update_customer(uow: UnitOfWork, actor: Actor, cmd: UpdateCustomer, *, now: datetime) -> CustomerView:
    with uow:
        session = uow.session
        row = load_visible(uow, actor, cmd.customer_id, lock=True)
        before = snapshot(row)
        current = Profile(
            row.name, row.phone, dict(row.fields or {}), row.level or "", row.region or "", row.latitude, row.longitude
        )
        new = updated_profile(current, cmd, load_definitions(session, actor.tenant_id))
        if new.phone != row.phone and session.scalar(
            select(CustomerRow.id).where(
                CustomerRow.tenant_id == actor.tenant_id, CustomerRow.phone == new.phone, CustomerRow.id != row.id
            )
        ):
            raise _phone_taken()
        row.name, row.phone, row.fields, row.level = new.name, new.phone, new.fields, new.level
        row.region, row.latitude, row.longitude = new.region, new.latitude, new.longitude
        try:
            session.flush()
        except IntegrityError:
            raise _phone_taken() from None
        view = customer_view(row, tags_of(session, actor.tenant_id, [row.id]).get(row.id, ()))
        record_update(uow, actor, row, before, now=now)
        uow.commit()
    return view


def record_update(uow: UnitOfWork, actor: Actor, row: CustomerRow, before: dict, *, now: datetime) -> None:
    """A changed customer's change-log row (the fields that changed since `before`) and
    `customer_updated`, in the changing transaction."""
    log_change(uow.session, author(actor), row, UPDATED, before=before, after=snapshot(row), now=now)
    uow.publish(events.customer_updated(row), actor.tenant_id)
