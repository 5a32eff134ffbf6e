"""Changing a customer's profile (C1, C5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound
from customers.domain.profile import Profile, UpdateCustomer, updated_profile
from customers.domain.visibility import scope_for
from customers.errors import Codes, MessageKeys
from customers.models import CustomerChangeRow, CustomerRow
from customers.service.fields import load_definitions
from customers.service.registration import _phone_taken, _snapshot
from customers.service.tags import tags_of
from customers.service.views import CustomerView, customer_view

CUSTOMER_UPDATED = "customer_updated"


def load_visible(uow: UnitOfWork, actor: Actor, customer_id: str, *, lock: bool = False) -> CustomerRow:
    """The customer row if the caller may see it (locked for update when asked); NotFound
    otherwise, the same for another tenant's, a colleague's or a missing one."""
    scope = scope_for(actor)
    stmt = select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    row = uow.session.scalar(stmt)
    if row is None or not scope.allows(row.owner_staff_id):
        raise NotFound(Codes.CUSTOMER_NOT_FOUND, MessageKeys.CUSTOMER_NOT_FOUND, params={"id": customer_id})
    return row


def update_customer(uow: UnitOfWork, actor: Actor, cmd: UpdateCustomer, *, now: datetime) -> CustomerView:
    with uow:
        session = uow.session
        row = load_visible(uow, actor, cmd.customer_id, lock=True)
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
        record_update(uow, actor, row, view, now=now)
        uow.commit()
    return view


def record_update(uow: UnitOfWork, actor: Actor, row: CustomerRow, view: CustomerView, *, now: datetime) -> None:
    """A changed customer's audit row and `customer_updated`, in the changing transaction."""
    uow.session.add(
        CustomerChangeRow(
            tenant_id=actor.tenant_id,
            actor_kind=actor.kind,
            actor_id=actor.subject_id,
            action="updated",
            customer_id=row.id,
            after=_snapshot(view),
            created_at=now,
        )
    )
    uow.publish(
        CUSTOMER_UPDATED,
        actor.tenant_id,
        {"customer_id": row.id, "name": row.name, "phone": row.phone, "level": row.level, "region": row.region},
    )
