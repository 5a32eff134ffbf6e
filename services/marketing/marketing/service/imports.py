"""Importing an article into the library (D1): from a pasted link (fetched through the port) or
from an uploaded HTML page; it arrives off, cleaned like a written one, naming where it came from."""

from __future__ import annotations

from datetime import datetime

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import InvalidInput

from ..errors import ErrorCode
from ..importer import MAX_BYTES, Fetcher, extract
from .access import require_admin
from .library import ArticleView, create_article


def import_article(
    db: Database, actor: Actor, *, url: str, html: str, category_id: str, fetcher: Fetcher, now: datetime
) -> ArticleView:
    require_admin(actor)
    url = url.strip()
    if bool(url) == bool(html):
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"url": "validation.url_or_file"})
    if len(html) > MAX_BYTES:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"file": "validation.page_too_large"})
    page = extract(fetcher.fetch(url) if url else html, url)
    if not page.title:
        field = "url" if url else "file"
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={field: "validation.no_article"})
    fields = {
        "title": page.title,
        "summary": page.summary,
        "cover_url": page.cover_url,
        "category_id": category_id,
        "body_html": page.body_html,
        "product_ids": [],
        "hidden_modules": [],
        "source_url": url,
    }
    return create_article(db, actor, fields, now=now)
