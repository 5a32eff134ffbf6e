"""D2 F4: a reader opened an article (or, D6, a material: 素材) a salesperson shared; the
salesperson is told at once.
Pure: the handler stores the draft (and its real-time alert).

The title says who read it and whether the link reached them through a forward (depth > 0): a
named reader by their nickname, an unnamed one as a new or returning visitor. Each combination is
its own i18n key, so every word of the sentence is translated, not only the frame around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .notifications import MalformedEvent, NotificationDraft

ARTICLE_OPENED = "article_opened"
# Cut before they reach a toast or the inbox line: nicknames and titles are other people's text.
NICKNAME_MAX = 20
TITLE_MAX = 40


MATERIAL = "material"


@dataclass(frozen=True)
class ArticleOpened:
    # The item's id: an article's, or a material's when `kind` says so.
    article_id: str
    title: str
    sharer_staff_id: str
    depth: int
    visitor_id: str
    nickname: str
    first_visit: bool
    share_id: str
    view_id: str
    kind: str = "article"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_article_opened(data: Mapping[str, object]) -> ArticleOpened:
    # Marketing names the item by item_id and kind since D6; article_id alone before it.
    article_id = str(data.get("item_id") or data.get("article_id") or "")
    sharer = str(data.get("sharer_staff_id") or "")
    if not article_id or not sharer:
        raise MalformedEvent("article_opened without article_id or sharer_staff_id")
    try:
        depth = int(data.get("depth") or 0)
    except (TypeError, ValueError):
        raise MalformedEvent("article_opened with a depth that is not a number") from None
    return ArticleOpened(
        article_id=article_id,
        title=str(data.get("title") or ""),
        sharer_staff_id=sharer,
        depth=max(depth, 0),
        visitor_id=str(data.get("visitor_id") or ""),
        nickname=str(data.get("nickname") or "").strip(),
        first_visit=bool(data.get("first_visit")),
        share_id=str(data.get("share_id") or ""),
        view_id=str(data.get("view_id") or ""),
        kind=MATERIAL if data.get("kind") == MATERIAL else "article",
    )


def title_key(opened: ArticleOpened) -> str:
    """notification.{article|material}_opened[_forwarded][_new_visitor|_returning_visitor]"""
    key = f"notification.{opened.kind}_opened"
    if opened.depth > 0:
        key += "_forwarded"
    if not opened.nickname:
        key += "_new_visitor" if opened.first_visit else "_returning_visitor"
    return key


def article_opened_notification(opened: ArticleOpened) -> NotificationDraft:
    return NotificationDraft(
        recipient_staff_id=opened.sharer_staff_id,
        kind=ARTICLE_OPENED,
        title_key=title_key(opened),
        params={
            "visitor": _shorten(opened.nickname, NICKNAME_MAX),
            "title": _shorten(opened.title, TITLE_MAX),
            "article_id": opened.article_id,
            "share_id": opened.share_id,
            "visitor_id": opened.visitor_id,
            "view_id": opened.view_id,
            "depth": str(opened.depth),
            "kind": opened.kind,
        },
        subject=f"{opened.kind}:{opened.article_id}",
    )
