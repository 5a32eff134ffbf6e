"""Reading customers (C1): one by id, and the searchable, paginated list."""

from __future__ import annotations

from sqlalchemy import Select, and_, bindparam, func, or_, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound
from crmkit.paging import Page
from customers.domain.paging import search_query
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, CustomerTagRow, TagRow
from customers.service.scoping import visible
from customers.service.tags import tags_of
from customers.service.views import CustomerPage, CustomerView, TagRef, customer_view


def _not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


_CUSTOMERS = CustomerRow.__table__
_CARRIES = CustomerTagRow.__table__
_TAGS = TagRow.__table__
# One customer and its tags by name (a row per tag; tag columns NULL without any) in one round
# trip, built once: orders asks for the customer of every order placed.
CUSTOMER_WITH_TAGS = (
    select(_CUSTOMERS, _TAGS.c.id.label("tag_id"), _TAGS.c.name.label("tag_name"), _TAGS.c.colour.label("tag_colour"))
    .select_from(
        _CUSTOMERS.outerjoin(
            _CARRIES, and_(_CARRIES.c.tenant_id == _CUSTOMERS.c.tenant_id, _CARRIES.c.customer_id == _CUSTOMERS.c.id)
        ).outerjoin(_TAGS, and_(_TAGS.c.id == _CARRIES.c.tag_id, _TAGS.c.tenant_id == _CARRIES.c.tenant_id))
    )
    .where(_CUSTOMERS.c.tenant_id == bindparam("tenant_id"), _CUSTOMERS.c.id == bindparam("customer_id"))
    .order_by(_TAGS.c.name)
)


def get_customer(uow: UnitOfWork, actor: Actor, customer_id: str) -> CustomerView:
    """Another tenant's customer and one outside the caller's scope (a colleague's, another
    store's) look exactly like a missing one."""
    scope = scope_for(actor)
    with uow.db.single_read() as conn:
        rows = conn.execute(CUSTOMER_WITH_TAGS, {"tenant_id": actor.tenant_id, "customer_id": customer_id}).all()
    if not rows or not scope.allows(rows[0].owner_staff_id, rows[0].store_id):
        raise _not_found(customer_id)
    tags = tuple(TagRef(r.tag_id, r.tag_name, r.tag_colour) for r in rows if r.tag_id is not None)
    return customer_view(rows[0], tags)


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
