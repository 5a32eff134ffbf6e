"""Share posters (D4, D12): a salesperson's poster of an article carries their poster link (a
share with method "poster", so readers who scan it are counted per poster) as a QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.filestore import FileStore

from .. import images, posters
from ..catalogue import Catalogue
from ..domain import shares
from ..domain.posters import DEFAULT_THEME, POSITIONS, TEXT_MAX, THEMES, post_title
from ..errors import ErrorCode
from ..models import ArticleRow, PosterImageRow, PosterRow, ShareRow, ViewRow, VisitorRow
from ..sharers import Sharers
from . import cards, poster_images
from .access import require_staff
from .sharing import log_share, root_share, share_article

LINK_BASE_MAX = 200
CAPTION_MAX = 40


@dataclass(frozen=True)
class Poster:
    png: bytes
    token: str
    url: str


def _checked(theme: str, link_base: str, caption: str, problems: dict[str, str] | None = None) -> str:
    """The theme to draw with; InvalidInput naming every bad field (with the caller's `problems`)."""
    problems = dict(problems or {})
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


def make_poster(
    db: Database,
    actor: Actor,
    store: FileStore | None,
    *,
    image_id: str,
    text: str,
    qr_position: str,
    theme: str,
    link_base: str,
    caption: str,
    sharers: Sharers,
    now: datetime,
) -> Poster:
    """D4 own uploads and D12 image-text posts: a poster of a template of my tenant or my own
    picture, and/or my text, carrying a card link of its own (method poster), so what each poster
    brings is counted apart. The same picture, text and position again: the same poster and link.
    On a template the stamp goes where the template says; on my own picture where I ask."""
    staff_id = require_staff(actor)
    text = text.strip()
    problems = {}
    if not image_id and not text:
        problems["text"] = "validation.required"
    if len(text) > TEXT_MAX:
        problems["text"] = "validation.too_long"
    if qr_position and qr_position not in POSITIONS:
        problems["qr_position"] = "validation.invalid_choice"
    theme = _checked(theme, link_base, caption, problems)
    name = ""
    if image_id:
        with db.reader() as uow:
            image = poster_images.visible_row(uow.session, actor, image_id)
            template = image.purpose == poster_images.TEMPLATE
            position = image.qr_position if template or not qr_position else qr_position
            name = image.name
    else:
        position = qr_position or POSITIONS[0]
    posters.font_path()  # refused before anything is counted when no font can draw it
    cards.get_my_card(db, actor, sharers=sharers, now=now)  # the link lands on my card
    with db.uow() as uow:
        row = uow.session.scalar(
            select(PosterRow).where(
                PosterRow.tenant_id == actor.tenant_id,
                PosterRow.staff_id == staff_id,
                PosterRow.image_id == image_id if image_id else PosterRow.image_id.is_(None),
                PosterRow.text == text,
                PosterRow.qr_position == position,
            )
        )
        if row is None:
            row = PosterRow(
                tenant_id=actor.tenant_id,
                staff_id=staff_id,
                image_id=image_id or None,
                text=text,
                qr_position=position,
                theme=theme,
                title=post_title(text) if text else name,
                created_at=now,
            )
            uow.session.add(row)
            uow.session.flush()
        row.theme = theme
        poster_id = row.id
        uow.commit()
    return _drawn_poster(db, actor, store, poster_id, link_base=link_base, caption=caption, sharers=sharers, now=now)


def draw_my_poster(
    db: Database,
    actor: Actor,
    store: FileStore | None,
    poster_id: str,
    *,
    link_base: str,
    caption: str,
    sharers: Sharers,
    now: datetime,
) -> Poster:
    """One of my posters made from a picture or a text, drawn again (管理我的海报: open, save)."""
    require_staff(actor)
    _checked("", link_base, caption)
    posters.font_path()
    return _drawn_poster(db, actor, store, poster_id, link_base=link_base, caption=caption, sharers=sharers, now=now)


def _drawn_poster(
    db: Database,
    actor: Actor,
    store: FileStore | None,
    poster_id: str,
    *,
    link_base: str,
    caption: str,
    sharers: Sharers,
    now: datetime,
) -> Poster:
    staff_id = require_staff(actor)
    with db.reader() as uow:
        row = uow.session.scalar(
            select(PosterRow).where(
                PosterRow.tenant_id == actor.tenant_id, PosterRow.id == poster_id, PosterRow.staff_id == staff_id
            )
        )
        if row is None:
            raise NotFound(ErrorCode.POSTER_NOT_FOUND, params={"id": poster_id})
        image = None
        if row.image_id:
            image = uow.session.scalar(
                select(PosterImageRow).where(
                    PosterImageRow.tenant_id == actor.tenant_id, PosterImageRow.id == row.image_id
                )
            )
            if image is None and not row.text:
                raise NotFound(ErrorCode.POSTER_IMAGE_NOT_FOUND, params={"id": row.image_id})
        text, position, theme, image_id = row.text, row.qr_position, row.theme, row.image_id or ""
        picture_key = image.file_key if image is not None else None
    picture = None
    if picture_key is not None:
        store = poster_images.configured(store)
        picture = images.opened(poster_images.stored_bytes(store, picture_key, image_id))
    with db.uow() as uow:
        share = root_share(
            uow, actor.tenant_id, staff_id, shares.CARD, staff_id, shares.POSTER, now, poster_id=poster_id
        )
        log_share(uow, share, now)
        uow.commit()
        token = share.token
    contact = sharers.contact(actor.tenant_id, staff_id)
    url = link_base + token
    if text:
        signature = posters.PosterText("", "", contact.name, contact.phone, caption)
        png = posters.render_text_post(THEMES[theme], text, picture, signature, url)
    else:
        png = posters.render_on_picture(picture, position, posters.Stamp(contact.name, contact.phone, caption), url)
    return Poster(png, token, url)


@dataclass(frozen=True)
class PosterStats:
    token: str
    kind: str
    item_id: str
    title: str
    created_at: datetime
    views: int
    visitors: int
    poster_id: str = ""


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
            select(
                ShareRow,
                func.coalesce(ArticleRow.title, PosterRow.title),
                func.coalesce(views.c.n, 0),
                func.coalesce(brought.c.n, 0),
            )
            .outerjoin(ArticleRow, (ArticleRow.id == ShareRow.item_id) & (ArticleRow.tenant_id == ShareRow.tenant_id))
            .outerjoin(PosterRow, (PosterRow.id == ShareRow.poster_id) & (PosterRow.tenant_id == ShareRow.tenant_id))
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
            PosterStats(s.token, s.kind, s.item_id, title or "", s.created_at, int(v), int(b), s.poster_id or "")
            for s, title, v, b in rows
        ]
