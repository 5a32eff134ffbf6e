"""Readers who tell who they are (C7), and the visitor centre (C10): salespeople see the visitors
their shares brought, the owner and store managers every visitor of the tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import InvalidInput, NotFound
from crmkit.paging import Page

from .. import events
from ..domain import shares
from ..domain.visitors import CUSTOMER, QUALIFIED, SORTS, check_identity, display_name
from ..errors import ErrorCode
from ..models import ArticleRow, MaterialRow, ShareRow, ViewRow, VisitorRow
from .access import is_admin, require_service, require_staff


@dataclass(frozen=True)
class VisitorView:
    id: str
    nickname: str
    avatar_url: str
    phone: str
    staff_id: str
    source: str
    visits: int
    seconds: int
    qualified: bool
    first_seen_at: datetime
    last_seen_at: datetime
    clicks: int = 0
    wechat: bool = False
    # The customer they became (C10; "" not yet) and when.
    customer_id: str = ""
    became_customer_at: datetime | None = None


@dataclass(frozen=True)
class TrailEntry:
    view_id: str
    kind: str
    item_id: str
    title: str
    opened_at: datetime
    seconds: int
    method: str
    depth: int
    forwarded_by_visitor_id: str


@dataclass(frozen=True)
class VisitorPage:
    visitors: list[VisitorView]
    page: int
    page_size: int
    total: int


def visitor_view(row: VisitorRow) -> VisitorView:
    return VisitorView(
        row.id,
        row.nickname,
        row.avatar_url,
        row.phone,
        row.staff_id,
        row.first_method,
        row.visits,
        row.seconds,
        row.qualified,
        row.created_at,
        row.last_seen_at,
        row.clicks,
        bool(row.openid),
        row.customer_id or "",
        row.became_customer_at,
    )


def identify_visitor(
    db: Database, actor: Actor, view_id: str, visitor_key: str, phone: str, name: str, *, now: datetime
) -> None:
    """The phone is kept on the visitor and told to the customers service once; giving the same
    phone again changes nothing, a different one is a new sighting of a (maybe new) person."""
    require_service(actor)
    phone, name = check_identity(phone, name)
    with db.uow() as uow:
        found = uow.session.execute(
            select(VisitorRow, ViewRow.item_id)
            .join(ViewRow, ViewRow.visitor_id == VisitorRow.id)
            .where(ViewRow.id == view_id)
            .with_for_update(of=VisitorRow)
        ).first()
        if found is None or found[0].visitor_key != visitor_key:
            raise NotFound(ErrorCode.VIEW_NOT_FOUND)
        visitor, item_id = found
        if visitor.phone == phone:
            return
        title = uow.session.scalar(
            select(ArticleRow.title).where(ArticleRow.tenant_id == visitor.tenant_id, ArticleRow.id == item_id)
        ) or uow.session.scalar(
            select(MaterialRow.title).where(MaterialRow.tenant_id == visitor.tenant_id, MaterialRow.id == item_id)
        )
        visitor.phone, visitor.last_seen_at = phone, now
        # The name they typed is how the visitor centre calls them until WeChat names them.
        visitor.nickname = visitor.nickname or name
        visitor.identified_at = visitor.identified_at or now
        uow.publish(
            events.visitor_identified(
                visitor, display_name(name, visitor.nickname, phone), title or "", via="phone", phone=phone
            ),
            visitor.tenant_id,
        )
        uow.commit()


def list_visitors(
    db: Database,
    actor: Actor,
    page: Page,
    *,
    qualified: str,
    source: str,
    since: datetime | None,
    until: datetime | None,
    sort: str,
    customer: str = "",
) -> VisitorPage:
    staff_id = require_staff(actor)
    problems = {}
    if qualified not in QUALIFIED:
        problems["qualified"] = "validation.invalid_choice"
    if customer not in CUSTOMER:
        problems["customer"] = "validation.invalid_choice"
    if source and source not in shares.METHODS:
        problems["source"] = "validation.invalid_choice"
    sort = sort or "recent"
    if sort not in SORTS:
        problems["sort"] = "validation.invalid_choice"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    v = VisitorRow
    stmt = select(v).where(v.tenant_id == actor.tenant_id)
    if not is_admin(actor):
        stmt = stmt.where(v.staff_id == staff_id)
    if qualified:
        stmt = stmt.where(v.qualified.is_(qualified == "yes"))
    if customer:
        stmt = stmt.where(v.customer_id.is_not(None) if customer == "yes" else v.customer_id.is_(None))
    if source:
        stmt = stmt.where(v.first_method == source)
    if since:
        stmt = stmt.where(v.last_seen_at >= since)
    if until:
        stmt = stmt.where(v.last_seen_at < until)
    order = (v.last_seen_at.desc(),) if sort == "recent" else (v.visits.desc(), v.last_seen_at.desc())
    with db.reader() as uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(stmt.order_by(*order, v.id).offset(page.offset).limit(page.page_size)).all()
        return VisitorPage([visitor_view(r) for r in rows], page.page, page.page_size, total)


TRAIL_MAX = 200


def get_visitor(db: Database, actor: Actor, visitor_id: str) -> tuple[VisitorView, list[TrailEntry]]:
    """The visitor and their last TRAIL_MAX views; another salesperson's visitor is NOT_FOUND."""
    staff_id = require_staff(actor)
    with db.reader() as uow:
        row = uow.session.scalar(
            select(VisitorRow).where(VisitorRow.tenant_id == actor.tenant_id, VisitorRow.id == visitor_id)
        )
        if row is None or not (is_admin(actor) or row.staff_id == staff_id):
            raise NotFound(ErrorCode.VISITOR_NOT_FOUND, params={"id": visitor_id})
        views = uow.session.execute(
            select(ViewRow, ShareRow, func.coalesce(ArticleRow.title, MaterialRow.title))
            .join(ShareRow, ShareRow.id == ViewRow.share_id)
            .outerjoin(ArticleRow, (ArticleRow.id == ViewRow.item_id) & (ArticleRow.tenant_id == ViewRow.tenant_id))
            .outerjoin(MaterialRow, (MaterialRow.id == ViewRow.item_id) & (MaterialRow.tenant_id == ViewRow.tenant_id))
            .where(ViewRow.tenant_id == actor.tenant_id, ViewRow.visitor_id == row.id)
            .order_by(ViewRow.created_at.desc(), ViewRow.id)
            .limit(TRAIL_MAX)
        ).all()
        trail = [
            TrailEntry(
                view.id,
                view.kind,
                view.item_id,
                title or "",
                view.created_at,
                view.seconds,
                share.method,
                share.depth,
                share.from_visitor_id or "",
            )
            for view, share, title in views
        ]
        return visitor_view(row), trail
