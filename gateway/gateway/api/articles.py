"""The article library (D1) for staff: categories, articles, the tenant's module settings, a
salesperson's preferences, and share links (D2). Readers' pages are gateway.reader."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import File, String
from apiflask.validators import Length, OneOf
from flask import Response, request

from crm.marketing.v1 import marketing_pb2 as pb
from gateway import i18n
from gateway.api.article_schemas import (
    ArticleActiveIn,
    ArticleCategoriesOut,
    ArticleCategoryIn,
    ArticleCategoryOut,
    ArticleIn,
    ArticleListOut,
    ArticleOut,
    ArticleQuery,
    MarketingSettingsIO,
    PreferencesIO,
    ShareIn,
    ShareOut,
    article_dict,
    article_input,
    preferences_dict,
    settings_dict,
)
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, page_out, page_request, public_url
from gateway.api.uploads import accepts_upload, read_upload
from gateway.auth import staff_only
from gateway.errors import ApiError
from gateway.idempotency import idempotent

bp = APIBlueprint("articles", __name__, tag="Articles", url_prefix="/api/v1")
# Fetching a pasted link may take the marketing service its whole 10 s.
IMPORT_TIMEOUT = 15.0
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def marketing(method: str, request_message):
    return call("marketing", method, request_message)


def reader_url(token: str) -> str:
    """Where a reader opens a share."""
    return public_url(f"s/{token}")


class ArticleImportLinkIn(Schema):
    url = String(required=True, validate=Length(min=8, max=1000))
    category_id = String(load_default="", validate=Length(max=64))


class ArticleImportFileIn(Schema):
    file = File(required=True, metadata={"description": "A saved article page (.html), at most 2 MB"})


class ArticleImportQuery(Schema):
    category_id = String(load_default="", validate=Length(max=64))


class PosterIn(Schema):
    theme = String(
        load_default="business",
        validate=OneOf(("business", "festival", "fresh", "minimal"), error="validation.invalid_choice"),
    )


def category_dict(c) -> dict:
    return {"id": c.id, "name": c.name, "sort": c.sort, "article_count": c.article_count}


@bp.get("/article-categories")
@bp.doc(operation_id="listArticleCategories", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(ArticleCategoriesOut)
def list_categories():
    """The library's categories with their article counts"""
    reply = marketing("ListCategories", pb.ListCategoriesRequest())
    return {"categories": [category_dict(c) for c in reply.categories]}


@bp.post("/article-categories")
@bp.doc(operation_id="createArticleCategory", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ArticleCategoryIn, arg_name="body")
@bp.output(ArticleCategoryOut, status_code=201)
def create_category(body):
    """Add a category (owner, store manager)"""
    return category_dict(marketing("CreateCategory", pb.CreateCategoryRequest(**body)))


@bp.put("/article-categories/<string:category_id>")
@bp.doc(operation_id="renameArticleCategory", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ArticleCategoryIn, arg_name="body")
@bp.output(ArticleCategoryOut)
def rename_category(category_id, body):
    """Rename a category or change its place (owner, store manager)"""
    return category_dict(marketing("RenameCategory", pb.RenameCategoryRequest(id=category_id, **body)))


@bp.delete("/article-categories/<string:category_id>")
@bp.doc(operation_id="deleteArticleCategory", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output({}, status_code=204)
def delete_category(category_id):
    """Delete an empty category (409 while articles are in it)"""
    marketing("DeleteCategory", pb.DeleteCategoryRequest(id=category_id))
    return ""


@bp.get("/articles")
@bp.doc(operation_id="listArticles", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ArticleQuery, location="query", arg_name="query")
@bp.output(ArticleListOut)
def list_articles(query):
    """The library, newest first (salespeople: the articles that are on), without bodies"""
    reply = marketing(
        "ListArticles",
        pb.ListArticlesRequest(
            page=page_request(query), category_id=query["category_id"], q=query["q"], state=query["state"]
        ),
    )
    return {"articles": [article_dict(a) for a in reply.articles], "page": page_out(reply.page)}


@bp.post("/articles")
@bp.doc(operation_id="createArticle", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ArticleIn, arg_name="body")
@bp.output(ArticleOut, status_code=201)
def create_article(body):
    """Write an article (owner, store manager); it is off until switched on"""
    return article_dict(marketing("CreateArticle", article_input(body)))


@bp.post("/articles/import-link")
@bp.doc(operation_id="importArticleLink", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ArticleImportLinkIn, arg_name="body")
@bp.output(ArticleOut, status_code=201)
def import_article_link(body):
    """Import an article from a pasted link (owner, store manager): title, summary, cover and body
    found and cleaned; off until switched on. Links inside the network are refused."""
    request_message = pb.ImportArticleRequest(url=body["url"], category_id=body["category_id"])
    return article_dict(call("marketing", "ImportArticle", request_message, timeout=IMPORT_TIMEOUT))


@bp.post("/articles/import-file")
@bp.doc(operation_id="importArticleFile", security=SECURED, responses=[*WRITE_ERRORS, 413])
@staff_only
@accepts_upload
@bp.input(ArticleImportQuery, location="query", arg_name="query")
@bp.input(ArticleImportFileIn, location="files", arg_name="files")
@bp.output(ArticleOut, status_code=201)
def import_article_file(query, files):
    """Import an article from a saved page (multipart field `file`, .html, at most 2 MB)"""
    data = read_upload(files["file"])
    if len(data) > IMPORT_MAX_BYTES:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={"file": "validation.page_too_large"})
    html = data.decode("utf-8", errors="replace")
    request_message = pb.ImportArticleRequest(html=html, category_id=query["category_id"])
    return article_dict(call("marketing", "ImportArticle", request_message, timeout=IMPORT_TIMEOUT))


@bp.get("/articles/<string:article_id>")
@bp.doc(operation_id="getArticle", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(ArticleOut)
def get_article(article_id):
    """One article with its body and counts"""
    return article_dict(marketing("GetArticle", pb.GetArticleRequest(id=article_id)))


@bp.put("/articles/<string:article_id>")
@bp.doc(operation_id="updateArticle", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ArticleIn, arg_name="body")
@bp.output(ArticleOut)
def update_article(article_id, body):
    """Replace an article's fields (owner, store manager)"""
    return article_dict(marketing("UpdateArticle", pb.UpdateArticleRequest(id=article_id, article=article_input(body))))


@bp.put("/articles/<string:article_id>/active")
@bp.doc(operation_id="setArticleActive", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ArticleActiveIn, arg_name="body")
@bp.output(ArticleOut)
def set_article_active(article_id, body):
    """Switch an article on (published) or off (owner, store manager)"""
    return article_dict(marketing("SetArticleActive", pb.SetArticleActiveRequest(id=article_id, active=body["active"])))


@bp.post("/articles/<string:article_id>/shares")
@bp.doc(operation_id="shareArticle", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ShareIn, arg_name="body")
@bp.output(ShareOut, status_code=201)
def share_article(article_id, body):
    """My share link for an article (D2): readers who open it, and whoever they forward it to, are mine"""
    share = marketing("ShareArticle", pb.ShareArticleRequest(article_id=article_id, method=body["method"]))
    return {"token": share.token, "url": reader_url(share.token), "method": share.method, "depth": share.depth}


@bp.get("/marketing-settings")
@bp.doc(operation_id="getMarketingSettings", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(MarketingSettingsIO)
def get_settings():
    """The tenant's marketing settings"""
    return settings_dict(marketing("GetMarketingSettings", pb.GetMarketingSettingsRequest()))


@bp.put("/marketing-settings")
@bp.doc(operation_id="updateMarketingSettings", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(MarketingSettingsIO, arg_name="body")
@bp.output(MarketingSettingsIO)
def update_settings(body):
    """Change the marketing settings (owner, store manager)

    Modules hidden for all readers, the qualified-visitor thresholds, the mall link and the
    recommended articles.
    """
    return settings_dict(marketing("UpdateMarketingSettings", pb.MarketingSettings(**body)))


@bp.get("/marketing-preferences")
@bp.doc(operation_id="getMarketingPreferences", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(PreferencesIO)
def get_preferences():
    """My sharing preferences"""
    return preferences_dict(marketing("GetMyPreferences", pb.GetMyPreferencesRequest()))


@bp.put("/marketing-preferences")
@bp.doc(operation_id="updateMarketingPreferences", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PreferencesIO, arg_name="body")
@bp.output(PreferencesIO)
def update_preferences(body):
    """Modules I hide on top of the admin's, where my contact block sits, my recommended articles"""
    return preferences_dict(marketing("UpdateMyPreferences", pb.Preferences(**body)))


@bp.post("/articles/<string:article_id>/posters")
@bp.doc(operation_id="makeArticlePoster", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PosterIn, arg_name="query")
@bp.output({}, content_type="image/png", description="The poster: the article, my name and phone, my link's QR")
def make_article_poster(article_id, query):
    """My poster of an article (D4 D12), counted as a share: readers who scan it come by poster"""
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    poster = marketing(
        "ArticlePoster",
        pb.ArticlePosterRequest(
            article_id=article_id,
            theme=query["theme"],
            link_base=reader_url(""),
            caption=i18n.render("poster.caption", language=language, fallback="poster.caption"),
        ),
    )
    return Response(poster.png, mimetype="image/png", headers={"Cache-Control": "no-store"})
