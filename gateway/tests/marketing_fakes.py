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
WECHAT_PAGE = "https://open.weixin.qq.com/connect/oauth2/authorize"


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

    def StartWechatLogin(self, request, context):
        self.rec.record("StartWechatLogin", request, context, staff=False)
        return pb.StartWechatLoginResponse(url=f"{WECHAT_PAGE}?appid=wx1&state={request.state}#wechat_redirect")

    def WechatLogin(self, request, context):
        self.rec.record("WechatLogin", request, context, staff=False)
        return pb.WechatLoginResponse(nickname="王姐", avatar_url="https://thirdwx.qlogo.cn/a.png", lead=True)

    def ListVisitors(self, request, context):
        self.rec.record("ListVisitors", request, context)
        became = visitor_pb(id="vis-2", phone="13900001111", customer_id="c-1", became_customer_at=CREATED)
        return pb.ListVisitorsResponse(visitors=[visitor_pb(), became])

    def GetMarketingStats(self, request, context):
        self.rec.record("GetMarketingStats", request, context)
        figures = pb.MarketingFigures(views=4, leads=2, customers=1)
        row = pb.MarketingStatsRow(key="2026-12-01", title="2026-12-01", figures=figures)
        return pb.MarketingStatsResponse(date_from="2026-12-01", date_to="2026-12-01", rows=[row], total=figures)

    def GetVisitor(self, request, context):
        self.rec.record("GetVisitor", request, context)
        entry = pb.TrailEntry(view_id="v-2", kind="article", title="秋冬新品到店", opened_at=CREATED, depth=1)
        return pb.VisitorDetail(visitor=visitor_pb(id=request.id), trail=[entry])


MATERIAL_TOKEN = "MaTeRiAlToKeNoFsHaRe01"
FILE_BYTES = b"%PDF-1.7 fake document " + bytes(range(256)) * 8


def material_pb(**kw) -> pb.Material:
    fields = {
        "id": "m-1",
        "title": "产品手册",
        "kind": "document",
        "folder": "资料",
        "file_name": "产品手册.pdf",
        "content_type": "application/pdf",
        "size": len(FILE_BYTES),
        "active": True,
        "created_by": "s-1",
        "created_at": CREATED,
        "updated_at": CREATED,
        "view_count": 3,
    }
    return pb.Material(**{**fields, **kw})


def file_chunks(request, file_name="产品手册.pdf"):
    end = len(FILE_BYTES) if request.length == 0 else min(len(FILE_BYTES), request.offset + request.length)
    data = FILE_BYTES[request.offset : end]
    yield pb.MaterialChunk(content_type="application/pdf", size=len(FILE_BYTES), file_name=file_name, data=data[:100])
    for start in range(100, len(data), 100):
        yield pb.MaterialChunk(data=data[start : start + 100])


class FakeMarketingMaterials:
    """D6: uploads are read whole (fields first, then chunks); `uploaded` keeps what arrived."""

    uploaded: list[tuple[pb.MaterialInput, bytes]]
    shared_material: pb.Material

    def reset_materials(self) -> None:
        self.uploaded = []
        # The material a material link (MATERIAL_TOKEN) opens on the reader's page.
        self.shared_material = material_pb()

    def UploadMaterial(self, request_iterator, context):
        parts = list(request_iterator)
        fields, data = parts[0].fields, b"".join(p.chunk for p in parts[1:])
        self.uploaded.append((fields, data))
        self.rec.record("UploadMaterial", fields, context)
        script = {"content_type": "", "size": 0} if fields.kind == "script" else {}
        return material_pb(
            title=fields.title,
            kind=fields.kind,
            folder=fields.folder,
            text=fields.text,
            file_name=fields.file_name,
            **script,
        )

    def ListMaterials(self, request, context):
        self.rec.record("ListMaterials", request, context)
        return pb.ListMaterialsResponse(materials=[material_pb()], folders=["资料"])

    def GetMaterial(self, request, context):
        self.rec.record("GetMaterial", request, context)
        return material_pb(id=request.id)

    def ReadMaterialFile(self, request, context):
        self.rec.record("ReadMaterialFile", request, context)
        yield from file_chunks(request)

    def ShareMaterial(self, request, context):
        self.rec.record("ShareMaterial", request, context)
        return pb.Share(id="sh-m", token=MATERIAL_TOKEN, kind="material", method=request.method or "link")

    def ReadSharedMaterialFile(self, request, context):
        self.rec.record("ReadSharedMaterialFile", request, context, staff=False)
        yield from file_chunks(request)

    def ListMaterialRecipients(self, request, context):
        self.rec.record("ListMaterialRecipients", request, context)
        return pb.ListMaterialRecipientsResponse(
            recipients=[pb.MaterialRecipient(visitor_id="vis-1", views=2, seconds=95, last_view_at=CREATED)]
        )

    def open_material(self, request, material: pb.Material) -> pb.OpenShareResponse:
        return pb.OpenShareResponse(
            tenant_id="t-1",
            view_id="v-m",
            visitor_key=request.visitor_key or "a-new-visitor-key-0003",
            sharer_staff_id="s-1",
            kind="material",
            material=material,
        )


class FakeMarketing(FakeMarketingVisitors, FakeMarketingMaterials, marketing_pb2_grpc.MarketingServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        self.reset_materials()
        self.modules = ["contact", "recommended_articles", "products", "read_count"]
        # Who the reader is (WeChat login offered, or done); tests set and restore it.
        self.reader = pb.ReaderIdentity()

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
        if request.token == MATERIAL_TOKEN:
            return self.open_material(request, self.shared_material)
        return pb.OpenShareResponse(
            tenant_id="t-1",
            view_id="v-1",
            own_token=CHILD,
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
            reader=self.reader,
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
            own_token=CHILD,
            visitor_key=request.visitor_key or "a-new-visitor-key-0002",
            staff_id="s-1",
            card=pb.CardContent(display_name="张业务", job_title="客户经理", phone="13800000002", intro="专注饮料批发"),
            modules=[
                pb.CardModule(key="intro", name="关于我", visible=True),
                pb.CardModule(key="company", name="我的企业", visible=False),
            ],
            reader=self.reader,
        )


def registration(fake: FakeMarketing) -> ServiceRegistration:
    return ServiceRegistration(
        marketing_pb2_grpc.add_MarketingServiceServicer_to_server, fake, "crm.marketing.v1.MarketingService"
    )
