"""Poster pictures and posters made from them (D4 own uploads, D12 image-text posts): the
tenant's templates by theme (owner, store managers) and each salesperson's own pictures; a poster
of a picture and/or a text carries a card link of its own. The article, product and card posters
are in articles.py and cards.py; my posters' list is GET /my-posters (cards.py)."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import DateTime, File, Integer, List, Nested, String
from apiflask.validators import OneOf
from flask import Response, request

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.protos import datetime_of
from gateway import i18n
from gateway.api.calls import call
from gateway.api.cards import card_url
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS
from gateway.api.fields import ident, text
from gateway.api.uploads import accepts_upload, read_upload
from gateway.auth import staff_only

bp = APIBlueprint("posters", __name__, tag="Posters", url_prefix="/api/v1")
THEMES = ("business", "festival", "fresh", "minimal")
PURPOSES = ("template", "own")
POSITIONS = ("bottom_right", "bottom_left", "top_right", "top_left", "bottom_center")
# A picture travels each way in one message: more time than a form gets.
PICTURE_TIMEOUT = 30.0


def _choice(values, **kwargs) -> String:
    return String(validate=OneOf(values, error="validation.invalid_choice"), **kwargs)


class PosterImageFileIn(Schema):
    file = File(required=True, metadata={"description": "JPEG, PNG or WebP, at most 5 MB and 40 megapixels"})


class PosterImageUploadQuery(Schema):
    purpose = _choice(PURPOSES, required=True, metadata={"description": "template (owner, store manager) or own"})
    theme = _choice(THEMES, load_default="business", metadata={"description": "A template's theme"})
    name = text(30, load_default="")
    qr_position = _choice(POSITIONS, load_default="bottom_right", metadata={"description": "Where the QR goes"})


class PosterImageListQuery(Schema):
    purpose = _choice(PURPOSES, load_default="template")
    theme = _choice((*THEMES, ""), load_default="", metadata={"description": "Templates of one theme; empty: all"})


class PosterImageOut(Schema):
    id = String()
    purpose = String(metadata={"description": "template or own"})
    theme = String()
    name = String()
    qr_position = String()
    staff_id = String(metadata={"description": "Who uploaded it"})
    content_type = String()
    size = Integer()
    width = Integer()
    height = Integer()
    created_at = DateTime()
    url = String(metadata={"description": "The picture's bytes through the gateway (a bearer token needed)"})


class PosterImagesOut(Schema):
    images = List(Nested(PosterImageOut))


class MakePosterIn(Schema):
    image_id = ident(load_default="", metadata={"description": "A template or my own picture"})
    text = text(300, load_default="", metadata={"description": "An image-text post (D12)"})
    qr_position = _choice((*POSITIONS, ""), load_default="", metadata={"description": "On my own picture"})
    theme = _choice(THEMES, load_default="business", metadata={"description": "An image-text poster's colours"})


def image_dict(image: pb.PosterImage) -> dict:
    return {
        "id": image.id,
        "purpose": image.purpose,
        "theme": image.theme,
        "name": image.name,
        "qr_position": image.qr_position,
        "staff_id": image.staff_id,
        "content_type": image.content_type,
        "size": image.size,
        "width": image.width,
        "height": image.height,
        "created_at": datetime_of(image, "created_at"),
        "url": f"/api/v1/poster-images/{image.id}/file",
    }


def _caption() -> str:
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    return i18n.render("poster.card_caption", language=language, fallback="poster.card_caption")


def _png(poster: pb.Poster) -> Response:
    return Response(poster.png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/poster-images")
@bp.doc(operation_id="uploadPosterImage", security=SECURED, responses=[*WRITE_ERRORS, 413])
@staff_only
@accepts_upload
@bp.input(PosterImageUploadQuery, location="query", arg_name="query")
@bp.input(PosterImageFileIn, location="files", arg_name="files")
@bp.output(PosterImageOut, status_code=201)
def upload_poster_image(query, files):
    """Upload a poster template of a theme (owner, store manager) or my own picture (multipart
    field `file`); a bad picture is a 400 naming `file`"""
    message = pb.UploadPosterImageRequest(file=read_upload(files["file"]), **query)
    return image_dict(call("marketing", "UploadPosterImage", message, timeout=PICTURE_TIMEOUT))


@bp.get("/poster-images")
@bp.doc(operation_id="listPosterImages", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PosterImageListQuery, location="query", arg_name="query")
@bp.output(PosterImagesOut)
def list_poster_images(query):
    """The tenant's poster templates (of one theme) or my own pictures, newest first"""
    reply = call("marketing", "ListPosterImages", pb.ListPosterImagesRequest(**query))
    return {"images": [image_dict(i) for i in reply.images]}


@bp.get("/poster-images/<string:image_id>/file")
@bp.doc(operation_id="getPosterImageFile", security=SECURED, responses=READ_ERRORS)
@staff_only
def get_poster_image_file(image_id):
    """A template's or my own picture's bytes, whatever store holds them"""
    reply = call("marketing", "ReadPosterImage", pb.ReadPosterImageRequest(id=image_id), timeout=PICTURE_TIMEOUT)
    response = Response(reply.data, mimetype=reply.content_type)
    # Pictures are the tenant's: the browser may keep one a while, no shared cache may.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.delete("/poster-images/<string:image_id>")
@bp.doc(operation_id="deletePosterImage", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output({}, status_code=204)
def delete_poster_image(image_id):
    """Delete a template (owner, store manager) or my own picture; posters made from it keep their links"""
    call("marketing", "DeletePosterImage", pb.DeletePosterImageRequest(id=image_id))
    return ""


@bp.post("/my-posters")
@bp.doc(operation_id="makeMyPoster", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(MakePosterIn, arg_name="body")
@bp.output({}, content_type="image/png", description="The picture and/or text with my name and my card's QR")
def make_my_poster(body):
    """A poster of a template, my own picture and/or my text (D4, D12) with a card link of its own:
    what each poster brings is counted apart. The same picture and text again: the same poster"""
    message = pb.MakePosterRequest(**body, link_base=card_url(""), caption=_caption())
    return _png(call("marketing", "MakePoster", message, timeout=PICTURE_TIMEOUT))


@bp.post("/my-posters/<string:poster_id>/image")
@bp.doc(operation_id="drawMyPoster", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output({}, content_type="image/png", description="The poster drawn again")
def draw_my_poster(poster_id):
    """One of my posters made from a picture or a text, drawn again to open or save"""
    message = pb.DrawMyPosterRequest(poster_id=poster_id, link_base=card_url(""), caption=_caption())
    return _png(call("marketing", "DrawMyPoster", message, timeout=PICTURE_TIMEOUT))
