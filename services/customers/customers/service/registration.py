"""Registering a customer on the spot (C2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.changelog import Author
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists
from customers import events
from customers.domain.registration import RegisterCustomer, Registration, register
from customers.errors import ErrorCode
from customers.models import UQ_CUSTOMER_PHONE, CustomerRow, OwnershipChangeRow
from customers.service.changes import log_change, snapshot
from customers.service.fields import load_definitions
from customers.service.views import CustomerView, customer_view

REGISTERED = "registered"


def _phone_taken() -> AlreadyExists:
    return AlreadyExists(ErrorCode.CUSTOMER_PHONE_TAKEN, fields={"phone": "validation.phone_taken"})


def register_customer(uow: UnitOfWork, actor: Actor, cmd: RegisterCustomer, *, now: datetime) -> CustomerView:
    """Customer, change-log row and `customer_registered` event in one transaction: any error
    leaves none of them behind."""
    with uow:
        view = add_customer(uow, actor, cmd, now=now)
        uow.commit()
    return view


def add_customer(uow: UnitOfWork, actor: Actor, cmd: RegisterCustomer, *, now: datetime) -> CustomerView:
    """The registration inside a transaction the caller owns (and commits): converting a lead
    (C7) registers its customer in the same transaction that closes the lead."""
    # Definitions are read in the same transaction as the insert, so the values are checked
    # against what the tenant has configured now, not what a form was built from.
    reg = register(actor, cmd, load_definitions(uow.session, actor.tenant_id))
    return insert_customer(uow, actor.tenant_id, reg, actor_kind=actor.kind, actor_id=actor.subject_id, now=now)


def insert_customer(
    uow: UnitOfWork, tenant_id: str, reg: Registration, *, actor_kind: str, actor_id: str, now: datetime
) -> CustomerView:
    """Inside the caller's transaction: the customer, its change-log and owner-history rows and
    the `customer_registered` event (on-the-spot registration and approved QR applications)."""
    session = uow.session
    taken = session.scalar(
        select(CustomerRow.id).where(CustomerRow.tenant_id == tenant_id, CustomerRow.phone == reg.phone)
    )
    if taken:
        raise _phone_taken()
    row = CustomerRow(
        tenant_id=tenant_id,
        name=reg.name,
        phone=reg.phone,
        owner_staff_id=reg.owner_staff_id,
        store_id=reg.store_id,
        fields=reg.fields,
        registered_by_staff_id=reg.registered_by_staff_id,
        level=reg.level,
        region=reg.region,
        latitude=reg.latitude,
        longitude=reg.longitude,
        # The pool rules' clock (C3) starts when the salesperson gets the customer.
        owned_since=now if reg.owner_staff_id else None,
        created_at=now,
    )
    session.add(row)
    try:
        # The check above cannot see a concurrent registration that has not committed yet;
        # the unique constraint can (the second insert waits for the first, then fails).
        session.flush()
    except IntegrityError as exc:
        if UQ_CUSTOMER_PHONE in str(exc.orig) or "customers.tenant_id, customers.phone" in str(exc.orig):
            raise _phone_taken() from None
        raise
    view = customer_view(row)
    after = {**snapshot(row), "registered_by_staff_id": row.registered_by_staff_id}
    log_change(session, Author(actor_kind, actor_id), row, REGISTERED, before=None, after=after, now=now)
    if reg.owner_staff_id:
        session.add(
            OwnershipChangeRow(
                tenant_id=tenant_id,
                customer_id=row.id,
                action="registered",
                to_staff_id=reg.owner_staff_id,
                by_staff_id=reg.registered_by_staff_id,
                reason="",
                created_at=now,
            )
        )
    uow.publish(events.customer_registered(view), tenant_id)
    return view
