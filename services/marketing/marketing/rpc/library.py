"""Article categories, articles, module settings and salespeople's preferences (D1)."""

from __future__ import annotations

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.auth import require_actor
from crmkit.paging import page_from_proto

from ..service import imports, library, settings
from .messages import (
    article_fields,
    article_pb,
    category_pb,
    preferences_pb,
    settings_pb,
)


class LibraryRpcs:
    # Categories

    def CreateCategory(self, request, context):
        return category_pb(library.create_category(self.db, require_actor(), request.name, request.sort))

    def RenameCategory(self, request, context):
        return category_pb(library.rename_category(self.db, require_actor(), request.id, request.name, request.sort))

    def DeleteCategory(self, request, context):
        library.delete_category(self.db, require_actor(), request.id)
        return pb.DeleteCategoryResponse()

    def ListCategories(self, request, context):
        return pb.ListCategoriesResponse(
            categories=[category_pb(c) for c in library.list_categories(self.db, require_actor())]
        )

    # Articles

    def CreateArticle(self, request, context):
        row = library.create_article(self.db, require_actor(), article_fields(request), now=self.clock())
        return article_pb(row)

    def ImportArticle(self, request, context):
        row = imports.import_article(
            self.db,
            require_actor(),
            url=request.url,
            html=request.html,
            category_id=request.category_id,
            fetcher=self.fetcher,
            now=self.clock(),
        )
        return article_pb(row)

    def UpdateArticle(self, request, context):
        row = library.update_article(
            self.db, require_actor(), request.id, article_fields(request.article), now=self.clock()
        )
        return article_pb(row)

    def SetArticleActive(self, request, context):
        return article_pb(
            library.set_article_active(self.db, require_actor(), request.id, request.active, now=self.clock())
        )

    def GetArticle(self, request, context):
        return article_pb(library.get_article(self.db, require_actor(), request.id))

    def ListArticles(self, request, context):
        page = page_from_proto(request.page)
        found = library.list_articles(
            self.db, require_actor(), page, category_id=request.category_id, q=request.q, state=request.state
        )
        return pb.ListArticlesResponse(
            articles=[article_pb(a, body=False) for a in found.articles], page=page.info(found.total)
        )

    # Settings and preferences

    def GetMarketingSettings(self, request, context):
        return settings_pb(settings.get_settings(self.db, require_actor()))

    def UpdateMarketingSettings(self, request, context):
        wanted = settings.Settings(
            tuple(request.hidden_modules),
            request.qualified_min_clicks,
            request.qualified_min_seconds,
            request.mall_url,
            request.recommended_scope,
            tuple(request.recommended_article_ids),
        )
        return settings_pb(settings.update_settings(self.db, require_actor(), wanted, now=self.clock()))

    def GetMyPreferences(self, request, context):
        return preferences_pb(settings.get_preferences(self.db, require_actor()))

    def UpdateMyPreferences(self, request, context):
        wanted = settings.Preferences(
            tuple(request.hidden_modules), request.contact_position, tuple(request.recommended_article_ids)
        )
        return preferences_pb(settings.update_preferences(self.db, require_actor(), wanted, now=self.clock()))
