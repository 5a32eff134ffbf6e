"""D1 on PostgreSQL through gRPC: the company library's categories and articles, who may write
them, what salespeople see, and tenants apart."""

from __future__ import annotations

import pytest
from marketing_testkit import ref, staff_token

from crm.common.v1 import common_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def article(**overrides) -> pb.ArticleInput:
    fields = {"title": "秋冬新品到店", "body_html": "<p>欢迎<b>选购</b><script>alert(1)</script></p>"}
    return pb.ArticleInput(**{**fields, **overrides})


def test_d1_an_admin_writes_an_article_cleaned_and_off_until_published(marketing, tenant):
    made = marketing.call("CreateArticle", article(product_ids=["p1", "p1", "p2"]), token=tenant.manager)
    assert "<script" not in made.body_html and "<b>选购</b>" in made.body_html
    assert list(made.product_ids) == ["p1", "p2"]
    assert not made.active and not made.HasField("published_at")

    on = marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    assert on.active and on.HasField("published_at")
    off = marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=False), token=tenant.owner)
    again = marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=tenant.owner)
    assert not off.active and again.published_at == on.published_at  # published once


def test_d1_salespeople_read_only_articles_that_are_on_and_write_nothing(marketing, tenant):
    with pytest.raises(PermissionDenied):
        marketing.call("CreateArticle", article(), token=tenant.sales)
    hidden = marketing.call("CreateArticle", article(title="草稿"), token=tenant.owner)
    shown = marketing.call("CreateArticle", article(title="上架"), token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=shown.id, active=True), token=tenant.owner)

    listed = marketing.call("ListArticles", pb.ListArticlesRequest(state="off"), token=tenant.sales)
    assert [a.title for a in listed.articles] == ["上架"] and not listed.articles[0].body_html
    with pytest.raises(NotFound):
        marketing.call("GetArticle", pb.GetArticleRequest(id=hidden.id), token=tenant.sales)
    admin_view = marketing.call("ListArticles", pb.ListArticlesRequest(), token=tenant.owner)
    assert {a.title for a in admin_view.articles} == {"草稿", "上架"}
    assert marketing.call("ListArticles", pb.ListArticlesRequest(state="off"), token=tenant.owner).page.total == 1


def test_d1_categories_count_their_articles_and_keep_them(marketing, tenant):
    news = marketing.call("CreateCategory", pb.CreateCategoryRequest(name="行业资讯", sort=1), token=tenant.owner)
    with pytest.raises(InvalidInput) as taken:
        marketing.call("CreateCategory", pb.CreateCategoryRequest(name=" 行业资讯 "), token=tenant.owner)
    assert taken.value.fields == {"name": "validation.taken"}
    marketing.call("CreateArticle", article(category_id=news.id), token=tenant.owner)
    listed = marketing.call("ListCategories", pb.ListCategoriesRequest(), token=tenant.sales)
    assert [(c.name, c.article_count) for c in listed.categories] == [("行业资讯", 1)]
    with pytest.raises(Conflict):
        marketing.call("DeleteCategory", pb.DeleteCategoryRequest(id=news.id), token=tenant.owner)
    found = marketing.call("ListArticles", pb.ListArticlesRequest(category_id=news.id, q="新品"), token=tenant.owner)
    assert found.page.total == 1


def test_d1_bad_input_names_the_field_and_writes_nothing(marketing, tenant):
    with pytest.raises(InvalidInput) as err:
        marketing.call("CreateArticle", article(title="", cover_url="ftp://x", category_id="nope"), token=tenant.owner)
    assert err.value.fields["title"] == "validation.required"
    assert err.value.fields["cover_url"] == "validation.invalid"
    with pytest.raises(InvalidInput) as missing:
        marketing.call("CreateArticle", article(category_id="no-such-category"), token=tenant.owner)
    assert missing.value.fields == {"category_id": "validation.not_found"}
    page = common_pb2.PageRequest(page=1, page_size=50)
    assert marketing.call("ListArticles", pb.ListArticlesRequest(page=page), token=tenant.owner).page.total == 0


def test_d1_another_tenants_articles_and_categories_are_not_found(marketing, tenant):
    stranger = staff_token(ref("t"), ref("o"), "owner")
    made = marketing.call("CreateArticle", article(), token=tenant.owner)
    cat = marketing.call("CreateCategory", pb.CreateCategoryRequest(name="公司动态"), token=tenant.owner)
    for method, req in [
        ("GetArticle", pb.GetArticleRequest(id=made.id)),
        ("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True)),
        ("UpdateArticle", pb.UpdateArticleRequest(id=made.id, article=article(title="改"))),
        ("RenameCategory", pb.RenameCategoryRequest(id=cat.id, name="改")),
        ("DeleteCategory", pb.DeleteCategoryRequest(id=cat.id)),
    ]:
        with pytest.raises(NotFound):
            marketing.call(method, req, token=stranger)
    assert marketing.call("ListArticles", pb.ListArticlesRequest(), token=stranger).page.total == 0
    assert marketing.call("GetArticle", pb.GetArticleRequest(id=made.id), token=tenant.owner).title == "秋冬新品到店"
