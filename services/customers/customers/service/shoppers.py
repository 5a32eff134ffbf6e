"""A shop's customer logging in on the storefront (B6): identity proves the phone by SMS code and
asks here for the tenant's customer with that phone, registering one the first time.

A shopper registered here belongs to no salesperson and no store: the public pool (C3), where
any salesperson may claim them later. Their name is the phone until someone records one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, InvalidInput, PermissionDenied
from customers.domain.registration import Registration, phone_error
from customers.errors import ErrorCode
from customers.models import CustomerRow
from customers.service.registration import insert_customer
from customers.service.tags import tags_of
from customers.service.views import CustomerView, customer_view


def ensure_shopper(uow: UnitOfWork, actor: Actor, phone: str, *, now: datetime) -> CustomerView:
    """The tenant's customer with `phone`, registered in the pool if there is none. Called by
    services only (identity's customer login), for the tenant the call names.

    Idempotent under races: two first logins of one phone at once both insert, the unique
    (tenant, phone) constraint lets one through, and the other reads the winner's row."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.CUSTOMERS_ACCESS_DENIED)
    phone = phone.strip()
    problems = {"phone": phone_error(phone), "tenant_id": None if actor.tenant_id else "validation.required"}
    if any(problems.values()):
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields={k: v for k, v in problems.items() if v})
    found = _with_phone(uow, actor.tenant_id, phone)
    if found is not None:
        return found
    registration = Registration(
        name=phone,
        phone=phone,
        fields={},
        owner_staff_id=None,
        store_id=None,
        # Nobody on the staff registered them: the change log names the service that did.
        registered_by_staff_id="",
    )
    try:
        with uow:
            view = insert_customer(
                uow, actor.tenant_id, registration, actor_kind=actor.kind, actor_id=actor.subject_id, now=now
            )
            uow.commit()
            return view
    except AlreadyExists:
        # Registered meanwhile (a concurrent first login, or staff at the counter).
        return _with_phone(uow, actor.tenant_id, phone)


def _with_phone(uow: UnitOfWork, tenant_id: str, phone: str) -> CustomerView | None:
    with uow:
        row = uow.session.scalar(
            select(CustomerRow).where(CustomerRow.tenant_id == tenant_id, CustomerRow.phone == phone)
        )
        if row is None:
            return None
        return customer_view(row, tags_of(uow.session, tenant_id, [row.id]).get(row.id, ()))
