"""Every event the marketing service publishes (exchange `marketing.events`), each with the
function that builds its payload. Consumers: customers (visitor_identified: the visitor becomes a
lead, C7); messaging (article_opened: the salesperson's alert and inbox line, F4). What it consumes (the
customers service's events, C10) is in subscriptions.py."""

from __future__ import annotations

from typing import Any

from crmkit.events import EventCatalogue

from .models import ArticleRow, MaterialRow, ShareRow, ViewRow, VisitorRow

EVENTS = EventCatalogue("marketing")


@EVENTS.publishes("article_opened")
def article_opened(
    article: ArticleRow | MaterialRow, share: ShareRow, visitor: VisitorRow, view: ViewRow
) -> dict[str, Any]:
    """A reader opened a shared article (D2) or material (D6): the salesperson is told at once.
    `kind` says which (`article`, `material`); `article_id` is the item's id either way, so a
    consumer that knows only articles keeps working."""
    return {
        "kind": share.kind,
        "item_id": article.id,
        "article_id": article.id,
        "title": article.title,
        "share_id": share.id,
        "sharer_staff_id": share.sharer_staff_id,
        "method": share.method,
        "depth": share.depth,
        "forwarded_by_visitor_id": share.from_visitor_id or "",
        "visitor_id": visitor.id,
        "nickname": visitor.nickname,
        "first_visit": visitor.visits == 1,
        "view_id": view.id,
    }


@EVENTS.publishes("visitor_identified")
def visitor_identified(visitor: VisitorRow, name: str, title: str, *, via: str, phone: str) -> dict[str, Any]:
    """A reader gave a phone number or logged in with WeChat (C7): the customers service makes or
    joins their lead (one per phone or unionID), the salesperson whose share brought them
    following it. `via`: "phone" or "wechat"."""
    return {
        "visitor_id": visitor.id,
        "via": via,
        "name": name,
        "phone": phone,
        "union_id": visitor.unionid,
        "open_id": visitor.openid,
        "nickname": visitor.nickname,
        "avatar_url": visitor.avatar_url,
        "staff_id": visitor.staff_id,
        "source": visitor.first_method,
        "title": title,
    }
