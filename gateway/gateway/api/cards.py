"""Smart business cards (D3) for staff: the tenant's template, my card, my card's link. The
reader's page of a card is gateway.reader (`/c/<token>`)."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask import Response, request

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.protos import datetime_of
from gateway import i18n
from gateway.api.article_schemas import ShareIn, ShareOut
from gateway.api.articles import PosterIn, reader_url
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, public_url
from gateway.api.fields import ident, text
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("cards", __name__, tag="Cards", url_prefix="/api/v1")
MODULE_KEYS = ("intro", "products", "news", "company")
CONTENT_FIELDS = (
    "display_name",
    "job_title",
    "phone",
    "wechat",
    "email",
    "avatar_url",
    "intro",
    "company_name",
    "company_intro",
    "company_address",
)


class CardModuleIO(Schema):
    key = String(required=True, validate=OneOf(MODULE_KEYS, error="validation.invalid_choice"))
    name = text(10, required=True)
    visible = Boolean(load_default=True)


class CardContentIO(Schema):
    display_name = text(50, load_default="")
    job_title = text(50, load_default="")
    phone = text(50, load_default="")
    wechat = text(50, load_default="")
    email = text(50, load_default="")
    avatar_url = text(500, load_default="")
    intro = text(1000, load_default="")
    company_name = text(50, load_default="")
    company_intro = text(1000, load_default="")
    company_address = text(1000, load_default="")
    product_ids = List(ident(), load_default=list, validate=Length(max=6))
    article_ids = List(ident(), load_default=list, validate=Length(max=6))


class CardTemplateIO(Schema):
    modules = List(Nested(CardModuleIO), required=True, validate=Length(min=4, max=4))
    content = Nested(CardContentIO, load_default=dict)


class PosterStatsOut(Schema):
    token = String()
    url = String()
    kind = String(metadata={"description": "article or card"})
    item_id = String()
    title = String(metadata={"description": "The article's title; empty for my card"})
    created_at = DateTime()
    views = Integer(metadata={"description": "Views through the poster's link"})
    visitors = Integer(metadata={"description": "Visitors the poster brought first (获客)"})
    poster_id = String(
        metadata={"description": "A poster made from a picture or a text (POST /my-posters); empty otherwise"}
    )


class MyPostersOut(Schema):
    posters = List(Nested(PosterStatsOut))
    visitors = Integer(metadata={"description": "The visitors all my posters brought"})


class AppliedOut(Schema):
    cards = Integer(metadata={"description": "Cards the template was copied onto"})


def card_url(token: str) -> str:
    return public_url(f"c/{token}")


def content_pb(body: dict) -> pb.CardContent:
    return pb.CardContent(**body)


def content_dict(message: pb.CardContent) -> dict:
    return {
        **{name: getattr(message, name) for name in CONTENT_FIELDS},
        "product_ids": list(message.product_ids),
        "article_ids": list(message.article_ids),
    }


def template_dict(message: pb.CardTemplate) -> dict:
    return {
        "modules": [{"key": m.key, "name": m.name, "visible": m.visible} for m in message.modules],
        "content": content_dict(message.content),
    }


@bp.get("/card-template")
@bp.doc(operation_id="getCardTemplate", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(CardTemplateIO)
def get_card_template():
    """The tenant's card template: module names and visibility for every card, new cards' defaults"""
    return template_dict(call("marketing", "GetCardTemplate", pb.GetCardTemplateRequest()))


@bp.put("/card-template")
@bp.doc(operation_id="updateCardTemplate", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(CardTemplateIO, arg_name="body")
@bp.output(CardTemplateIO)
def update_card_template(body):
    """Change the card template (owner, store manager): module names and visibility apply at once"""
    modules = [pb.CardModule(**m) for m in body["modules"]]
    reply = call(
        "marketing", "UpdateCardTemplate", pb.CardTemplate(modules=modules, content=content_pb(body["content"]))
    )
    return template_dict(reply)


@bp.post("/card-template/apply")
@bp.doc(operation_id="applyCardTemplate", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(AppliedOut)
def apply_card_template():
    """Copy the template's company fields and defaults onto every existing card (owner, store manager)"""
    return {"cards": call("marketing", "ApplyCardTemplate", pb.ApplyCardTemplateRequest()).cards}


@bp.get("/my-card")
@bp.doc(operation_id="getMyCard", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(CardContentIO)
def get_my_card():
    """My card; the first time, made from the template with my name and phone"""
    return content_dict(call("marketing", "GetMyCard", pb.GetMyCardRequest()))


@bp.put("/my-card")
@bp.doc(operation_id="updateMyCard", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(CardContentIO, arg_name="body")
@bp.output(CardContentIO)
def update_my_card(body):
    """My intro, contacts, featured products and news"""
    return content_dict(call("marketing", "UpdateMyCard", content_pb(body)))


@bp.post("/my-card/shares")
@bp.doc(operation_id="shareMyCard", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ShareIn, arg_name="body")
@bp.output(ShareOut, status_code=201)
def share_my_card(body):
    """My card's link: readers who open it, and whoever they forward it to, are mine"""
    share = call("marketing", "ShareCard", pb.ShareCardRequest(method=body["method"]))
    return {"token": share.token, "url": card_url(share.token), "method": share.method, "depth": share.depth}


@bp.post("/products/<string:product_id>/posters")
@bp.doc(operation_id="makeProductPoster", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PosterIn, arg_name="body")
@bp.output({}, content_type="image/png", description="The product's name and price, my name and phone, my card's QR")
def make_product_poster(product_id, body):
    """A product's share poster (B11) carrying my card's link: readers who scan it land on my card"""
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    poster = call(
        "marketing",
        "ProductPoster",
        pb.ProductPosterRequest(
            product_id=product_id,
            theme=body["theme"],
            link_base=card_url(""),
            caption=i18n.render("poster.card_caption", language=language, fallback="poster.card_caption"),
        ),
    )
    return Response(poster.png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/my-card/posters")
@bp.doc(operation_id="makeCardPoster", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(PosterIn, arg_name="body")
@bp.output({}, content_type="image/png", description="My name, title, company and phone, my card's QR")
def make_card_poster(body):
    """My card as a poster (D3): readers who scan it land on my card"""
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    poster = call(
        "marketing",
        "CardPoster",
        pb.CardPosterRequest(
            theme=body["theme"],
            link_base=card_url(""),
            caption=i18n.render("poster.card_caption", language=language, fallback="poster.card_caption"),
        ),
    )
    return Response(poster.png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/my-posters")
@bp.doc(operation_id="listMyPosters", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(MyPostersOut)
def list_my_posters():
    """My posters with what each brought (D4 管理我的海报): views and new visitors"""
    reply = call("marketing", "ListMyPosters", pb.ListMyPostersRequest())

    def url(p) -> str:
        return card_url(p.token) if p.kind == "card" else reader_url(p.token)

    return {
        "posters": [
            {
                "token": p.token,
                "url": url(p),
                "kind": p.kind,
                "item_id": p.item_id,
                "title": p.title,
                "created_at": datetime_of(p, "created_at"),
                "views": p.views,
                "visitors": p.visitors,
                "poster_id": p.poster_id,
            }
            for p in reply.posters
        ],
        "visitors": reply.visitors,
    }
