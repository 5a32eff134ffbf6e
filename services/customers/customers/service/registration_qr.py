"""Registration through a salesperson's QR code (C2): issue the signed QR, show the form to the
customer who scans it, take the application (public: the token is the only credential), and
let the salesperson or a manager approve or reject it per the tenant's setting."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import segno
from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from crmkit.paging import Page
from customers import events
from customers.domain import qr_token
from customers.domain.fields import FieldDefinition, field_value_errors
from customers.domain.pool import check_reason
from customers.domain.registration import Registration, check_registrar, name_error, phone_error
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, RegistrationApplicationRow
from customers.service.customer_settings import settings_of
from customers.service.fields import load_definitions
from customers.service.registration import _phone_taken, insert_customer
from customers.service.scoping import visible
from customers.service.tags import MANAGING_ROLES

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
LINK_BASE_MAX = 300


@dataclass(frozen=True)
class RegistrationQr:
    url: str
    token: str
    png: bytes
    salesperson_id: str
    expires_at: datetime


@dataclass(frozen=True)
class RegistrationForm:
    tenant_id: str
    salesperson_id: str
    fields: list[FieldDefinition]
    expires_at: datetime


@dataclass(frozen=True)
class ApplicationView:
    id: str
    salesperson_id: str
    name: str
    phone: str
    fields: dict[str, str]
    status: str
    reject_reason: str
    customer_id: str | None
    reviewed_by_staff_id: str | None
    created_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class ApplicationPage:
    applications: list[ApplicationView]
    page: int
    page_size: int
    total: int


def _view(row: RegistrationApplicationRow) -> ApplicationView:
    return ApplicationView(
        row.id,
        row.salesperson_id,
        row.name,
        row.phone,
        dict(row.fields or {}),
        row.status,
        row.reject_reason or "",
        row.customer_id,
        row.reviewed_by_staff_id,
        row.created_at,
        row.reviewed_at,
    )


def _require_secret(secret: bytes | None) -> bytes:
    if not secret:
        raise Unavailable(ErrorCode.REGISTRATION_QR_NOT_CONFIGURED)
    return secret


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    # Error correction M survives a scuffed print; scale 8 is about 300 px for a phone screen.
    segno.make(url, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def issue_registration_qr(
    actor: Actor, link_base: str, valid_days: int, *, secret: bytes | None, now: datetime
) -> RegistrationQr:
    """The caller's own QR (a salesperson, manager or owner): customers who scan it become
    theirs. The token names the caller's tenant, id and first store and is signed."""
    staff_id = check_registrar(actor)
    days = qr_token.valid_days(valid_days)
    link_base = link_base.strip()
    if not link_base.startswith(("https://", "http://")) or len(link_base) > LINK_BASE_MAX:
        raise InvalidInput(
            ErrorCode.OWNERSHIP_INPUT_INVALID,
            fields={"link_base": "validation.invalid"},
        )
    store = actor.store_ids[0] if actor.store_ids else None
    grant = qr_token.grant_for(actor.tenant_id, staff_id, store, now, days)
    token = qr_token.sign(_require_secret(secret), grant)
    url = f"{link_base.rstrip('/')}/{token}"
    return RegistrationQr(url, token, qr_png(url), staff_id, qr_token.verify(secret, token, now=now).expires_at)


def get_registration_form(uow: UnitOfWork, token: str, *, secret: bytes | None, now: datetime) -> RegistrationForm:
    grant = qr_token.verify(_require_secret(secret), token, now=now)
    with uow:
        return RegistrationForm(
            grant.tenant_id, grant.salesperson_id, load_definitions(uow.session, grant.tenant_id), grant.expires_at
        )


def apply_for_registration(
    uow: UnitOfWork, token: str, name: str, phone: str, fields: dict[str, str], *, secret: bytes | None, now: datetime
) -> ApplicationView:
    """Public: the customer applies. Approved at once when the tenant says so, else pending."""
    grant = qr_token.verify(_require_secret(secret), token.strip(), now=now)
    tenant = grant.tenant_id
    name, phone = name.strip(), phone.strip()
    with uow:
        session = uow.session
        errors = {}
        if problem := name_error(name):
            errors["name"] = problem
        if problem := phone_error(phone):
            errors["phone"] = problem
        clean, field_errors = field_value_errors(load_definitions(session, tenant), fields)
        errors.update(field_errors)
        if errors:
            raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields=errors)
        if session.scalar(select(CustomerRow.id).where(CustomerRow.tenant_id == tenant, CustomerRow.phone == phone)):
            raise _phone_taken()
        if session.scalar(
            select(RegistrationApplicationRow.id).where(
                RegistrationApplicationRow.tenant_id == tenant,
                RegistrationApplicationRow.phone == phone,
                RegistrationApplicationRow.status == PENDING,
            )
        ):
            raise Conflict(ErrorCode.REGISTRATION_APPLICATION_PENDING)
        row = RegistrationApplicationRow(
            tenant_id=tenant,
            salesperson_id=grant.salesperson_id,
            store_id=grant.store_id,
            name=name,
            phone=phone,
            fields=clean,
            status=PENDING,
            reject_reason="",
            created_at=now,
        )
        session.add(row)
        session.flush()
        auto = settings_of(session, tenant).auto_approve_registrations
        uow.publish(events.registration_applied(row, auto_approved=auto), tenant)
        if auto:
            _approve(uow, row, reviewer=None, now=now)
        uow.commit()
        return _view(row)


def _approve(uow: UnitOfWork, row: RegistrationApplicationRow, *, reviewer: str | None, now: datetime) -> None:
    reg = Registration(
        name=row.name,
        phone=row.phone,
        fields=dict(row.fields or {}),
        owner_staff_id=row.salesperson_id,
        store_id=row.store_id,
        registered_by_staff_id=row.salesperson_id,
    )
    customer = insert_customer(
        uow,
        row.tenant_id,
        reg,
        actor_kind="staff" if reviewer else "registration",
        actor_id=reviewer or row.id,
        now=now,
    )
    row.status, row.customer_id, row.reviewed_by_staff_id, row.reviewed_at = APPROVED, customer.id, reviewer, now
    uow.publish(events.registration_approved(row, customer.id, reviewer), row.tenant_id)


def _reviewer(actor: Actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.CUSTOMERS_ACCESS_DENIED)
    return actor.staff_id


def _load_for_review(uow: UnitOfWork, actor: Actor, application_id: str) -> RegistrationApplicationRow:
    """Managers review the applications within their scope (the owner: all; a store manager:
    their stores'), a salesperson those of own QR; others' look missing. Locked: two reviewers
    cannot both decide."""
    staff_id = _reviewer(actor)
    scope = scope_for(actor)
    row = uow.session.scalar(
        select(RegistrationApplicationRow)
        .where(RegistrationApplicationRow.tenant_id == actor.tenant_id, RegistrationApplicationRow.id == application_id)
        .with_for_update()
    )
    reviewable = actor.has_role(*MANAGING_ROLES) and scope.allows(row.salesperson_id, row.store_id) if row else False
    if row is None or not (reviewable or row.salesperson_id == staff_id):
        raise NotFound(
            ErrorCode.REGISTRATION_APPLICATION_NOT_FOUND,
            params={"id": application_id},
        )
    if row.status != PENDING:
        raise Conflict(ErrorCode.REGISTRATION_APPLICATION_REVIEWED)
    return row


def approve_application(uow: UnitOfWork, actor: Actor, application_id: str, *, now: datetime) -> ApplicationView:
    """The customer is created bound to the QR's salesperson."""
    with uow:
        row = _load_for_review(uow, actor, application_id)
        _approve(uow, row, reviewer=actor.staff_id, now=now)
        uow.commit()
        return _view(row)


def reject_application(
    uow: UnitOfWork, actor: Actor, application_id: str, reason: str, *, now: datetime
) -> ApplicationView:
    reason = check_reason(reason, required=True)
    with uow:
        row = _load_for_review(uow, actor, application_id)
        row.status, row.reject_reason, row.reviewed_by_staff_id, row.reviewed_at = REJECTED, reason, actor.staff_id, now
        uow.publish(events.registration_rejected(row, actor.staff_id, reason), actor.tenant_id)
        uow.commit()
        return _view(row)


def list_applications(uow: UnitOfWork, actor: Actor, page: Page, status: str = PENDING) -> ApplicationPage:
    """Oldest first (the review queue): managers those within their scope, a salesperson those of
    own QR."""
    scope = scope_for(actor)
    a = RegistrationApplicationRow
    stmt = select(a).where(a.tenant_id == actor.tenant_id, a.status == status)
    if actor.has_role(*MANAGING_ROLES):
        stmt = stmt.where(visible(scope, owner=a.salesperson_id, store=a.store_id))
    elif not actor.is_service:
        stmt = stmt.where(a.salesperson_id == actor.staff_id)
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(RegistrationApplicationRow.created_at, RegistrationApplicationRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return ApplicationPage([_view(r) for r in rows], page.page, page.page_size, total)
