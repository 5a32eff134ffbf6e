"""C7 C10 on PostgreSQL through gRPC: a reader gives a phone (one visitor_identified event per
visitor and phone), and the visitor centre: filters, sorting, the trail with the chain, and who
may see which visitor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.common.v1 import common_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput, NotFound
from crmkit.protos import timestamp
from marketing.models import Outbox


def shared_article(marketing, tenant, token):
    made = marketing.call(
        "CreateArticle", pb.ArticleInput(title="新品推荐", body_html="<p>正文</p>"), token=tenant.owner
    )
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    return marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=made.id), token=token)


def open_(marketing, token, key=""):
    return marketing.call("OpenShare", pb.OpenShareRequest(token=token, visitor_key=key), as_service=True)


def identify(marketing, opened, phone, name=""):
    return marketing.call(
        "IdentifyVisitor",
        pb.IdentifyVisitorRequest(view_id=opened.view_id, visitor_key=opened.visitor_key, phone=phone, name=name),
        as_service=True,
    )


def identified_events(db, tenant_id):
    with db.reader() as uow:
        rows = uow.session.scalars(
            select(Outbox)
            .where(Outbox.tenant_id == tenant_id, Outbox.type == "visitor_identified")
            # In the order they were written: PostgreSQL answers in any order without one.
            .order_by(Outbox.id)
        ).all()
        return [json.loads(r.payload)["data"] for r in rows]


def test_c7_a_phone_given_once_is_told_once_with_the_salesperson(marketing, tenant, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    with pytest.raises(InvalidInput) as bad:
        identify(marketing, opened, "12345", name="名" * 31)
    assert bad.value.fields == {"phone": "validation.phone_invalid", "name": "validation.too_long"}
    identify(marketing, opened, "13900001111")
    identify(marketing, opened, "13900001111", name="王老板")  # the same phone again: nothing new
    (event,) = identified_events(db, tenant.id)
    (visitor,) = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.sales).visitors
    assert (visitor.phone, visitor.nickname) == ("13900001111", "")  # no name given
    assert event["phone"] == "13900001111" and event["name"] == "访客1111"
    assert event["staff_id"] == tenant.sales_id and event["source"] == "link" and event["title"] == "新品推荐"
    with pytest.raises(NotFound):
        marketing.call(
            "IdentifyVisitor",
            pb.IdentifyVisitorRequest(view_id=opened.view_id, visitor_key="not-this-readers-key", phone="13900001111"),
            as_service=True,
        )


def test_c10_the_visitor_centre_filters_sorts_and_shows_the_trail(marketing, tenant):
    marketing.call(
        "UpdateMarketingSettings",
        pb.MarketingSettings(qualified_min_clicks=2, qualified_min_seconds=0, recommended_scope="all"),
        token=tenant.owner,
    )
    link = shared_article(marketing, tenant, tenant.sales)
    keen = open_(marketing, link.token)
    open_(marketing, link.token, keen.visitor_key)  # a second visit: qualified (2 clicks, 0 s)
    forward = marketing.call(
        "ForwardShare", pb.ForwardShareRequest(token=link.token, visitor_key=keen.visitor_key), as_service=True
    )
    friend = open_(marketing, forward.token)
    other_link = shared_article(marketing, tenant, tenant.other_sales)
    open_(marketing, other_link.token)

    mine = marketing.call("ListVisitors", pb.ListVisitorsRequest(sort="visits"), token=tenant.sales)
    assert [(v.visits, v.source, v.qualified) for v in mine.visitors] == [(2, "link", True), (1, "forward", False)]
    assert mine.page.total == 2  # not the other salesperson's visitor
    everyone = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.manager)
    assert everyone.page.total == 3
    qualified = marketing.call("ListVisitors", pb.ListVisitorsRequest(qualified="yes"), token=tenant.owner)
    assert [v.visits for v in qualified.visitors] == [2]
    forwarded = marketing.call("ListVisitors", pb.ListVisitorsRequest(source="forward"), token=tenant.owner)
    assert forwarded.page.total == 1
    future = datetime.now(UTC) + timedelta(days=1)
    later = marketing.call(
        "ListVisitors",
        pb.ListVisitorsRequest(since=timestamp(future), page=common_pb2.PageRequest(page=1, page_size=10)),
        token=tenant.owner,
    )
    assert later.page.total == 0

    friend_id = next(v.id for v in mine.visitors if v.source == "forward")
    keen_id = next(v.id for v in mine.visitors if v.source == "link")
    detail = marketing.call("GetVisitor", pb.GetVisitorRequest(id=friend_id), token=tenant.sales)
    (entry,) = detail.trail
    assert entry.title == "新品推荐" and entry.method == "forward" and entry.depth == 1
    assert entry.forwarded_by_visitor_id == keen_id and entry.view_id == friend.view_id
    assert len(marketing.call("GetVisitor", pb.GetVisitorRequest(id=keen_id), token=tenant.owner).trail) == 2
    with pytest.raises(NotFound):
        marketing.call("GetVisitor", pb.GetVisitorRequest(id=friend_id), token=tenant.other_sales)
    with pytest.raises(InvalidInput) as bad:
        marketing.call("ListVisitors", pb.ListVisitorsRequest(sort="name", source="sms"), token=tenant.owner)
    assert set(bad.value.fields) == {"sort", "source"}


def test_c10_the_name_a_reader_gives_names_them_in_the_visitor_centre(marketing, tenant):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    identify(marketing, opened, "13900003333", name="刘老板")
    (visitor,) = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.sales).visitors
    assert visitor.nickname == "刘老板"
