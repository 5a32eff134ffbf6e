"""MarketingService servicer: proto -> use case -> proto, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from crm.marketing.v1 import marketing_pb2 as pb
from crm.marketing.v1 import marketing_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database
from crmkit.errors import InvalidInput
from crmkit.filestore import FileStore
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of, money, timestamp

from .catalogue import Catalogue
from .domain.cards import CardContent, Module
from .errors import ErrorCode
from .importer import Fetcher
from .service import (
    cards,
    datacentre,
    imports,
    library,
    materials,
    poster_images,
    posters,
    settings,
    sharing,
    visitors,
    wechat,
)
from .service.material_views import MaterialView
from .sharers import Sharers
from .wechat.port import WechatLogin

FULL_NAME = "crm.marketing.v1.MarketingService"


def _category(view: library.CategoryView) -> pb.Category:
    return pb.Category(id=view.id, name=view.name, sort=view.sort, article_count=view.article_count)


def _article(row: library.ArticleView, *, body: bool = True) -> pb.Article:
    return pb.Article(
        id=row.id,
        title=row.title,
        summary=row.summary,
        cover_url=row.cover_url,
        category_id=row.category_id or "",
        body_html=row.body_html if body else "",
        product_ids=row.product_ids,
        hidden_modules=row.hidden_modules,
        source_url=row.source_url,
        active=row.active,
        author_staff_id=row.author_staff_id,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
        published_at=timestamp(row.published_at),
        share_count=row.share_count,
        view_count=row.view_count,
        reader_count=row.reader_count,
        read_seconds=row.read_seconds,
    )


def _article_fields(message: pb.ArticleInput) -> dict:
    return {
        "title": message.title,
        "summary": message.summary,
        "cover_url": message.cover_url,
        "category_id": message.category_id,
        "body_html": message.body_html,
        "product_ids": list(message.product_ids),
        "hidden_modules": list(message.hidden_modules),
        "source_url": message.source_url,
    }


def _share(row: sharing.ShareView) -> pb.Share:
    return pb.Share(
        id=row.id,
        token=row.token,
        kind=row.kind,
        item_id=row.item_id,
        sharer_staff_id=row.sharer_staff_id,
        method=row.method,
        parent_share_id=row.parent_share_id or "",
        depth=row.depth,
        created_at=timestamp(row.created_at),
    )


def _settings(value: settings.Settings) -> pb.MarketingSettings:
    return pb.MarketingSettings(
        hidden_modules=value.hidden_modules,
        qualified_min_clicks=value.qualified_min_clicks,
        qualified_min_seconds=value.qualified_min_seconds,
        mall_url=value.mall_url,
        recommended_scope=value.recommended_scope,
        recommended_article_ids=value.recommended_article_ids,
    )


def _preferences(value: settings.Preferences) -> pb.Preferences:
    return pb.Preferences(
        hidden_modules=value.hidden_modules,
        contact_position=value.contact_position,
        recommended_article_ids=value.recommended_article_ids,
    )


def _visitor(v: visitors.VisitorView) -> pb.Visitor:
    return pb.Visitor(
        id=v.id,
        nickname=v.nickname,
        avatar_url=v.avatar_url,
        phone=v.phone,
        staff_id=v.staff_id,
        source=v.source,
        visits=v.visits,
        seconds=v.seconds,
        qualified=v.qualified,
        first_seen_at=timestamp(v.first_seen_at),
        last_seen_at=timestamp(v.last_seen_at),
        clicks=v.clicks,
        wechat=v.wechat,
    )


def _trail(t: visitors.TrailEntry) -> pb.TrailEntry:
    return pb.TrailEntry(
        view_id=t.view_id,
        kind=t.kind,
        item_id=t.item_id,
        title=t.title,
        opened_at=timestamp(t.opened_at),
        seconds=t.seconds,
        method=t.method,
        depth=t.depth,
        forwarded_by_visitor_id=t.forwarded_by_visitor_id,
    )


def _figures(f: datacentre.Figures) -> pb.MarketingFigures:
    return pb.MarketingFigures(**{name: getattr(f, name) for name in datacentre.FIGURES})


def _card(content: CardContent) -> pb.CardContent:
    return pb.CardContent(**{**asdict(content)})


def _card_content(message: pb.CardContent) -> CardContent:
    fields = {f.name: getattr(message, f.name) for f in pb.CardContent.DESCRIPTOR.fields}
    fields["product_ids"], fields["article_ids"] = tuple(message.product_ids), tuple(message.article_ids)
    return CardContent(**fields)


def _modules(modules) -> list[pb.CardModule]:
    return [pb.CardModule(key=m.key, name=m.name, visible=m.visible) for m in modules]


def _product(p) -> pb.RecommendedProduct:
    return pb.RecommendedProduct(id=p.id, name=p.name, unit=p.unit, price=money(p.price_fen), link=p.link)


def _recommended(r) -> pb.RecommendedArticle:
    return pb.RecommendedArticle(token=r.token, title=r.title, summary=r.summary, cover_url=r.cover_url)


def _material(m: MaterialView) -> pb.Material:
    return pb.Material(
        id=m.id,
        title=m.title,
        kind=m.kind,
        folder=m.folder,
        text=m.text,
        file_name=m.file_name,
        content_type=m.content_type,
        size=m.size,
        active=m.active,
        created_by=m.created_by,
        created_at=timestamp(m.created_at),
        updated_at=timestamp(m.updated_at),
        view_count=m.view_count,
        download_count=m.download_count,
        share_count=m.share_count,
        read_seconds=m.read_seconds,
        reader_count=m.reader_count,
    )


def _file_chunks(read: materials.FileRead):
    """The file's facts in the first message (with its first bytes), the rest in order."""
    first = True
    for data in read.chunks:
        if first:
            yield pb.MaterialChunk(content_type=read.content_type, size=read.size, file_name=read.file_name, data=data)
            first = False
        else:
            yield pb.MaterialChunk(data=data)
    if first:
        yield pb.MaterialChunk(content_type=read.content_type, size=read.size, file_name=read.file_name)


def _upload(requests) -> tuple[materials.MaterialFields, object]:
    """The fields of the first message and an iterator of the chunks after it."""
    first = next(requests, None)
    if first is None or first.WhichOneof("part") != "fields":
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"kind": "validation.required"})
    f = first.fields
    fields = materials.MaterialFields(f.title, f.kind, f.folder, f.text, f.file_name)
    return fields, (r.chunk for r in requests if r.WhichOneof("part") == "chunk")


def _poster(poster: posters.Poster) -> pb.Poster:
    return pb.Poster(png=poster.png, token=poster.token, url=poster.url)


def _poster_image(image: poster_images.PosterImage) -> pb.PosterImage:
    return pb.PosterImage(
        id=image.id,
        purpose=image.purpose,
        theme=image.theme,
        name=image.name,
        qr_position=image.qr_position,
        staff_id=image.staff_id,
        content_type=image.content_type,
        size=image.size,
        width=image.width,
        height=image.height,
        created_at=timestamp(image.created_at),
    )


class MarketingServicer(marketing_pb2_grpc.MarketingServiceServicer):
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        sharers: Sharers,
        catalogue: Catalogue,
        fetcher: Fetcher,
        wechat_login: WechatLogin | None = None,
        store: FileStore | None = None,
    ):
        self.wechat = wechat_login
        self.store = store
        self.fetcher = fetcher
        self.db = db
        self.clock = clock
        self.sharers = sharers
        self.catalogue = catalogue

    # Categories

    def CreateCategory(self, request, context):
        return _category(library.create_category(self.db, require_actor(), request.name, request.sort))

    def RenameCategory(self, request, context):
        return _category(library.rename_category(self.db, require_actor(), request.id, request.name, request.sort))

    def DeleteCategory(self, request, context):
        library.delete_category(self.db, require_actor(), request.id)
        return pb.DeleteCategoryResponse()

    def ListCategories(self, request, context):
        return pb.ListCategoriesResponse(
            categories=[_category(c) for c in library.list_categories(self.db, require_actor())]
        )

    # Articles

    def CreateArticle(self, request, context):
        row = library.create_article(self.db, require_actor(), _article_fields(request), now=self.clock())
        return _article(row)

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
        return _article(row)

    def UpdateArticle(self, request, context):
        row = library.update_article(
            self.db, require_actor(), request.id, _article_fields(request.article), now=self.clock()
        )
        return _article(row)

    def SetArticleActive(self, request, context):
        return _article(
            library.set_article_active(self.db, require_actor(), request.id, request.active, now=self.clock())
        )

    def GetArticle(self, request, context):
        return _article(library.get_article(self.db, require_actor(), request.id))

    def ListArticles(self, request, context):
        page = page_from_proto(request.page)
        found = library.list_articles(
            self.db, require_actor(), page, category_id=request.category_id, q=request.q, state=request.state
        )
        return pb.ListArticlesResponse(
            articles=[_article(a, body=False) for a in found.articles], page=page.info(found.total)
        )

    # Settings and preferences

    def GetMarketingSettings(self, request, context):
        return _settings(settings.get_settings(self.db, require_actor()))

    def UpdateMarketingSettings(self, request, context):
        wanted = settings.Settings(
            tuple(request.hidden_modules),
            request.qualified_min_clicks,
            request.qualified_min_seconds,
            request.mall_url,
            request.recommended_scope,
            tuple(request.recommended_article_ids),
        )
        return _settings(settings.update_settings(self.db, require_actor(), wanted, now=self.clock()))

    def GetMyPreferences(self, request, context):
        return _preferences(settings.get_preferences(self.db, require_actor()))

    def UpdateMyPreferences(self, request, context):
        wanted = settings.Preferences(
            tuple(request.hidden_modules), request.contact_position, tuple(request.recommended_article_ids)
        )
        return _preferences(settings.update_preferences(self.db, require_actor(), wanted, now=self.clock()))

    # Sharing and reading

    def ShareArticle(self, request, context):
        return _share(
            sharing.share_article(self.db, require_actor(), request.article_id, request.method, now=self.clock())
        )

    def OpenShare(self, request, context):
        opened = sharing.open_share(
            self.db, require_actor(), request.token, request.visitor_key, catalogue=self.catalogue, now=self.clock()
        )
        return pb.OpenShareResponse(
            tenant_id=opened.tenant_id,
            view_id=opened.view_id,
            visitor_key=opened.visitor_key,
            kind=opened.kind,
            article=_article(opened.article) if opened.article else None,
            material=_material(opened.material) if opened.material else None,
            sharer_staff_id=opened.sharer_staff_id,
            modules=opened.modules,
            contact_position=opened.contact_position,
            recommended=[_recommended(r) for r in opened.recommended],
            mall_url=opened.mall_url,
            products=[_product(p) for p in opened.products],
            reader=self._reader(opened.reader),
        )

    def _reader(self, reader: sharing.Reader) -> pb.ReaderIdentity:
        return pb.ReaderIdentity(
            wechat_login=self.wechat.browsers if self.wechat else "",
            wechat=reader.wechat,
            nickname=reader.nickname,
            avatar_url=reader.avatar_url,
        )

    def ForwardShare(self, request, context):
        row = sharing.forward_share(
            self.db, require_actor(), request.token, request.visitor_key, request.method, now=self.clock()
        )
        return _share(row)

    def IdentifyVisitor(self, request, context):
        visitors.identify_visitor(
            self.db,
            require_actor(),
            request.view_id,
            request.visitor_key,
            request.phone,
            request.name,
            now=self.clock(),
        )
        return pb.IdentifyVisitorResponse()

    def StartWechatLogin(self, request, context):
        url = wechat.start_wechat_login(
            self.db, require_actor(), self.wechat, request.token, request.redirect_uri, request.state
        )
        return pb.StartWechatLoginResponse(url=url)

    def WechatLogin(self, request, context):
        done = wechat.wechat_login(
            self.db, require_actor(), self.wechat, request.token, request.visitor_key, request.code, now=self.clock()
        )
        return pb.WechatLoginResponse(nickname=done.nickname, avatar_url=done.avatar_url, lead=done.lead)

    # The visitor centre

    def ListVisitors(self, request, context):
        page = page_from_proto(request.page)
        found = visitors.list_visitors(
            self.db,
            require_actor(),
            page,
            qualified=request.qualified,
            source=request.source,
            since=datetime_of(request, "since"),
            until=datetime_of(request, "until"),
            sort=request.sort,
        )
        return pb.ListVisitorsResponse(visitors=[_visitor(v) for v in found.visitors], page=page.info(found.total))

    def GetVisitor(self, request, context):
        visitor, trail = visitors.get_visitor(self.db, require_actor(), request.id)
        return pb.VisitorDetail(visitor=_visitor(visitor), trail=[_trail(t) for t in trail])

    # Posters

    def _drawn(self, request) -> dict:
        """What every poster request passes to its use case."""
        options = {"theme": request.theme, "link_base": request.link_base, "caption": request.caption}
        return {**options, "sharers": self.sharers, "now": self.clock()}

    def ArticlePoster(self, request, context):
        return _poster(posters.article_poster(self.db, require_actor(), request.article_id, **self._drawn(request)))

    def CardPoster(self, request, context):
        return _poster(posters.card_poster(self.db, require_actor(), **self._drawn(request)))

    def ListMyPosters(self, request, context):
        found = posters.my_posters(self.db, require_actor())
        return pb.ListMyPostersResponse(
            posters=[
                pb.PosterStats(
                    token=p.token,
                    kind=p.kind,
                    item_id=p.item_id,
                    title=p.title,
                    created_at=timestamp(p.created_at),
                    views=p.views,
                    visitors=p.visitors,
                    poster_id=p.poster_id,
                )
                for p in found
            ],
            visitors=sum(p.visitors for p in found),
        )

    def ProductPoster(self, request, context):
        poster = posters.product_poster(
            self.db, require_actor(), request.product_id, catalogue=self.catalogue, **self._drawn(request)
        )
        return _poster(poster)

    def UploadPosterImage(self, request, context):
        image = poster_images.upload(
            self.db,
            require_actor(),
            self.store,
            request.file,
            purpose=request.purpose,
            theme=request.theme,
            name=request.name,
            qr_position=request.qr_position,
            now=self.clock(),
        )
        return _poster_image(image)

    def ListPosterImages(self, request, context):
        found = poster_images.list_images(self.db, require_actor(), purpose=request.purpose, theme=request.theme)
        return pb.ListPosterImagesResponse(images=[_poster_image(i) for i in found])

    def ReadPosterImage(self, request, context):
        data, content_type = poster_images.read(self.db, require_actor(), self.store, request.id)
        return pb.PosterImageFile(data=data, content_type=content_type)

    def DeletePosterImage(self, request, context):
        poster_images.delete(self.db, require_actor(), self.store, request.id)
        return pb.DeletePosterImageResponse()

    def MakePoster(self, request, context):
        poster = posters.make_poster(
            self.db,
            require_actor(),
            self.store,
            image_id=request.image_id,
            text=request.text,
            qr_position=request.qr_position,
            **self._drawn(request),
        )
        return _poster(poster)

    def DrawMyPoster(self, request, context):
        poster = posters.draw_my_poster(
            self.db,
            require_actor(),
            self.store,
            request.poster_id,
            link_base=request.link_base,
            caption=request.caption,
            sharers=self.sharers,
            now=self.clock(),
        )
        return _poster(poster)

    # Cards

    def GetCardTemplate(self, request, context):
        template = cards.get_template(self.db, require_actor())
        return pb.CardTemplate(modules=_modules(template.modules), content=_card(template.content))

    def UpdateCardTemplate(self, request, context):
        modules = [Module(m.key, m.name, m.visible) for m in request.modules]
        template = cards.update_template(
            self.db, require_actor(), modules, _card_content(request.content), now=self.clock()
        )
        return pb.CardTemplate(modules=_modules(template.modules), content=_card(template.content))

    def ApplyCardTemplate(self, request, context):
        return pb.ApplyCardTemplateResponse(cards=cards.apply_card_template(self.db, require_actor(), now=self.clock()))

    def GetMyCard(self, request, context):
        return _card(cards.get_my_card(self.db, require_actor(), sharers=self.sharers, now=self.clock()))

    def UpdateMyCard(self, request, context):
        return _card(cards.update_my_card(self.db, require_actor(), _card_content(request), now=self.clock()))

    def ShareCard(self, request, context):
        return _share(cards.share_card(self.db, require_actor(), request.method, now=self.clock()))

    def OpenCard(self, request, context):
        opened = cards.open_card(
            self.db, require_actor(), request.token, request.visitor_key, catalogue=self.catalogue, now=self.clock()
        )
        return pb.OpenCardResponse(
            tenant_id=opened.tenant_id,
            view_id=opened.view_id,
            visitor_key=opened.visitor_key,
            staff_id=opened.staff_id,
            card=_card(opened.content),
            modules=_modules(opened.modules),
            news=[_recommended(r) for r in opened.news],
            products=[_product(p) for p in opened.products],
            reader=self._reader(opened.reader),
        )

    # Materials (D6)

    def UploadMaterial(self, request_iterator, context):
        fields, chunks = _upload(request_iterator)
        return _material(
            materials.upload_material(self.db, require_actor(), self.store, fields, chunks, now=self.clock())
        )

    def UpdateMaterial(self, request, context):
        row = materials.update_material(
            self.db, require_actor(), request.id, request.title, request.folder, request.text, now=self.clock()
        )
        return _material(row)

    def SetMaterialActive(self, request, context):
        return _material(
            materials.set_material_active(self.db, require_actor(), request.id, request.active, now=self.clock())
        )

    def DeleteMaterial(self, request, context):
        materials.delete_material(self.db, require_actor(), request.id, self.store)
        return pb.DeleteMaterialResponse()

    def GetMaterial(self, request, context):
        return _material(materials.get_material(self.db, require_actor(), request.id))

    def ListMaterials(self, request, context):
        page = page_from_proto(request.page)
        found = materials.list_materials(
            self.db, require_actor(), page, q=request.q, kind=request.kind, folder=request.folder, state=request.state
        )
        return pb.ListMaterialsResponse(
            materials=[_material(m) for m in found.materials], page=page.info(found.total), folders=found.folders
        )

    def ReadMaterialFile(self, request, context):
        read = materials.read_material_file(
            self.db, require_actor(), self.store, request.id, request.offset, request.length, request.download
        )
        yield from _file_chunks(read)

    def ShareMaterial(self, request, context):
        return _share(
            materials.share_material(self.db, require_actor(), request.material_id, request.method, now=self.clock())
        )

    def ReadSharedMaterialFile(self, request, context):
        read = materials.read_shared_file(
            self.db, require_actor(), self.store, request.token, request.offset, request.length, request.download
        )
        yield from _file_chunks(read)

    def ListMaterialRecipients(self, request, context):
        found = materials.list_recipients(self.db, require_actor(), request.material_id)
        return pb.ListMaterialRecipientsResponse(
            recipients=[
                pb.MaterialRecipient(
                    visitor_id=r.visitor_id,
                    nickname=r.nickname,
                    phone=r.phone,
                    staff_id=r.staff_id,
                    views=r.views,
                    seconds=r.seconds,
                    last_view_at=timestamp(r.last_view_at),
                )
                for r in found
            ]
        )

    # The data centre

    def GetMarketingStats(self, request, context):
        stats = datacentre.marketing_stats(
            self.db,
            require_actor(),
            date_from=request.date_from,
            date_to=request.date_to,
            group_by=request.group_by,
            now=self.clock(),
        )
        return pb.MarketingStatsResponse(
            date_from=stats.date_from.isoformat(),
            date_to=stats.date_to.isoformat(),
            rows=[pb.MarketingStatsRow(key=r.key, title=r.title, figures=_figures(r.figures)) for r in stats.rows],
            total=_figures(stats.total),
        )


def registration(
    db: Database,
    clock: Callable[[], datetime],
    sharers: Sharers,
    catalogue: Catalogue,
    fetcher: Fetcher,
    wechat_login: WechatLogin | None = None,
    store: FileStore | None = None,
) -> ServiceRegistration:
    servicer = MarketingServicer(db, clock, sharers, catalogue, fetcher, wechat_login, store)
    return ServiceRegistration(marketing_pb2_grpc.add_MarketingServiceServicer_to_server, servicer, FULL_NAME)
