"""D3 on PostgreSQL through gRPC: the tenant's card template (module names and visibility for all,
a new card's defaults), a salesperson's card made from it with their name and phone, edited, the
template copied onto existing cards, the card shared and opened by a reader like an article."""

from __future__ import annotations

import pytest

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from marketing.catalogue import Product

MODULES = [
    pb.CardModule(key="company", name="关于我们", visible=True),
    pb.CardModule(key="intro", name="个人简介", visible=True),
    pb.CardModule(key="products", name="主推商品", visible=True),
    pb.CardModule(key="news", name="我的资讯", visible=False),
]


def template(marketing, tenant, **content):
    defaults = {"job_title": "客户经理", "company_name": "一号商贸", "company_intro": "二十年批发老店"}
    request = pb.CardTemplate(modules=MODULES, content=pb.CardContent(**{**defaults, **content}))
    return marketing.call("UpdateCardTemplate", request, token=tenant.owner)


def test_d3_a_card_is_made_from_the_template_with_the_salespersons_name(marketing, tenant, sharers):
    with pytest.raises(PermissionDenied):
        marketing.call("UpdateCardTemplate", pb.CardTemplate(modules=MODULES), token=tenant.sales)
    template(marketing, tenant)
    card = marketing.call("GetMyCard", pb.GetMyCardRequest(), token=tenant.sales)
    assert (card.display_name, card.phone) == ("张业务", "13800000002")  # from identity
    assert (card.job_title, card.company_name) == ("客户经理", "一号商贸")
    card.intro, card.job_title = "专注饮料批发", "区域经理"
    edited = marketing.call("UpdateMyCard", card, token=tenant.sales)
    assert edited.intro == "专注饮料批发"
    assert marketing.call("GetMyCard", pb.GetMyCardRequest(), token=tenant.sales).job_title == "区域经理"

    template(marketing, tenant, company_name="一号商贸集团", job_title="销售顾问")
    assert marketing.call("ApplyCardTemplate", pb.ApplyCardTemplateRequest(), token=tenant.owner).cards == 1
    after = marketing.call("GetMyCard", pb.GetMyCardRequest(), token=tenant.sales)
    assert (after.company_name, after.job_title, after.display_name) == ("一号商贸集团", "销售顾问", "张业务")
    assert after.intro == "专注饮料批发"  # their own words are kept


def test_d3_a_shared_card_is_opened_like_an_article(marketing, tenant, catalogue):
    template(marketing, tenant)
    catalogue.known["p-water"] = Product("p-water", "矿泉水", "箱", 2400)
    news = marketing.call("CreateArticle", pb.ArticleInput(title="新店开业", body_html="<p>x</p>"), token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=news.id, active=True), token=tenant.owner)
    with pytest.raises(NotFound):  # no card yet
        marketing.call("ShareCard", pb.ShareCardRequest(), token=tenant.sales)
    card = marketing.call("GetMyCard", pb.GetMyCardRequest(), token=tenant.sales)
    card.product_ids.append("p-water")
    card.article_ids.append(news.id)
    marketing.call("UpdateMyCard", card, token=tenant.sales)
    link = marketing.call("ShareCard", pb.ShareCardRequest(), token=tenant.sales)
    assert link.kind == "card" and link.item_id == tenant.sales_id

    opened = marketing.call("OpenCard", pb.OpenShareRequest(token=link.token), as_service=True)
    assert opened.card.display_name == "张业务" and opened.staff_id == tenant.sales_id
    assert [(m.key, m.name, m.visible) for m in opened.modules][0] == ("company", "关于我们", True)
    assert [p.name for p in opened.products] == ["矿泉水"]
    assert list(opened.news) == []  # the news module is hidden by the template
    forward = marketing.call(
        "ForwardShare", pb.ForwardShareRequest(token=link.token, visitor_key=opened.visitor_key), as_service=True
    )
    friend = marketing.call("OpenCard", pb.OpenShareRequest(token=forward.token), as_service=True)
    visitors = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.sales)
    assert visitors.page.total == 2
    trail = marketing.call("GetVisitor", pb.GetVisitorRequest(id=visitors.visitors[0].id), token=tenant.sales).trail
    assert trail[0].kind == "card" and friend.view_id in {t.view_id for t in trail} | {opened.view_id}
    with pytest.raises(NotFound):  # an article's link is not a card
        article_link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=news.id), token=tenant.sales)
        marketing.call("OpenCard", pb.OpenShareRequest(token=article_link.token), as_service=True)


def test_d3_bad_templates_and_cards_name_the_field(marketing, tenant):
    with pytest.raises(InvalidInput) as bad:
        marketing.call(
            "UpdateCardTemplate",
            pb.CardTemplate(modules=[pb.CardModule(key="intro", name="简介简介简介简介简介简介")]),
            token=tenant.owner,
        )
    assert bad.value.fields == {"modules": "validation.invalid_choice", "modules.intro.name": "validation.too_long"}
    with pytest.raises(InvalidInput) as card:
        marketing.call(
            "UpdateMyCard",
            pb.CardContent(display_name="名" * 51, avatar_url="ftp://x", article_ids=["no-such-article"]),
            token=tenant.sales,
        )
    assert card.value.fields == {"display_name": "validation.too_long", "avatar_url": "validation.invalid"}
