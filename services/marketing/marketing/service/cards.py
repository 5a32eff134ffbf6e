"""Smart business cards (D3): the tenant's template, each salesperson's card (made from the
template the first time they open it), the template copied onto existing cards, sharing a card,
and a reader opening it (a view like an article's: visitors, chains, reading time, leads)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import InvalidInput, NotFound

from ..catalogue import Catalogue
from ..domain import shares
from ..domain.cards import (
    DEFAULT_MODULES,
    NEWS,
    PRODUCTS,
    CardContent,
    Module,
    apply_template,
    check_content,
    check_modules,
    from_template,
)
from ..errors import ErrorCode
from ..models import ArticleRow, CardRow, CardTemplateRow
from ..sharers import Sharers
from .access import require_admin, require_service, require_staff
from .settings import settings_of
from .sharing import (
    Reader,
    Recommended,
    ShareView,
    ShownProduct,
    log_share,
    own_link,
    reader_of,
    recommended_links,
    record_view,
    root_share,
    share_by_token,
    share_view,
    shown_products,
    visitor_for,
)


@dataclass(frozen=True)
class Template:
    modules: tuple[Module, ...]
    content: CardContent


@dataclass(frozen=True)
class OpenedCard:
    tenant_id: str
    view_id: str
    visitor_key: str
    staff_id: str
    content: CardContent
    modules: tuple[Module, ...]
    news: list[Recommended]
    products: list[ShownProduct]
    reader: Reader
    own_token: str  # the reader's own forward link, "" when it is the one they opened


def _content(text: str) -> CardContent:
    data = json.loads(text)
    data["product_ids"], data["article_ids"] = tuple(data["product_ids"]), tuple(data["article_ids"])
    return CardContent(**data)


def _dump(content: CardContent) -> str:
    return json.dumps(asdict(content), ensure_ascii=False)


def template_of(uow: UnitOfWork, tenant_id: str) -> Template:
    row = uow.session.get(CardTemplateRow, tenant_id)
    if row is None:
        return Template(DEFAULT_MODULES, CardContent())
    return Template(tuple(Module(**m) for m in json.loads(row.modules)), _content(row.content))


def get_template(db: Database, actor: Actor) -> Template:
    require_staff(actor)
    with db.reader() as uow:
        return template_of(uow, actor.tenant_id)


def update_template(
    db: Database, actor: Actor, modules: list[Module], content: CardContent, *, now: datetime
) -> Template:
    """Module names and visibility apply to every card at once; the content is what new cards
    start from (and what ApplyCardTemplate copies onto existing ones)."""
    require_admin(actor)
    modules = check_modules(modules)
    content = check_content(content)
    with db.uow() as uow:
        row = uow.session.get(CardTemplateRow, actor.tenant_id, with_for_update=True)
        if row is None:
            row = CardTemplateRow(tenant_id=actor.tenant_id)
            uow.session.add(row)
        row.modules = json.dumps([asdict(m) for m in modules], ensure_ascii=False)
        row.content, row.updated_at = _dump(content), now
        uow.commit()
    return Template(modules, content)


def get_my_card(db: Database, actor: Actor, *, sharers: Sharers, now: datetime) -> CardContent:
    """My card; the first time, made from the template with my name and phone from identity."""
    staff_id = require_staff(actor)
    with db.reader() as uow:
        row = uow.session.get(CardRow, (actor.tenant_id, staff_id))
        if row is not None:
            return _content(row.content)
    contact = sharers.contact(actor.tenant_id, staff_id)  # outside any transaction
    with db.uow() as uow:
        row = uow.session.get(CardRow, (actor.tenant_id, staff_id), with_for_update=True)
        if row is None:
            made = from_template(template_of(uow, actor.tenant_id).content, contact.name, contact.phone)
            row = CardRow(tenant_id=actor.tenant_id, staff_id=staff_id, content=_dump(made), updated_at=now)
            uow.session.add(row)
            uow.commit()
        return _content(row.content)


def _check_articles(uow: UnitOfWork, tenant_id: str, ids: tuple[str, ...]) -> None:
    if ids:
        found = set(
            uow.session.scalars(select(ArticleRow.id).where(ArticleRow.tenant_id == tenant_id, ArticleRow.id.in_(ids)))
        )
        if found != set(ids):
            raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"article_ids": "validation.not_found"})


def update_my_card(db: Database, actor: Actor, content: CardContent, *, now: datetime) -> CardContent:
    staff_id = require_staff(actor)
    content = check_content(content)
    with db.uow() as uow:
        _check_articles(uow, actor.tenant_id, content.article_ids)
        row = uow.session.get(CardRow, (actor.tenant_id, staff_id), with_for_update=True)
        if row is None:
            row = CardRow(tenant_id=actor.tenant_id, staff_id=staff_id)
            uow.session.add(row)
        row.content, row.updated_at = _dump(content), now
        uow.commit()
    return content


def apply_card_template(db: Database, actor: Actor, *, now: datetime) -> int:
    """The template's company fields and defaults copied onto every existing card of the tenant
    (将名片复制给老员工); answers how many cards changed."""
    require_admin(actor)
    with db.uow() as uow:
        template = template_of(uow, actor.tenant_id).content
        rows = uow.session.scalars(select(CardRow).where(CardRow.tenant_id == actor.tenant_id).with_for_update()).all()
        for row in rows:
            row.content, row.updated_at = _dump(apply_template(_content(row.content), template)), now
        uow.commit()
        return len(rows)


def share_card(db: Database, actor: Actor, method: str, *, now: datetime) -> ShareView:
    """My card's link (one per method), counted as a share; a card is made first if I have none."""
    staff_id = require_staff(actor)
    method = method or shares.LINK
    if method not in (shares.LINK, shares.POSTER):
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"method": "validation.invalid_choice"})
    with db.uow() as uow:
        if uow.session.get(CardRow, (actor.tenant_id, staff_id)) is None:
            raise NotFound(ErrorCode.CARD_NOT_FOUND)
        share = root_share(uow, actor.tenant_id, staff_id, shares.CARD, staff_id, method, now)
        log_share(uow, share, now)
        uow.commit()
        return share_view(share)


def open_card(
    db: Database, actor: Actor, token: str, visitor_key: str, *, catalogue: Catalogue, now: datetime
) -> OpenedCard:
    require_service(actor)
    with db.uow() as uow:
        share = share_by_token(uow, token)
        card = uow.session.get(CardRow, (share.tenant_id, share.item_id)) if share.kind == shares.CARD else None
        if card is None:
            raise NotFound(ErrorCode.SHARE_NOT_FOUND)
        content = _content(card.content)
        visitor = visitor_for(uow, share, visitor_key, now)
        view, _ = record_view(uow, share, visitor, now)
        template = template_of(uow, share.tenant_id)
        shown = {m.key for m in template.modules if m.visible}
        news = recommended_links(uow, share, content.article_ids, now) if NEWS in shown else []
        mall_url = settings_of(uow, share.tenant_id).mall_url
        own = own_link(uow, share, visitor, shares.FORWARD, now)
        own_token = own.token if own.id != share.id else ""
        uow.commit()
        reader = reader_of(visitor)
        tenant_id, staff_id, view_id, key, share_token = (
            share.tenant_id,
            share.item_id,
            view.id,
            visitor.visitor_key,
            share.token,
        )
    products = []
    if PRODUCTS in shown and content.product_ids:
        products = shown_products(catalogue, tenant_id, content.product_ids, mall_url, staff_id, share_token)
    return OpenedCard(tenant_id, view_id, key, staff_id, content, template.modules, news, products, reader, own_token)
