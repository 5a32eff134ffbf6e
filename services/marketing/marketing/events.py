"""Every event the marketing service publishes (exchange `marketing.events`), each with the
function that builds its payload. Consumers: messaging (the salesperson's real-time alert and
inbox line, F4); to come, customers (a visitor becomes a lead, C7)."""

from __future__ import annotations

from typing import Any

from crmkit.events import EventCatalogue

from .models import ArticleRow, ShareRow, ViewRow, VisitorRow

EVENTS = EventCatalogue("marketing")


@EVENTS.publishes("article_opened")
def article_opened(article: ArticleRow, share: ShareRow, visitor: VisitorRow, view: ViewRow) -> dict[str, Any]:
    """A reader opened a shared article (D2): the salesperson is told at once."""
    return {
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
