"""Tags (C12): managers define them; staff put them on the customers they can see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, NotFound, PermissionDenied
from customers import events
from customers.domain.scope import scope_for
from customers.domain.tags import bulk_ids, clean_tag
from customers.errors import ErrorCode
from customers.models import CustomerRow, CustomerTagRow, TagRow
from customers.service.scoping import visible
from customers.service.views import TagRef

MANAGING_ROLES = ("owner", "store_manager")


@dataclass(frozen=True)
class TagView:
    id: str
    name: str
    colour: str
    customer_count: int = 0


def require_manager(actor: Actor) -> str:
    if actor.staff_id is None or not actor.has_role(*MANAGING_ROLES):
        raise PermissionDenied(ErrorCode.CUSTOMER_MANAGERS_ONLY)
    return actor.staff_id


def _tag_not_found(tag_id: str) -> NotFound:
    return NotFound(ErrorCode.TAG_NOT_FOUND, params={"id": tag_id})


def _name_taken() -> AlreadyExists:
    return AlreadyExists(ErrorCode.TAG_NAME_TAKEN, fields={"name": "validation.tag_name_taken"})


def tags_of(session: Session, tenant_id: str, customer_ids: Iterable[str]) -> dict[str, tuple[TagRef, ...]]:
    """Each customer's tags by name, in one query for a whole page."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CustomerTagRow.customer_id, TagRow.id, TagRow.name, TagRow.colour)
        .join(TagRow, (TagRow.id == CustomerTagRow.tag_id) & (TagRow.tenant_id == CustomerTagRow.tenant_id))
        .where(CustomerTagRow.tenant_id == tenant_id, CustomerTagRow.customer_id.in_(ids))
        .order_by(TagRow.name)
    ).all()
    out: dict[str, list[TagRef]] = {}
    for customer_id, tag_id, name, colour in rows:
        out.setdefault(customer_id, []).append(TagRef(tag_id, name, colour))
    return {k: tuple(v) for k, v in out.items()}


def list_tags(uow: UnitOfWork, actor: Actor) -> list[TagView]:
    """Every tag of the tenant, with how many customers within the caller's scope carry it."""
    scope = scope_for(actor)  # staff or a service of the tenant only
    with uow:
        counted = select(CustomerTagRow.tag_id, func.count().label("n")).where(
            CustomerTagRow.tenant_id == actor.tenant_id
        )
        if not scope.sees_all:
            counted = counted.join(
                CustomerRow,
                (CustomerRow.tenant_id == CustomerTagRow.tenant_id) & (CustomerRow.id == CustomerTagRow.customer_id),
            ).where(visible(scope))
        counts = counted.group_by(CustomerTagRow.tag_id).subquery()
        rows = uow.session.execute(
            select(TagRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.tag_id == TagRow.id)
            .where(TagRow.tenant_id == actor.tenant_id)
            .order_by(TagRow.name)
        ).all()
        return [TagView(t.id, t.name, t.colour, int(n)) for t, n in rows]


def create_tag(uow: UnitOfWork, actor: Actor, name: str, colour: str, *, now: datetime) -> TagView:
    require_manager(actor)
    name, colour = clean_tag(name, colour)
    with uow:
        if uow.session.scalar(select(TagRow.id).where(TagRow.tenant_id == actor.tenant_id, TagRow.name == name)):
            raise _name_taken()
        row = TagRow(tenant_id=actor.tenant_id, name=name, colour=colour, created_at=now)
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            # Another manager created the same name a moment ago.
            raise _name_taken() from None
        uow.commit()
        return TagView(row.id, row.name, row.colour)


def update_tag(uow: UnitOfWork, actor: Actor, tag_id: str, name: str, colour: str) -> TagView:
    require_manager(actor)
    name, colour = clean_tag(name, colour)
    with uow:
        row = uow.session.scalar(
            select(TagRow).where(TagRow.tenant_id == actor.tenant_id, TagRow.id == tag_id).with_for_update()
        )
        if row is None:
            raise _tag_not_found(tag_id)
        clash = uow.session.scalar(
            select(TagRow.id).where(TagRow.tenant_id == actor.tenant_id, TagRow.name == name, TagRow.id != tag_id)
        )
        if clash:
            raise _name_taken()
        row.name, row.colour = name, colour
        try:
            uow.session.flush()
        except IntegrityError:
            raise _name_taken() from None
        count = uow.session.scalar(
            select(func.count()).where(CustomerTagRow.tenant_id == actor.tenant_id, CustomerTagRow.tag_id == tag_id)
        )
        uow.commit()
        return TagView(row.id, row.name, row.colour, int(count))


def delete_tag(uow: UnitOfWork, actor: Actor, tag_id: str) -> None:
    require_manager(actor)
    with uow:
        row = uow.session.scalar(select(TagRow).where(TagRow.tenant_id == actor.tenant_id, TagRow.id == tag_id))
        if row is None:
            raise _tag_not_found(tag_id)
        uow.session.execute(
            delete(CustomerTagRow).where(CustomerTagRow.tenant_id == actor.tenant_id, CustomerTagRow.tag_id == tag_id)
        )
        uow.session.delete(row)
        # Segments (C4) filtering on this tag learn it is gone.
        uow.publish(events.tag_deleted(tag_id, row.name), actor.tenant_id)
        uow.commit()


def _check_targets(uow: UnitOfWork, actor: Actor, tag_ids: list[str], customer_ids: list[str]) -> None:
    """Every tag of the tenant, every customer within the caller's scope; else NotFound naming the
    first missing id (a colleague's or another store's customer looks missing, as everywhere)."""
    session = uow.session
    found_tags = set(
        session.scalars(select(TagRow.id).where(TagRow.tenant_id == actor.tenant_id, TagRow.id.in_(tag_ids)))
    )
    for tag_id in tag_ids:
        if tag_id not in found_tags:
            raise _tag_not_found(tag_id)
    stmt = select(CustomerRow.id).where(
        CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id.in_(customer_ids), visible(scope_for(actor))
    )
    in_scope = set(session.scalars(stmt))
    for customer_id in customer_ids:
        if customer_id not in in_scope:
            raise NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def tag_customers(uow: UnitOfWork, actor: Actor, tag_ids, customer_ids, *, now: datetime) -> int:
    """All pairs or none; pairs already there are kept, not duplicated."""
    tags, customers = bulk_ids(tag_ids, customer_ids)
    with uow:
        _check_targets(uow, actor, tags, customers)
        existing = set(
            uow.session.execute(
                select(CustomerTagRow.customer_id, CustomerTagRow.tag_id).where(
                    CustomerTagRow.tenant_id == actor.tenant_id,
                    CustomerTagRow.customer_id.in_(customers),
                    CustomerTagRow.tag_id.in_(tags),
                )
            ).all()
        )
        added = [(c, t) for c in customers for t in tags if (c, t) not in existing]
        for customer_id, tag_id in added:
            uow.session.add(
                CustomerTagRow(tenant_id=actor.tenant_id, customer_id=customer_id, tag_id=tag_id, created_at=now)
            )
        if added:
            tagged = sorted({c for c, _ in added})
            uow.publish(events.customers_tagged(tags, tagged, actor.staff_id or ""), actor.tenant_id)
        uow.commit()
        return len(added)


def untag_customers(uow: UnitOfWork, actor: Actor, tag_ids, customer_ids) -> int:
    tags, customers = bulk_ids(tag_ids, customer_ids)
    with uow:
        _check_targets(uow, actor, tags, customers)
        result = uow.session.execute(
            delete(CustomerTagRow).where(
                CustomerTagRow.tenant_id == actor.tenant_id,
                CustomerTagRow.customer_id.in_(customers),
                CustomerTagRow.tag_id.in_(tags),
            )
        )
        if result.rowcount:
            uow.publish(events.customers_untagged(tags, customers, actor.staff_id or ""), actor.tenant_id)
        uow.commit()
        return int(result.rowcount)
