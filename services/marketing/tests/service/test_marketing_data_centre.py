"""D8 on PostgreSQL through gRPC: sharing's figures per China day, per salesperson and per
article, each salesperson seeing their own."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.periods import CHINA


def publish(marketing, tenant, title):
    made = marketing.call("CreateArticle", pb.ArticleInput(title=title, body_html="<p>正文</p>"), token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    return made


def share(marketing, article, token):
    return marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=token)


def open_(marketing, token, key=""):
    return marketing.call("OpenShare", pb.OpenShareRequest(token=token, visitor_key=key), as_service=True)


def stats(marketing, token, **kw):
    return marketing.call("GetMarketingStats", pb.MarketingStatsRequest(**kw), token=token)


def figures(message):
    return {name: getattr(message, name) for name in ("shares", "forwards", "views", "readers", "leads")}


def test_d8_a_days_sharing_counted_per_day_salesperson_and_article(marketing, tenant, beats, drainer):
    spring, autumn = publish(marketing, tenant, "春季新品"), publish(marketing, tenant, "秋季新品")
    link = share(marketing, spring, tenant.sales)
    share(marketing, spring, tenant.sales)  # shared again: the same link, one more share
    reader = open_(marketing, link.token)
    time.sleep(1.1)
    beats.append(reader.view_id, reader.visitor_key, 1, 0)
    assert drainer.drain_once().applied == 1
    forward = marketing.call(
        "ForwardShare", pb.ForwardShareRequest(token=link.token, visitor_key=reader.visitor_key), as_service=True
    )
    friend = open_(marketing, forward.token)
    marketing.call(
        "IdentifyVisitor",
        pb.IdentifyVisitorRequest(view_id=friend.view_id, visitor_key=friend.visitor_key, phone="13900002222"),
        as_service=True,
    )
    open_(marketing, link.token, reader.visitor_key)  # the same reader again: a view, not a reader
    open_(marketing, share(marketing, autumn, tenant.other_sales).token)

    today = datetime.now(UTC).astimezone(CHINA).date().isoformat()
    by_day = stats(marketing, tenant.owner, date_from=today, date_to=today)
    (row,) = by_day.rows
    assert row.key == today
    assert figures(row.figures) == {"shares": 3, "forwards": 1, "views": 4, "readers": 3, "leads": 1}
    assert row.figures.read_seconds == 1 and row.figures.new_visitors == 3
    assert figures(by_day.total) == figures(row.figures)

    by_staff = {r.key: figures(r.figures) for r in stats(marketing, tenant.manager, group_by="staff").rows}
    assert by_staff == {
        tenant.sales_id: {"shares": 2, "forwards": 1, "views": 3, "readers": 2, "leads": 1},
        tenant.other_sales_id: {"shares": 1, "forwards": 0, "views": 1, "readers": 1, "leads": 0},
    }
    by_article = stats(marketing, tenant.owner, group_by="article").rows
    assert [(r.title, r.figures.views) for r in by_article] == [("春季新品", 3), ("秋季新品", 1)]

    mine = stats(marketing, tenant.sales, date_from=today, date_to=today)
    assert figures(mine.total) == by_staff[tenant.sales_id]
    assert len(stats(marketing, tenant.owner).rows) == 30  # the last 30 days by default


def test_d8_bad_periods_and_groupings_are_named(marketing, tenant):
    with pytest.raises(InvalidInput) as bad:
        stats(marketing, tenant.owner, date_from="2026-13-01")
    assert bad.value.fields == {"date_from": "validation.invalid_date"}
    with pytest.raises(InvalidInput) as wrong:
        stats(marketing, tenant.owner, group_by="store")
    assert wrong.value.fields == {"group_by": "validation.invalid_choice"}
    with pytest.raises(InvalidInput):
        stats(marketing, tenant.owner, date_from="2025-01-01", date_to="2026-12-01")
