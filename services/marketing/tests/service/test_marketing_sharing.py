"""D2 on PostgreSQL through gRPC: share links and their chain, views, visitors, visible reading
time, qualified visitors, the article_opened event, and refused tokens."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marketing.catalogue import Product
from marketing.models import Outbox, ShareRow, VisitorRow


def published(marketing, tenant, title="秋冬新品到店", **fields):
    made = marketing.call(
        "CreateArticle", pb.ArticleInput(title=title, body_html="<p>正文</p>", **fields), token=tenant.owner
    )
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    return made


def open_(marketing, token, visitor_key=""):
    return marketing.call("OpenShare", pb.OpenShareRequest(token=token, visitor_key=visitor_key), as_service=True)


def beat(beats, drainer, opened, seconds, clicks=0, *, visitor_key=None):
    """A beat as the gateway queues it, then one drain: how many beats it applied."""
    beats.append(opened.view_id, visitor_key or opened.visitor_key, seconds, clicks)
    return drainer.drain_once().applied


def test_d2_a_chain_salesperson_reader_friend_is_recorded_with_each_view(marketing, tenant, db):
    article = published(marketing, tenant)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    assert link.sharer_staff_id == tenant.sales_id and link.depth == 0 and link.method == "link"
    again = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    assert again.token == link.token  # one link per salesperson and item: readers join one chain

    first = open_(marketing, link.token)
    assert first.tenant_id == tenant.id and first.visitor_key and first.article.title == "秋冬新品到店"
    forward = marketing.call(
        "ForwardShare", pb.ForwardShareRequest(token=link.token, visitor_key=first.visitor_key), as_service=True
    )
    assert first.own_token == forward.token  # the page's own link is the one ForwardShare answers
    assert forward.parent_share_id == link.id and forward.depth == 1 and forward.method == "forward"
    assert forward.sharer_staff_id == tenant.sales_id  # the friend is still the salesperson's reader
    friend = open_(marketing, forward.token)
    assert friend.visitor_key != first.visitor_key
    mine_again = marketing.call(
        "ForwardShare", pb.ForwardShareRequest(token=forward.token, visitor_key=first.visitor_key), as_service=True
    )
    assert mine_again.token == forward.token  # re-reading my own link does not make me my own forwarder

    with db.reader() as uow:
        friend_row = uow.session.scalar(select(VisitorRow).where(VisitorRow.visitor_key == friend.visitor_key))
        assert friend_row.first_method == "forward" and friend_row.staff_id == tenant.sales_id
        child = uow.session.get(ShareRow, forward.id)
        assert child.from_visitor_id is not None
        opened = [
            json.loads(o.payload)
            for o in uow.session.scalars(
                select(Outbox).where(Outbox.tenant_id == tenant.id, Outbox.type == "article_opened").order_by(Outbox.id)
            )
        ]
    assert [(e["data"]["depth"], e["data"]["sharer_staff_id"]) for e in opened] == [
        (0, tenant.sales_id),
        (1, tenant.sales_id),
    ]

    counted = marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner)
    assert (counted.share_count, counted.view_count, counted.reader_count) == (2, 2, 2)
    again = open_(marketing, link.token, first.visitor_key)  # the same reader again: a view, not a reader
    assert again.own_token == forward.token  # and the same own link
    counted = marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner)
    assert (counted.view_count, counted.reader_count) == (3, 2)
    assert open_(marketing, forward.token, first.visitor_key).own_token == ""  # my own link is mine already


def test_d2_reading_time_moves_forward_only_and_qualifies_the_visitor(marketing, tenant, db, beats, drainer):
    marketing.call(
        "UpdateMarketingSettings",
        pb.MarketingSettings(qualified_min_clicks=2, qualified_min_seconds=3, recommended_scope="all"),
        token=tenant.owner,
    )
    article = published(marketing, tenant)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    opened = open_(marketing, link.token)
    assert beat(beats, drainer, opened, -5) == 0
    assert beat(beats, drainer, opened, 10**9) == 0
    assert beat(beats, drainer, opened, 1) == 1
    assert beat(beats, drainer, opened, 1) == 0  # a repeated beat changes nothing
    assert beat(beats, drainer, opened, 2, visitor_key="someone-elses-key-123") == 0
    with db.reader() as uow:
        visitor = uow.session.scalar(select(VisitorRow).where(VisitorRow.visitor_key == opened.visitor_key))
        assert (visitor.seconds, visitor.visits, visitor.qualified) == (1, 1, False)
    second = open_(marketing, link.token, opened.visitor_key)
    time.sleep(3.1)  # wall time since opening bounds what a beat may claim
    assert beat(beats, drainer, second, 3) == 1
    with db.reader() as uow:
        visitor = uow.session.scalar(select(VisitorRow).where(VisitorRow.visitor_key == opened.visitor_key))
        assert (visitor.seconds, visitor.visits, visitor.qualified) == (4, 2, True)
    assert marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner).read_seconds == 4


def test_d2_forged_altered_and_foreign_tokens_are_refused(marketing, tenant):
    article = published(marketing, tenant)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    altered = link.token[:-1] + ("A" if link.token[-1] != "A" else "B")
    for token in (altered, "x" * 22, "", "../" * 8):
        with pytest.raises(NotFound):
            open_(marketing, token)
    with pytest.raises(PermissionDenied):  # public operations only through the gateway
        marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), token=tenant.sales)
    with pytest.raises(InvalidInput):
        marketing.call(
            "ForwardShare", pb.ForwardShareRequest(token=link.token, visitor_key="never-seen-1234567"), as_service=True
        )
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=article.id, active=False), token=tenant.owner)
    with pytest.raises(NotFound) as gone:
        open_(marketing, link.token)
    assert gone.value.code == "ARTICLE_INACTIVE"
    with pytest.raises(Conflict):
        marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)


def test_d1_the_page_shows_what_no_level_hid_and_the_sharers_recommendations(marketing, tenant):
    extra = [published(marketing, tenant, title=f"推荐{i}") for i in range(3)]
    article = published(marketing, tenant, hidden_modules=["read_count"])
    marketing.call(
        "UpdateMarketingSettings",
        pb.MarketingSettings(
            hidden_modules=["products"],
            qualified_min_clicks=2,
            qualified_min_seconds=30,
            mall_url="https://mall.example.com/h5",
            recommended_scope="own",
        ),
        token=tenant.owner,
    )
    marketing.call(
        "UpdateMyPreferences",
        pb.Preferences(
            hidden_modules=["recommended_articles"],
            contact_position="floating",
            recommended_article_ids=[extra[0].id, extra[1].id],
        ),
        token=tenant.sales,
    )
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    page = open_(marketing, link.token)
    assert list(page.modules) == ["contact"]
    assert page.contact_position == "floating" and page.mall_url == "https://mall.example.com/h5"
    assert [r.title for r in page.recommended] == ["推荐0", "推荐1"]
    recommended = open_(marketing, page.recommended[0].token, page.visitor_key)
    assert recommended.article.title == "推荐0" and recommended.sharer_staff_id == tenant.sales_id

    with pytest.raises(InvalidInput) as err:
        marketing.call(
            "UpdateMyPreferences",
            pb.Preferences(contact_position="side", recommended_article_ids=[e.id for e in extra] + [article.id]),
            token=tenant.sales,
        )
    assert err.value.fields == {
        "contact_position": "validation.invalid_choice",
        "recommended_article_ids": "validation.too_many",
    }
    with pytest.raises(PermissionDenied):
        marketing.call("UpdateMarketingSettings", pb.MarketingSettings(recommended_scope="all"), token=tenant.sales)


def test_d14_recommended_products_link_to_the_mall_naming_the_sharer(marketing, tenant, catalogue):
    catalogue.known.update(
        {
            "p-cola": Product("p-cola", "可乐", "箱", 4800),
            "p-tea": Product("p-tea", "冰红茶", "箱", 3600),
        }
    )
    article = published(marketing, tenant, product_ids=["p-tea", "p-gone", "p-cola"])
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    no_mall = open_(marketing, link.token)
    assert [(p.name, p.price.fen, p.link) for p in no_mall.products] == [("冰红茶", 3600, ""), ("可乐", 4800, "")]

    marketing.call(
        "UpdateMarketingSettings",
        pb.MarketingSettings(mall_url="https://mall.example.com/h5?shop=1", recommended_scope="all"),
        token=tenant.owner,
    )
    tea = open_(marketing, link.token).products[0]
    assert (
        tea.link == f"https://mall.example.com/h5?shop=1&product_id=p-tea&sharer={tenant.sales_id}&share={link.token}"
    )

    marketing.call(
        "UpdateMarketingSettings",
        pb.MarketingSettings(hidden_modules=["products"], recommended_scope="all"),
        token=tenant.owner,
    )
    assert not open_(marketing, link.token).products  # hidden: not even asked of the catalogue
