"""Reading customers (C1): one by id, and the searchable, paginated list."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound
from crmkit.paging import Page
from customers.domain.paging import search_query
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, CustomerTagRow
from customers.service.scoping import visible
from customers.service.tags import tags_of
from customers.service.views import CustomerPage, CustomerView, customer_view


def _not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def get_customer(uow: UnitOfWork, actor: Actor, customer_id: str) -> CustomerView:
    """Another tenant's customer and one outside the caller's scope (a colleague's, another
    store's) look exactly like a missing one."""
    scope = scope_for(actor)
    with uow:
        row = uow.session.scalar(
            select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == customer_id)
        )
        if row is None or not scope.allows(row.owner_staff_id, row.store_id):
            raise _not_found(customer_id)
        return customer_view(row, tags_of(uow.session, actor.tenant_id, [row.id]).get(row.id, ()))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _visible(actor: Actor, query: str, tag_id: str = "") -> Select:
    stmt = select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, visible(scope_for(actor)))
    if query:
        pattern = _escape_like(query)
        stmt = stmt.where(
            or_(
                CustomerRow.name.ilike(f"%{pattern}%", escape="\\"),
                CustomerRow.phone.like(f"{pattern}%", escape="\\"),
            )
        )
    if tag_id:
        # C12: served by ix_customer_tags_tenant_tag.
        stmt = stmt.where(
            select(CustomerTagRow.customer_id)
            .where(
                CustomerTagRow.tenant_id == actor.tenant_id,
                CustomerTagRow.tag_id == tag_id,
                CustomerTagRow.customer_id == CustomerRow.id,
            )
            .exists()
        )
    return stmt


def list_customers(uow: UnitOfWork, actor: Actor, page: Page, query: str = "", tag_id: str = "") -> CustomerPage:
    """Newest first; `query` matches the name anywhere (any case) or the phone from its start;
    `tag_id` keeps those carrying the tag."""
    stmt = _visible(actor, search_query(query), tag_id.strip())
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(CustomerRow.created_at.desc(), CustomerRow.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        tags = tags_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return CustomerPage([customer_view(r, tags.get(r.id, ())) for r in rows], page.page, page.page_size, total)
