"""Use case views <-> MarketingService messages."""

from __future__ import annotations

from dataclasses import asdict

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.protos import money, timestamp

from ..domain.cards import CardContent
from ..errors import ErrorCode
from ..service import (
    datacentre,
    library,
    materials,
    poster_images,
    posters,
    settings,
    sharing,
    visitors,
)
from ..service.material_views import MaterialView


def category_pb(view: library.CategoryView) -> pb.Category:
    return pb.Category(id=view.id, name=view.name, sort=view.sort, article_count=view.article_count)


def article_pb(row: library.ArticleView, *, body: bool = True) -> pb.Article:
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


def article_fields(message: pb.ArticleInput) -> dict:
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


def share_pb(row: sharing.ShareView) -> pb.Share:
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


def settings_pb(value: settings.Settings) -> pb.MarketingSettings:
    return pb.MarketingSettings(
        hidden_modules=value.hidden_modules,
        qualified_min_clicks=value.qualified_min_clicks,
        qualified_min_seconds=value.qualified_min_seconds,
        mall_url=value.mall_url,
        recommended_scope=value.recommended_scope,
        recommended_article_ids=value.recommended_article_ids,
    )


def preferences_pb(value: settings.Preferences) -> pb.Preferences:
    return pb.Preferences(
        hidden_modules=value.hidden_modules,
        contact_position=value.contact_position,
        recommended_article_ids=value.recommended_article_ids,
    )


def visitor_pb(v: visitors.VisitorView) -> pb.Visitor:
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
        customer_id=v.customer_id,
        became_customer_at=timestamp(v.became_customer_at),
    )


def trail_pb(t: visitors.TrailEntry) -> pb.TrailEntry:
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


def figures_pb(f: datacentre.Figures) -> pb.MarketingFigures:
    return pb.MarketingFigures(**{name: getattr(f, name) for name in datacentre.FIGURES})


def card_pb(content: CardContent) -> pb.CardContent:
    return pb.CardContent(**{**asdict(content)})


def card_content(message: pb.CardContent) -> CardContent:
    fields = {f.name: getattr(message, f.name) for f in pb.CardContent.DESCRIPTOR.fields}
    fields["product_ids"], fields["article_ids"] = tuple(message.product_ids), tuple(message.article_ids)
    return CardContent(**fields)


def modules_pb(modules) -> list[pb.CardModule]:
    return [pb.CardModule(key=m.key, name=m.name, visible=m.visible) for m in modules]


def product_pb(p) -> pb.RecommendedProduct:
    return pb.RecommendedProduct(id=p.id, name=p.name, unit=p.unit, price=money(p.price_fen), link=p.link)


def recommended_pb(r) -> pb.RecommendedArticle:
    return pb.RecommendedArticle(token=r.token, title=r.title, summary=r.summary, cover_url=r.cover_url)


def material_pb(m: MaterialView) -> pb.Material:
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


def file_chunks(read: materials.FileRead):
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


def upload_request(requests) -> tuple[materials.MaterialFields, object]:
    """The fields of the first message and an iterator of the chunks after it."""
    first = next(requests, None)
    if first is None or first.WhichOneof("part") != "fields":
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"kind": "validation.required"})
    f = first.fields
    fields = materials.MaterialFields(f.title, f.kind, f.folder, f.text, f.file_name)
    return fields, (r.chunk for r in requests if r.WhichOneof("part") == "chunk")


def poster_pb(poster: posters.Poster) -> pb.Poster:
    return pb.Poster(png=poster.png, token=poster.token, url=poster.url)


def poster_image_pb(image: poster_images.PosterImage) -> pb.PosterImage:
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
