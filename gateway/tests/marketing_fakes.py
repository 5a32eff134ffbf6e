"""A fake of crm.marketing.v1.MarketingService on its own address: records every call and answers
with fixed, recognisable values (or the error a test sets in `rec.fail`)."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.common.v1 import common_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crm.marketing.v1 import marketing_pb2_grpc
from crmkit.grpc_server import ServiceRegistration

TOKEN = "AbCdEfGhIjKlMnOpQrStUv"
CHILD = "ChIlDtOkEnOfThErEaDeR0"


def article_pb(**kw) -> pb.Article:
    fields = {
        "id": "a-1",
        "title": "秋冬新品到店",
        "summary": "欢迎选购",
        "cover_url": "https://img.example.com/c.jpg",
        "body_html": "<p>正文<b>加粗</b></p>",
        "active": True,
        "created_at": CREATED,
        "updated_at": CREATED,
        "published_at": CREATED,
        "reader_count": 7,
    }
    return pb.Article(**{**fields, **kw})


def poster_image_pb(**kw) -> pb.PosterImage:
    fields = {"id": "pi-1", "purpose": "template", "theme": "festival", "name": "中秋团圆", "qr_position": "top_left"}
    return pb.PosterImage(**{**fields, "content_type": "image/png", "width": 750, "height": 1334, **kw})


def visitor_pb(**kw) -> pb.Visitor:
    fields = {"id": "vis-1", "phone": "", "staff_id": "s-1", "source": "forward", "visits": 2, "seconds": 95}
    return pb.Visitor(**{**fields, "first_seen_at": CREATED, "last_seen_at": CREATED, **kw})


class FakeMarketingVisitors:
    def IdentifyVisitor(self, request, context):
        self.rec.record("IdentifyVisitor", request, context, staff=False)
        return pb.IdentifyVisitorResponse()

    def ListVisitors(self, request, context):
        self.rec.record("ListVisitors", request, context)
        return pb.ListVisitorsResponse(visitors=[visitor_pb()])

    def GetVisitor(self, request, context):
        self.rec.record("GetVisitor", request, context)
        entry = pb.TrailEntry(view_id="v-2", kind="article", title="秋冬新品到店", opened_at=CREATED, depth=1)
        return pb.VisitorDetail(visitor=visitor_pb(id=request.id), trail=[entry])


class FakeMarketing(FakeMarketingVisitors, marketing_pb2_grpc.MarketingServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        self.modules = ["contact", "recommended_articles", "products", "read_count"]

    def CreateArticle(self, request, context):
        self.rec.record("CreateArticle", request, context)
        return article_pb(title=request.title, body_html=request.body_html, active=False, published_at=None)

    def ImportArticle(self, request, context):
        self.rec.record("ImportArticle", request, context)
        return article_pb(title="导入的文章", source_url=request.url, active=False, published_at=None)

    def ListArticles(self, request, context):
        self.rec.record("ListArticles", request, context)
        return pb.ListArticlesResponse(articles=[article_pb(body_html="", share_count=3)])

    def ShareArticle(self, request, context):
        self.rec.record("ShareArticle", request, context)
        return pb.Share(id="sh-1", token=TOKEN, method=request.method or "link", item_id=request.article_id)

    def OpenShare(self, request, context):
        self.rec.record("OpenShare", request, context, staff=False)
        return pb.OpenShareResponse(
            tenant_id="t-1",
            view_id="v-1",
            visitor_key=request.visitor_key or "a-new-visitor-key-0001",
            article=article_pb(),
            sharer_staff_id="s-1",
            modules=self.modules,
            contact_position="bottom",
            recommended=[pb.RecommendedArticle(token="ReCoMmEnDeDtOkEn000001", title="推荐一篇")],
            products=[
                pb.RecommendedProduct(
                    id="p-1",
                    name="冰红茶",
                    unit="箱",
                    price=common_pb2.Money(fen=3600),
                    link="https://mall.example.com/?product_id=p-1&sharer=s-1",
                )
            ],
        )

    def ForwardShare(self, request, context):
        self.rec.record("ForwardShare", request, context, staff=False)
        return pb.Share(id="sh-2", token=CHILD, method="forward", depth=1)

    def ArticlePoster(self, request, context):
        self.rec.record("ArticlePoster", request, context)
        return pb.Poster(png=b"\x89PNG-fake", token=TOKEN, url=request.link_base + TOKEN)

    def UploadPosterImage(self, request, context):
        self.rec.record("UploadPosterImage", request, context)
        return poster_image_pb(purpose=request.purpose, theme=request.theme, name=request.name, size=len(request.file))

    def ListPosterImages(self, request, context):
        self.rec.record("ListPosterImages", request, context)
        return pb.ListPosterImagesResponse(images=[poster_image_pb()])

    def ReadPosterImage(self, request, context):
        self.rec.record("ReadPosterImage", request, context)
        return pb.PosterImageFile(data=b"\x89PNG-template", content_type="image/png")

    def DeletePosterImage(self, request, context):
        self.rec.record("DeletePosterImage", request, context)
        return pb.DeletePosterImageResponse()

    def MakePoster(self, request, context):
        self.rec.record("MakePoster", request, context)
        return pb.Poster(png=b"\x89PNG-made", token=TOKEN, url=request.link_base + TOKEN)

    def DrawMyPoster(self, request, context):
        self.rec.record("DrawMyPoster", request, context)
        return pb.Poster(png=b"\x89PNG-again", token=TOKEN, url=request.link_base + TOKEN)

    def ListMyPosters(self, request, context):
        self.rec.record("ListMyPosters", request, context)
        made = pb.PosterStats(token=TOKEN, kind="card", item_id="s-1", title="中秋团圆", views=3, visitors=2)
        made.poster_id = "po-1"
        made.created_at.CopyFrom(CREATED)
        return pb.ListMyPostersResponse(posters=[made], visitors=2)

    def GetMyCard(self, request, context):
        self.rec.record("GetMyCard", request, context)
        return pb.CardContent(display_name="张业务", phone="13800000002", company_name="一号商贸")

    def ShareCard(self, request, context):
        self.rec.record("ShareCard", request, context)
        return pb.Share(id="sh-c", token=TOKEN, kind="card", method=request.method or "link")

    def OpenCard(self, request, context):
        self.rec.record("OpenCard", request, context, staff=False)
        return pb.OpenCardResponse(
            tenant_id="t-1",
            view_id="v-c",
            visitor_key=request.visitor_key or "a-new-visitor-key-0002",
            staff_id="s-1",
            card=pb.CardContent(display_name="张业务", job_title="客户经理", phone="13800000002", intro="专注饮料批发"),
            modules=[
                pb.CardModule(key="intro", name="关于我", visible=True),
                pb.CardModule(key="company", name="我的企业", visible=False),
            ],
        )

    def RecordReading(self, request, context):
        self.rec.record("RecordReading", request, context, staff=False)
        return pb.RecordReadingResponse(accepted=request.seconds >= 0, seconds=max(request.seconds, 0))


def registration(fake: FakeMarketing) -> ServiceRegistration:
    return ServiceRegistration(
        marketing_pb2_grpc.add_MarketingServiceServicer_to_server, fake, "crm.marketing.v1.MarketingService"
    )
