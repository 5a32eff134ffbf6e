"""Use cases for tenant-configured customer fields (C1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import PermissionDenied
from customers.domain.fields import FieldDefinition, define_field
from customers.errors import ErrorCode
from customers.models import CustomerFieldRow
from customers.service.views import field_definition

# Field configuration shapes every registration form of the tenant: managers only.
DEFINING_ROLES = ("owner", "store_manager")


@dataclass(frozen=True)
class DefineCustomerField:
    key: str
    label: str
    kind: str
    required: bool = False
    options: Iterable[str] = field(default_factory=tuple)
    position: int = 0


def define_customer_field(uow: UnitOfWork, actor: Actor, cmd: DefineCustomerField, *, now: datetime) -> FieldDefinition:
    if actor.staff_id is None or not actor.has_role(*DEFINING_ROLES):
        raise PermissionDenied(ErrorCode.FIELD_DEFINE_DENIED)
    definition = define_field(
        key=cmd.key,
        label=cmd.label,
        kind=cmd.kind,
        required=cmd.required,
        options=cmd.options,
        position=cmd.position,
    )
    try:
        _save(uow, actor.tenant_id, definition, now)
    except IntegrityError:
        # Two managers created the same new key at once; the other insert won, so this save
        # is now a replace of that row.
        _save(uow, actor.tenant_id, definition, now)
    return definition


def _save(uow: UnitOfWork, tenant_id: str, definition: FieldDefinition, now: datetime) -> None:
    with uow:
        # Lock the row: two managers editing one key serialise instead of mixing their edits.
        row = uow.session.scalars(
            select(CustomerFieldRow)
            .where(CustomerFieldRow.tenant_id == tenant_id, CustomerFieldRow.key == definition.key)
            .with_for_update()
        ).one_or_none()
        if row is None:
            row = CustomerFieldRow(tenant_id=tenant_id, key=definition.key, created_at=now)
            uow.session.add(row)
        row.label = definition.label
        row.kind = definition.kind
        row.required = definition.required
        row.options = list(definition.options)
        row.position = definition.position
        row.updated_at = now
        uow.commit()


def load_definitions(session: Session, tenant_id: str) -> list[FieldDefinition]:
    rows = session.scalars(
        select(CustomerFieldRow)
        .where(CustomerFieldRow.tenant_id == tenant_id)
        .order_by(CustomerFieldRow.position, CustomerFieldRow.key)
    ).all()
    return [field_definition(row) for row in rows]


def list_customer_fields(uow: UnitOfWork, actor: Actor) -> list[FieldDefinition]:
    """Ordered by position (ties by key), as forms show them. Any caller of the tenant may read
    them: a salesperson needs them to fill in the registration form."""
    with uow:
        return load_definitions(uow.session, actor.tenant_id)
