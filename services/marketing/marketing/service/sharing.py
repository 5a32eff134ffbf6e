"""Share links, views and reading time (D2).

Staff make share links; readers reach the rest through the gateway's public endpoints (the
service token), where the share token is the only credential and names the tenant. Counters move
by SQL increments (`x = x + n`), so concurrent readers never lose a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound

from .. import events
from ..catalogue import Catalogue
from ..domain import reading, shares
from ..domain.articles import PRODUCTS, visible_modules
from ..errors import ErrorCode
from ..models import ArticleRow, CardRow, MaterialRow, ShareLogRow, ShareRow, ViewRow, VisitorRow
from .access import require_service, require_staff
from .library import ArticleView, article_view
from .material_views import MaterialView, material_view
from .settings import preferences_of, settings_of


@dataclass(frozen=True)
class ShareView:
    id: str
    token: str
    kind: str
    item_id: str
    sharer_staff_id: str
    method: str
    parent_share_id: str | None
    depth: int
    created_at: datetime


def share_view(row: ShareRow) -> ShareView:
    return ShareView(
        row.id,
        row.token,
        row.kind,
        row.item_id,
        row.sharer_staff_id,
        row.method,
        row.parent_share_id,
        row.depth,
        row.created_at,
    )


@dataclass(frozen=True)
class Recommended:
    token: str
    title: str
    summary: str
    cover_url: str


@dataclass(frozen=True)
class ShownProduct:
    id: str
    name: str
    unit: str
    price_fen: int
    link: str


@dataclass(frozen=True)
class Reader:
    """Who the reader is to the tenant, for their page: logged in with WeChat, and as whom."""

    wechat: bool
    nickname: str
    avatar_url: str


def reader_of(visitor: VisitorRow) -> Reader:
    return Reader(bool(visitor.openid), visitor.nickname, visitor.avatar_url)


@dataclass(frozen=True)
class Opened:
    tenant_id: str
    view_id: str
    visitor_key: str
    article: ArticleView | None
    sharer_staff_id: str
    modules: tuple[str, ...]
    contact_position: str
    recommended: list[Recommended]
    mall_url: str
    products: list[ShownProduct]
    reader: Reader
    # The reader's own forward link ("" when it is the one they opened): their page shows it, so
    # what they pass on counts as theirs.
    own_token: str = ""
    kind: str = shares.ARTICLE
    material: MaterialView | None = None


def root_share(
    uow: UnitOfWork,
    tenant_id: str,
    staff_id: str,
    kind: str,
    item_id: str,
    method: str,
    now,
    *,
    poster_id: str | None = None,
) -> ShareRow:
    """The salesperson's one link per item and method (and per poster made from a picture or a
    text): shared again, the same link (so readers of both shares join one chain)."""
    row = uow.session.scalar(
        select(ShareRow).where(
            ShareRow.tenant_id == tenant_id,
            ShareRow.sharer_staff_id == staff_id,
            ShareRow.kind == kind,
            ShareRow.item_id == item_id,
            ShareRow.method == method,
            ShareRow.parent_share_id.is_(None),
            ShareRow.poster_id.is_(None) if poster_id is None else ShareRow.poster_id == poster_id,
        )
    )
    if row is None:
        row = ShareRow(
            tenant_id=tenant_id,
            token=shares.new_token(),
            kind=kind,
            item_id=item_id,
            sharer_staff_id=staff_id,
            method=method,
            depth=0,
            created_at=now,
            poster_id=poster_id,
        )
        uow.session.add(row)
        uow.session.flush()
    return row


def log_share(uow: UnitOfWork, share: ShareRow, now: datetime) -> None:
    """One more time the salesperson shared (the data centre's shares)."""
    uow.session.add(
        ShareLogRow(
            tenant_id=share.tenant_id,
            share_id=share.id,
            staff_id=share.sharer_staff_id,
            kind=share.kind,
            item_id=share.item_id,
            created_at=now,
        )
    )


def share_article(db: Database, actor: Actor, article_id: str, method: str, *, now: datetime) -> ShareView:
    staff_id = require_staff(actor)
    method = method or shares.LINK
    if method not in (shares.LINK, shares.POSTER):
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"method": "validation.invalid_choice"})
    with db.uow() as uow:
        article = uow.session.scalar(
            select(ArticleRow).where(ArticleRow.tenant_id == actor.tenant_id, ArticleRow.id == article_id)
        )
        if article is None:
            raise NotFound(ErrorCode.ARTICLE_NOT_FOUND, params={"id": article_id})
        if not article.active:
            raise Conflict(ErrorCode.ARTICLE_INACTIVE)
        share = root_share(uow, actor.tenant_id, staff_id, shares.ARTICLE, article.id, method, now)
        log_share(uow, share, now)
        uow.session.execute(
            update(ArticleRow).where(ArticleRow.id == article.id).values(share_count=ArticleRow.share_count + 1)
        )
        uow.commit()
        return share_view(share)


def share_by_token(uow: UnitOfWork, token: str) -> ShareRow:
    row = (
        uow.session.scalar(select(ShareRow).where(ShareRow.token == token)) if shares.token_well_formed(token) else None
    )
    if row is None:
        raise NotFound(ErrorCode.SHARE_NOT_FOUND)
    return row


def _live_article(uow: UnitOfWork, share: ShareRow) -> ArticleRow:
    article = uow.session.scalar(
        select(ArticleRow).where(ArticleRow.tenant_id == share.tenant_id, ArticleRow.id == share.item_id)
    )
    if article is None or share.kind != shares.ARTICLE:
        raise NotFound(ErrorCode.SHARE_NOT_FOUND)
    if not article.active:
        raise NotFound(ErrorCode.ARTICLE_INACTIVE)
    return article


def live_material(uow: UnitOfWork, share: ShareRow) -> MaterialRow:
    """A material's link: the material still there (else SHARE_NOT_FOUND) and on (else
    MATERIAL_INACTIVE: the page says it is gone)."""
    row = uow.session.scalar(
        select(MaterialRow).where(MaterialRow.tenant_id == share.tenant_id, MaterialRow.id == share.item_id)
    )
    if row is None or share.kind != shares.MATERIAL:
        raise NotFound(ErrorCode.SHARE_NOT_FOUND)
    if not row.active:
        raise NotFound(ErrorCode.MATERIAL_INACTIVE)
    return row


def live_item(uow: UnitOfWork, share: ShareRow) -> None:
    """What a share is for still exists (and, for an article or a material, is on)."""
    if share.kind == shares.CARD:
        if uow.session.get(CardRow, (share.tenant_id, share.item_id)) is None:
            raise NotFound(ErrorCode.SHARE_NOT_FOUND)
        return
    if share.kind == shares.MATERIAL:
        live_material(uow, share)
        return
    _live_article(uow, share)


def visitor_by_key(uow: UnitOfWork, tenant_id: str, visitor_key: str) -> VisitorRow | None:
    if not shares.VISITOR_ID.match(visitor_key or ""):
        return None
    return uow.session.scalar(
        select(VisitorRow).where(VisitorRow.tenant_id == tenant_id, VisitorRow.visitor_key == visitor_key)
    )


def recommended_links(uow: UnitOfWork, share: ShareRow, ids: tuple[str, ...], now: datetime) -> list[Recommended]:
    wanted = [i for i in ids if i != share.item_id]
    if not wanted:
        return []
    found = {
        a.id: a
        for a in uow.session.scalars(
            select(ArticleRow).where(
                ArticleRow.tenant_id == share.tenant_id, ArticleRow.id.in_(wanted), ArticleRow.active.is_(True)
            )
        )
    }
    out = []
    for article_id in wanted:
        if article := found.get(article_id):
            link = root_share(uow, share.tenant_id, share.sharer_staff_id, shares.ARTICLE, article.id, shares.LINK, now)
            out.append(Recommended(link.token, article.title, article.summary, article.cover_url))
    return out


def requalify(visitor: VisitorRow, settings, now: datetime) -> None:
    """A visitor's clicks are their openings of shared items; once qualified, always qualified."""
    if not visitor.qualified and reading.is_qualified(
        visitor.visits,
        visitor.seconds,
        min_clicks=settings.qualified_min_clicks,
        min_seconds=settings.qualified_min_seconds,
    ):
        visitor.qualified, visitor.qualified_at = True, now


def visitor_for(uow: UnitOfWork, share: ShareRow, visitor_key: str, now: datetime) -> VisitorRow:
    """The reader by the key their browser keeps, or a new visitor of the share's salesperson."""
    visitor = visitor_by_key(uow, share.tenant_id, visitor_key)
    if visitor is None:
        key = visitor_key if shares.VISITOR_ID.match(visitor_key or "") else shares.new_visitor_id()
        visitor = VisitorRow(
            tenant_id=share.tenant_id,
            visitor_key=key,
            staff_id=share.sharer_staff_id,
            first_share_id=share.id,
            first_method=share.method,
            visits=0,
            seconds=0,
            clicks=0,
            qualified=False,
            last_seen_at=now,
            created_at=now,
        )
        uow.session.add(visitor)
        uow.session.flush()
    return visitor


def record_view(uow: UnitOfWork, share: ShareRow, visitor: VisitorRow, now: datetime) -> tuple[ViewRow, bool]:
    """A view of the share's item by the visitor, counted as a visit: (view, first time they
    opened this item). Requalifies the visitor by the tenant's thresholds."""
    seen_before = uow.session.scalar(
        select(
            exists().where(
                ViewRow.tenant_id == share.tenant_id,
                ViewRow.visitor_id == visitor.id,
                ViewRow.kind == share.kind,
                ViewRow.item_id == share.item_id,
            )
        )
    )
    view = ViewRow(
        tenant_id=share.tenant_id,
        share_id=share.id,
        visitor_id=visitor.id,
        kind=share.kind,
        item_id=share.item_id,
        seconds=0,
        clicks=0,
        created_at=now,
    )
    uow.session.add(view)
    visitor.visits += 1
    visitor.last_seen_at = now
    requalify(visitor, settings_of(uow, share.tenant_id), now)
    uow.session.flush()
    return view, not seen_before


def shown_products(
    catalogue: Catalogue, tenant_id: str, ids: tuple[str, ...], mall_url: str, sharer: str, token: str
) -> list[ShownProduct]:
    """Asked of the catalogue outside any transaction: listed, live products linking to the mall."""
    return [
        ShownProduct(p.id, p.name, p.unit, p.price_fen, shares.mall_link(mall_url, p.id, sharer, token))
        for p in catalogue.products(tenant_id, ids)
    ]


def open_share(
    db: Database, actor: Actor, token: str, visitor_key: str, *, catalogue: Catalogue, now: datetime
) -> Opened:
    """The view is recorded in one transaction; the recommended products are asked of the
    catalogue after it, holding no lock."""
    require_service(actor)
    with db.uow() as uow:
        share = share_by_token(uow, token)
        if share.kind == shares.MATERIAL:
            return _open_material(uow, share, visitor_key, now)
        article = _live_article(uow, share)
        tenant_id = share.tenant_id
        visitor = visitor_for(uow, share, visitor_key, now)
        view, first_time = record_view(uow, share, visitor, now)
        uow.session.execute(
            update(ArticleRow)
            .where(ArticleRow.id == article.id)
            .values(view_count=ArticleRow.view_count + 1, reader_count=ArticleRow.reader_count + int(first_time))
        )
        settings = settings_of(uow, tenant_id)
        prefs = preferences_of(uow, tenant_id, share.sharer_staff_id)
        ids = settings.recommended_article_ids if settings.recommended_scope == "all" else prefs.recommended_article_ids
        recommended = recommended_links(uow, share, ids, now)
        uow.publish(events.article_opened(article, share, visitor, view), tenant_id)
        own = own_link(uow, share, visitor, shares.FORWARD, now)
        uow.session.refresh(article)
        shown = article_view(article)
        uow.commit()
        modules = visible_modules(settings.hidden_modules, shown.hidden_modules, prefs.hidden_modules)
        sharer, share_token = share.sharer_staff_id, share.token
        view_id, key, reader = view.id, visitor.visitor_key, reader_of(visitor)
        own_token = own.token if own.id != share.id else ""
    products = []
    if PRODUCTS in modules and shown.product_ids:
        products = shown_products(catalogue, tenant_id, shown.product_ids, settings.mall_url, sharer, share_token)
    return Opened(
        tenant_id=tenant_id,
        view_id=view_id,
        visitor_key=key,
        article=shown,
        sharer_staff_id=sharer,
        modules=modules,
        contact_position=prefs.contact_position,
        recommended=recommended,
        mall_url=settings.mall_url,
        products=products,
        reader=reader,
        own_token=own_token,
    )


def _open_material(uow: UnitOfWork, share: ShareRow, visitor_key: str, now: datetime) -> Opened:
    """A shared material (D6) opens like an article: a view, the visitor, the salesperson told;
    the page shows the material itself (no modules, recommendations or products)."""
    material = live_material(uow, share)
    visitor = visitor_for(uow, share, visitor_key, now)
    view, first_time = record_view(uow, share, visitor, now)
    uow.session.execute(
        update(MaterialRow)
        .where(MaterialRow.id == material.id)
        .values(view_count=MaterialRow.view_count + 1, reader_count=MaterialRow.reader_count + int(first_time))
    )
    uow.publish(events.article_opened(material, share, visitor, view), share.tenant_id)
    own = own_link(uow, share, visitor, shares.FORWARD, now)
    uow.session.refresh(material)
    opened = Opened(
        tenant_id=share.tenant_id,
        view_id=view.id,
        visitor_key=visitor.visitor_key,
        article=None,
        sharer_staff_id=share.sharer_staff_id,
        modules=(),
        contact_position="bottom",
        recommended=[],
        mall_url="",
        products=[],
        kind=shares.MATERIAL,
        material=material_view(material),
        reader=reader_of(visitor),
        own_token=own.token if own.id != share.id else "",
    )
    uow.commit()
    return opened


def forward_share(db: Database, actor: Actor, token: str, visitor_key: str, method: str, *, now: datetime) -> ShareView:
    """The reader's own link to pass on. Asked again, the same link."""
    require_service(actor)
    method = method or shares.FORWARD
    if method not in (shares.FORWARD, shares.POSTER):
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"method": "validation.invalid_choice"})
    with db.uow() as uow:
        parent = share_by_token(uow, token)
        live_item(uow, parent)
        visitor = visitor_by_key(uow, parent.tenant_id, visitor_key)
        if visitor is None:
            raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"visitor_key": "validation.invalid"})
        link = own_link(uow, parent, visitor, method, now)
        uow.commit()
        return share_view(link)


def own_link(uow: UnitOfWork, parent: ShareRow, visitor: VisitorRow, method: str, now: datetime) -> ShareRow:
    """The reader's own link to pass `parent` on by `method`: made the first time, the same one
    after. Re-reading one's own forward link, or a chain at its end: `parent` itself."""
    if parent.from_visitor_id == visitor.id or parent.depth >= shares.CHAIN_MAX:
        return parent
    child = uow.session.scalar(
        select(ShareRow).where(
            ShareRow.tenant_id == parent.tenant_id,
            ShareRow.parent_share_id == parent.id,
            ShareRow.from_visitor_id == visitor.id,
            ShareRow.method == method,
        )
    )
    if child is None:
        child = ShareRow(
            tenant_id=parent.tenant_id,
            token=shares.new_token(),
            kind=parent.kind,
            item_id=parent.item_id,
            sharer_staff_id=parent.sharer_staff_id,
            method=method,
            parent_share_id=parent.id,
            from_visitor_id=visitor.id,
            depth=parent.depth + 1,
            created_at=now,
        )
        uow.session.add(child)
        uow.session.flush()
    return child
