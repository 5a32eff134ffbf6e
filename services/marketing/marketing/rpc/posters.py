"""Posters (D4, D12, B11) and business cards (D3)."""

from __future__ import annotations

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.auth import require_actor
from crmkit.protos import timestamp

from ..domain.cards import Module
from ..service import cards, poster_images, posters
from .messages import (
    card_content,
    card_pb,
    modules_pb,
    poster_image_pb,
    poster_pb,
    product_pb,
    recommended_pb,
    share_pb,
)


class PosterRpcs:
    # Posters

    def _drawn(self, request) -> dict:
        """What every poster request passes to its use case."""
        options = {"theme": request.theme, "link_base": request.link_base, "caption": request.caption}
        return {**options, "sharers": self.sharers, "now": self.clock()}

    def ArticlePoster(self, request, context):
        return poster_pb(posters.article_poster(self.db, require_actor(), request.article_id, **self._drawn(request)))

    def CardPoster(self, request, context):
        return poster_pb(posters.card_poster(self.db, require_actor(), **self._drawn(request)))

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
        return poster_pb(poster)

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
        return poster_image_pb(image)

    def ListPosterImages(self, request, context):
        found = poster_images.list_images(self.db, require_actor(), purpose=request.purpose, theme=request.theme)
        return pb.ListPosterImagesResponse(images=[poster_image_pb(i) for i in found])

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
        return poster_pb(poster)

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
        return poster_pb(poster)

    # Cards

    def GetCardTemplate(self, request, context):
        template = cards.get_template(self.db, require_actor())
        return pb.CardTemplate(modules=modules_pb(template.modules), content=card_pb(template.content))

    def UpdateCardTemplate(self, request, context):
        modules = [Module(m.key, m.name, m.visible) for m in request.modules]
        template = cards.update_template(
            self.db, require_actor(), modules, card_content(request.content), now=self.clock()
        )
        return pb.CardTemplate(modules=modules_pb(template.modules), content=card_pb(template.content))

    def ApplyCardTemplate(self, request, context):
        return pb.ApplyCardTemplateResponse(cards=cards.apply_card_template(self.db, require_actor(), now=self.clock()))

    def GetMyCard(self, request, context):
        return card_pb(cards.get_my_card(self.db, require_actor(), sharers=self.sharers, now=self.clock()))

    def UpdateMyCard(self, request, context):
        return card_pb(cards.update_my_card(self.db, require_actor(), card_content(request), now=self.clock()))

    def ShareCard(self, request, context):
        return share_pb(cards.share_card(self.db, require_actor(), request.method, now=self.clock()))

    def OpenCard(self, request, context):
        opened = cards.open_card(
            self.db, require_actor(), request.token, request.visitor_key, catalogue=self.catalogue, now=self.clock()
        )
        return pb.OpenCardResponse(
            tenant_id=opened.tenant_id,
            view_id=opened.view_id,
            visitor_key=opened.visitor_key,
            staff_id=opened.staff_id,
            card=card_pb(opened.content),
            modules=modules_pb(opened.modules),
            news=[recommended_pb(r) for r in opened.news],
            products=[product_pb(p) for p in opened.products],
            reader=self._reader(opened.reader),
            own_token=opened.own_token,
        )
