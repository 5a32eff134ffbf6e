"""Schemas of the article library (D1), its settings, and share links (D2)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import ident, text

MODULES = ("contact", "recommended_articles", "products", "read_count")
CONTACT_POSITIONS = ("top", "bottom", "floating")
STATES = ("", "on", "off")
# Article HTML is cleaned by the marketing service; the gateway only bounds its size.
BODY_MAX = 200_000


def _modules(**kwargs) -> List:
    return List(String(validate=OneOf(MODULES, error="validation.invalid_choice")), validate=Length(max=4), **kwargs)


class ArticleCategoryIn(Schema):
    name = text(30, required=True)
    sort = Integer(load_default=0, validate=Range(min=0, max=10_000))


class ArticleCategoryOut(Schema):
    id = String()
    name = String()
    sort = Integer()
    article_count = Integer()


class ArticleCategoriesOut(Schema):
    categories = List(Nested(ArticleCategoryOut))


class ArticleIn(Schema):
    title = text(100, required=True)
    summary = text(300, load_default="", metadata={"description": "Left empty: the body's first words"})
    cover_url = text(500, load_default="")
    category_id = String(load_default="", validate=Length(max=64))
    body_html = String(
        required=True,
        validate=Length(min=1, max=BODY_MAX),
        metadata={"description": "HTML; scripts, styles, handlers and frames are removed before storage"},
    )
    product_ids = List(ident(), load_default=list, validate=Length(max=6))
    hidden_modules = _modules(load_default=list)
    source_url = text(500, load_default="")


class ArticleOut(Schema):
    id = String()
    title = String()
    summary = String()
    cover_url = String()
    category_id = String()
    body_html = String(metadata={"description": "Empty in lists"})
    product_ids = List(String())
    hidden_modules = List(String())
    source_url = String()
    active = Boolean()
    status = String(
        metadata={"description": "created (never on), published (on or was), shared (shared at least once)"}
    )
    author_staff_id = String()
    created_at = DateTime()
    updated_at = DateTime()
    published_at = DateTime(allow_none=True)
    share_count = Integer()
    view_count = Integer()
    reader_count = Integer()
    read_seconds = Integer()


class ArticleListOut(Schema):
    articles = List(Nested(ArticleOut))
    page = Nested(PageOut)


class ArticleQuery(PageQuery):
    category_id = String(load_default="", validate=Length(max=64))
    q = String(load_default="", validate=Length(max=100))
    state = String(load_default="", validate=OneOf(STATES, error="validation.invalid_choice"))


class ArticleActiveIn(Schema):
    active = Boolean(required=True)


class MarketingSettingsIO(Schema):
    hidden_modules = _modules(load_default=list)
    qualified_min_clicks = Integer(load_default=2, validate=Range(min=0, max=100_000))
    qualified_min_seconds = Integer(load_default=30, validate=Range(min=0, max=100_000))
    mall_url = text(500, load_default="")
    recommended_scope = String(load_default="all", validate=OneOf(("all", "own"), error="validation.invalid_choice"))
    recommended_article_ids = List(ident(), load_default=list, validate=Length(max=3))


class PreferencesIO(Schema):
    hidden_modules = _modules(load_default=list)
    contact_position = String(
        load_default="bottom", validate=OneOf(CONTACT_POSITIONS, error="validation.invalid_choice")
    )
    recommended_article_ids = List(ident(), load_default=list, validate=Length(max=3))


class ShareIn(Schema):
    method = String(load_default="link", validate=OneOf(("link", "poster"), error="validation.invalid_choice"))


class ShareOut(Schema):
    token = String()
    url = String(metadata={"description": "The reader's page: /s/<token> on PUBLIC_BASE_URL or this host"})
    method = String()
    depth = Integer()


def article_input(body: dict) -> pb.ArticleInput:
    return pb.ArticleInput(**body)


def article_dict(article: pb.Article) -> dict:
    status = "shared" if article.share_count else "published" if article.HasField("published_at") else "created"
    return {
        "id": article.id,
        "title": article.title,
        "summary": article.summary,
        "cover_url": article.cover_url,
        "category_id": article.category_id,
        "body_html": article.body_html,
        "product_ids": list(article.product_ids),
        "hidden_modules": list(article.hidden_modules),
        "source_url": article.source_url,
        "active": article.active,
        "status": status,
        "author_staff_id": article.author_staff_id,
        "created_at": datetime_of(article, "created_at"),
        "updated_at": datetime_of(article, "updated_at"),
        "published_at": datetime_of(article, "published_at"),
        "share_count": article.share_count,
        "view_count": article.view_count,
        "reader_count": article.reader_count,
        "read_seconds": article.read_seconds,
    }


def settings_dict(message) -> dict:
    return {
        "hidden_modules": list(message.hidden_modules),
        "qualified_min_clicks": message.qualified_min_clicks,
        "qualified_min_seconds": message.qualified_min_seconds,
        "mall_url": message.mall_url,
        "recommended_scope": message.recommended_scope,
        "recommended_article_ids": list(message.recommended_article_ids),
    }


def preferences_dict(message) -> dict:
    return {
        "hidden_modules": list(message.hidden_modules),
        "contact_position": message.contact_position,
        "recommended_article_ids": list(message.recommended_article_ids),
    }
