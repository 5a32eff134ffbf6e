"""Share posters (D4, D12): a salesperson's poster of an article carries their poster link (a
share with method "poster", so readers who scan it are counted per poster) as a QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import Conflict, InvalidInput, NotFound

from .. import posters
from ..catalogue import Catalogue
from ..domain import shares
from ..domain.posters import DEFAULT_THEME, THEMES
from ..errors import ErrorCode
from ..models import ArticleRow, ShareRow, ViewRow, VisitorRow
from ..sharers import Sharers
from . import cards
from .access import require_staff
from .sharing import share_article

LINK_BASE_MAX = 200
CAPTION_MAX = 40


@dataclass(frozen=True)
class Poster:
    png: bytes
    token: str
    url: str


def _checked(theme: str, link_base: str, caption: str) -> str:
    """The theme to draw with; InvalidInput naming every bad field."""
    problems = {}
    theme = theme or DEFAULT_THEME
    if theme not in THEMES:
        problems["theme"] = "validation.invalid_choice"
    if not link_base.startswith(("https://", "http://")) or len(link_base) > LINK_BASE_MAX:
        problems["link_base"] = "validation.invalid"
    if len(caption) > CAPTION_MAX:
        problems["caption"] = "validation.too_long"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    return theme


def article_poster(
    db: Database,
    actor: Actor,
    article_id: str,
    *,
    theme: str,
    link_base: str,
    caption: str,
    sharers: Sharers,
    now: datetime,
) -> Poster:
    """`link_base`: the reader pages' address up to the token (the gateway's /s/)."""
    staff_id = require_staff(actor)
    theme = _checked(theme, link_base, caption)
    with db.reader() as uow:
        article = uow.session.scalar(
            select(ArticleRow).where(ArticleRow.tenant_id == actor.tenant_id, ArticleRow.id == article_id)
        )
        if article is None:
            raise NotFound(ErrorCode.ARTICLE_NOT_FOUND, params={"id": article_id})
        if not article.active:
            raise Conflict(ErrorCode.ARTICLE_INACTIVE)
        title, summary = article.title, article.summary
    posters.font_path()  # refused before a share is counted when no font can draw it
    share = share_article(db, actor, article_id, shares.POSTER, now=now)
    contact = sharers.contact(actor.tenant_id, staff_id)
    url = link_base + share.token
    text = posters.PosterText(title, summary, contact.name, contact.phone, caption)
    return Poster(posters.render(THEMES[theme], text, url), share.token, url)


def product_poster(
    db: Database,
    actor: Actor,
    product_id: str,
    *,
    theme: str,
    link_base: str,
    caption: str,
    sharers: Sharers,
    catalogue: Catalogue,
    now: datetime,
) -> Poster:
    """B11: a product's share poster (name, price) carrying my card's poster link: readers who
    scan it land on my card, with my featured products. `link_base`: the card pages' address up
    to the token (the gateway's /c/)."""
    staff_id = require_staff(actor)
    theme = _checked(theme, link_base, caption)
    found = catalogue.products(actor.tenant_id, (product_id,))
    if not found:
        raise NotFound(ErrorCode.PRODUCT_NOT_FOUND, params={"id": product_id})
    product = found[0]
    cards.get_my_card(db, actor, sharers=sharers, now=now)  # made from the template if I have none
    share = cards.share_card(db, actor, shares.POSTER, now=now)
    contact = sharers.contact(actor.tenant_id, staff_id)
    price = f"¥{product.price_fen / 100:.2f}" + (f" / {product.unit}" if product.unit else "")
    url = link_base + share.token
    text = posters.PosterText(product.name, price, contact.name, contact.phone, caption)
    return Poster(posters.render(THEMES[theme], text, url), share.token, url)


def card_poster(
    db: Database,
    actor: Actor,
    *,
    theme: str,
    link_base: str,
    caption: str,
    sharers: Sharers,
    now: datetime,
) -> Poster:
    """D3: my card as a poster (name, job title and company) carrying my card's poster link."""
    theme = _checked(theme, link_base, caption)
    card = cards.get_my_card(db, actor, sharers=sharers, now=now)
    share = cards.share_card(db, actor, shares.POSTER, now=now)
    subtitle = " · ".join(part for part in (card.job_title, card.company_name) if part)
    summary = "\n".join(part for part in (subtitle, card.intro) if part)
    url = link_base + share.token
    text = posters.PosterText(card.display_name, summary, card.display_name, card.phone, caption)
    return Poster(posters.render(THEMES[theme], text, url), share.token, url)


@dataclass(frozen=True)
class PosterStats:
    token: str
    kind: str
    item_id: str
    title: str
    created_at: datetime
    views: int
    visitors: int


def my_posters(db: Database, actor: Actor) -> list[PosterStats]:
    """管理我的海报: each of my poster links, newest first, with the views through it and the
    visitors it brought first (获客)."""
    staff_id = require_staff(actor)
    views = (
        select(ViewRow.share_id, func.count().label("n"))
        .where(ViewRow.tenant_id == actor.tenant_id)
        .group_by(ViewRow.share_id)
        .subquery()
    )
    brought = (
        select(VisitorRow.first_share_id, func.count().label("n"))
        .where(VisitorRow.tenant_id == actor.tenant_id)
        .group_by(VisitorRow.first_share_id)
        .subquery()
    )
    with db.reader() as uow:
        rows = uow.session.execute(
            select(ShareRow, ArticleRow.title, func.coalesce(views.c.n, 0), func.coalesce(brought.c.n, 0))
            .outerjoin(ArticleRow, (ArticleRow.id == ShareRow.item_id) & (ArticleRow.tenant_id == ShareRow.tenant_id))
            .outerjoin(views, views.c.share_id == ShareRow.id)
            .outerjoin(brought, brought.c.first_share_id == ShareRow.id)
            .where(
                ShareRow.tenant_id == actor.tenant_id,
                ShareRow.sharer_staff_id == staff_id,
                ShareRow.method == shares.POSTER,
                ShareRow.parent_share_id.is_(None),
            )
            .order_by(ShareRow.created_at.desc(), ShareRow.id)
        ).all()
        return [
            PosterStats(s.token, s.kind, s.item_id, title or "", s.created_at, int(v), int(b))
            for s, title, v, b in rows
        ]
