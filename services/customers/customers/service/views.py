"""What use cases return: plain values, never ORM rows (sessions close with the unit of work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from customers.domain.fields import FieldDefinition
from customers.models import CustomerFieldRow, CustomerRow


@dataclass(frozen=True)
class CustomerView:
    id: str
    tenant_id: str
    name: str
    phone: str
    owner_staff_id: str | None
    store_id: str | None
    fields: dict[str, str]
    registered_by_staff_id: str
    created_at: datetime
    level: str = ""
    # C3 C5 C12: region, shop location, lock, since when the owner holds it, tags.
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None
    locked: bool = False
    owned_since: datetime | None = None
    tags: tuple[TagRef, ...] = ()


@dataclass(frozen=True)
class TagRef:
    id: str
    name: str
    colour: str


@dataclass(frozen=True)
class CustomerPage:
    customers: list[CustomerView]
    page: int
    page_size: int
    total: int


def customer_view(row: CustomerRow, tags: tuple[TagRef, ...] = ()) -> CustomerView:
    return CustomerView(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        phone=row.phone,
        owner_staff_id=row.owner_staff_id,
        store_id=row.store_id,
        fields=dict(row.fields or {}),
        registered_by_staff_id=row.registered_by_staff_id,
        created_at=row.created_at,
        level=row.level or "",
        region=row.region or "",
        latitude=row.latitude,
        longitude=row.longitude,
        locked=bool(row.locked),
        owned_since=row.owned_since,
        tags=tags,
    )


def field_definition(row: CustomerFieldRow) -> FieldDefinition:
    return FieldDefinition(
        key=row.key,
        label=row.label,
        kind=row.kind,
        required=row.required,
        options=tuple(row.options or ()),
        position=row.position,
    )
