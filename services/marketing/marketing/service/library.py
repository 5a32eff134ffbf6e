"""The company library (D1): categories and articles. Every query is scoped by the actor's
tenant; another tenant's id answers NOT_FOUND like a missing one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.paging import Page

from ..domain.articles import ArticleDraft, check_article, check_category_name
from ..errors import ErrorCode
from ..models import ArticleRow, CategoryRow
from .access import is_admin, require_admin, require_staff

STATES = ("", "on", "off")


@dataclass(frozen=True)
class CategoryView:
    id: str
    name: str
    sort: int
    article_count: int


@dataclass(frozen=True)
class ArticleView:
    id: str
    title: str
    summary: str
    cover_url: str
    category_id: str | None
    body_html: str
    product_ids: tuple[str, ...]
    hidden_modules: tuple[str, ...]
    source_url: str
    active: bool
    author_staff_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    share_count: int
    view_count: int
    reader_count: int
    read_seconds: int


def article_view(row: ArticleRow) -> ArticleView:
    """Read inside the unit of work: rows are not used after it ends."""
    return ArticleView(
        id=row.id,
        title=row.title,
        summary=row.summary,
        cover_url=row.cover_url,
        category_id=row.category_id,
        body_html=row.body_html,
        product_ids=tuple(json.loads(row.product_ids)),
        hidden_modules=tuple(json.loads(row.hidden_modules)),
        source_url=row.source_url,
        active=row.active,
        author_staff_id=row.author_staff_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        share_count=row.share_count,
        view_count=row.view_count,
        reader_count=row.reader_count,
        read_seconds=row.read_seconds,
    )


@dataclass(frozen=True)
class ArticlePage:
    articles: list[ArticleView]
    page: int
    page_size: int
    total: int


def _category(uow: UnitOfWork, tenant_id: str, category_id: str) -> CategoryRow:
    row = uow.session.scalar(
        select(CategoryRow).where(CategoryRow.tenant_id == tenant_id, CategoryRow.id == category_id)
    )
    if row is None:
        raise NotFound(ErrorCode.CATEGORY_NOT_FOUND, params={"id": category_id})
    return row


def _name_taken(uow: UnitOfWork, tenant_id: str, name: str, other_than: str = "") -> bool:
    return (
        uow.session.scalar(
            select(CategoryRow.id).where(
                CategoryRow.tenant_id == tenant_id, CategoryRow.name == name, CategoryRow.id != other_than
            )
        )
        is not None
    )


def _taken() -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"name": "validation.taken"})


def create_category(db: Database, actor: Actor, name: str, sort: int) -> CategoryView:
    require_admin(actor)
    name = check_category_name(name)
    with db.uow() as uow:
        if _name_taken(uow, actor.tenant_id, name):
            raise _taken()
        row = CategoryRow(tenant_id=actor.tenant_id, name=name, sort=sort)
        uow.session.add(row)
        uow.commit()
        return CategoryView(row.id, row.name, row.sort, 0)


def rename_category(db: Database, actor: Actor, category_id: str, name: str, sort: int) -> CategoryView:
    require_admin(actor)
    name = check_category_name(name)
    with db.uow() as uow:
        row = _category(uow, actor.tenant_id, category_id)
        if _name_taken(uow, actor.tenant_id, name, other_than=row.id):
            raise _taken()
        row.name, row.sort = name, sort
        count = _article_count(uow, actor.tenant_id, row.id)
        uow.commit()
        return CategoryView(row.id, row.name, row.sort, count)


def _article_count(uow: UnitOfWork, tenant_id: str, category_id: str) -> int:
    return uow.session.scalar(
        select(func.count()).where(ArticleRow.tenant_id == tenant_id, ArticleRow.category_id == category_id)
    )


def delete_category(db: Database, actor: Actor, category_id: str) -> None:
    require_admin(actor)
    with db.uow() as uow:
        row = _category(uow, actor.tenant_id, category_id)
        if _article_count(uow, actor.tenant_id, row.id):
            raise Conflict(ErrorCode.CATEGORY_NOT_EMPTY)
        uow.session.delete(row)
        uow.commit()


def list_categories(db: Database, actor: Actor) -> list[CategoryView]:
    require_staff(actor)
    counted = (
        select(ArticleRow.category_id, func.count().label("n"))
        .where(ArticleRow.tenant_id == actor.tenant_id)
        .group_by(ArticleRow.category_id)
        .subquery()
    )
    with db.reader() as uow:
        rows = uow.session.execute(
            select(CategoryRow, func.coalesce(counted.c.n, 0))
            .outerjoin(counted, counted.c.category_id == CategoryRow.id)
            .where(CategoryRow.tenant_id == actor.tenant_id)
            .order_by(CategoryRow.sort, CategoryRow.name)
        ).all()
        return [CategoryView(c.id, c.name, c.sort, n) for c, n in rows]


def _apply(uow: UnitOfWork, tenant_id: str, row: ArticleRow, draft: ArticleDraft, now: datetime) -> None:
    if draft.category_id:
        try:
            _category(uow, tenant_id, draft.category_id)
        except NotFound:
            raise InvalidInput(
                ErrorCode.MARKETING_INPUT_INVALID, fields={"category_id": "validation.not_found"}
            ) from None
    row.title, row.summary, row.cover_url = draft.title, draft.summary, draft.cover_url
    row.category_id, row.body_html, row.source_url = draft.category_id, draft.body_html, draft.source_url
    row.product_ids = json.dumps(list(draft.product_ids))
    row.hidden_modules = json.dumps(list(draft.hidden_modules))
    row.updated_at = now


def create_article(db: Database, actor: Actor, fields: dict, *, now: datetime) -> ArticleView:
    """A new article is off (created): switching it on publishes it."""
    staff_id = require_admin(actor)
    draft = check_article(**fields)
    with db.uow() as uow:
        row = ArticleRow(tenant_id=actor.tenant_id, author_staff_id=staff_id, active=False, created_at=now)
        _apply(uow, actor.tenant_id, row, draft, now)
        uow.session.add(row)
        uow.commit()
        return article_view(row)


def _article(uow: UnitOfWork, tenant_id: str, article_id: str, *, lock: bool = False) -> ArticleRow:
    stmt = select(ArticleRow).where(ArticleRow.tenant_id == tenant_id, ArticleRow.id == article_id)
    row = uow.session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(ErrorCode.ARTICLE_NOT_FOUND, params={"id": article_id})
    return row


def update_article(db: Database, actor: Actor, article_id: str, fields: dict, *, now: datetime) -> ArticleView:
    require_admin(actor)
    draft = check_article(**fields)
    with db.uow() as uow:
        row = _article(uow, actor.tenant_id, article_id, lock=True)
        _apply(uow, actor.tenant_id, row, draft, now)
        uow.commit()
        return article_view(row)


def set_article_active(db: Database, actor: Actor, article_id: str, active: bool, *, now: datetime) -> ArticleView:
    require_admin(actor)
    with db.uow() as uow:
        row = _article(uow, actor.tenant_id, article_id, lock=True)
        if row.active != active:
            row.active, row.updated_at = active, now
            if active and row.published_at is None:
                row.published_at = now
        uow.commit()
        return article_view(row)


def get_article(db: Database, actor: Actor, article_id: str) -> ArticleView:
    """Admins read any article of the library; other staff only those that are on."""
    require_staff(actor)
    with db.reader() as uow:
        row = _article(uow, actor.tenant_id, article_id)
        if not row.active and not is_admin(actor):
            raise NotFound(ErrorCode.ARTICLE_NOT_FOUND, params={"id": article_id})
        return article_view(row)


def list_articles(db: Database, actor: Actor, page: Page, *, category_id: str, q: str, state: str) -> ArticlePage:
    """Newest first. Salespeople see the articles that are on, whatever state they ask for."""
    require_staff(actor)
    if state not in STATES:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"state": "validation.invalid_choice"})
    a = ArticleRow
    stmt = select(a).where(a.tenant_id == actor.tenant_id)
    if not is_admin(actor):
        state = "on"
    if state:
        stmt = stmt.where(a.active.is_(state == "on"))
    if category_id:
        stmt = stmt.where(a.category_id == category_id)
    if q.strip():
        stmt = stmt.where(a.title.contains(q.strip(), autoescape=True))
    with db.reader() as uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(a.created_at.desc(), a.id).offset(page.offset).limit(page.page_size)
        ).all()
        return ArticlePage([article_view(r) for r in rows], page.page, page.page_size, total)
