"""The reader's page of a shared article (D1, D2): `/s/<token>`, rendered here, server-side, so a
phone in WeChat's browser gets the whole article in the first response (no app bundle), with the
share-card tags (title, description, cover) WeChat and other apps read.

The page carries one small inline script: it counts only the seconds the page is visible, sends
the running total every 5 s and a last time with `sendBeacon` when the page is hidden or left,
and swaps the address bar to the reader's own link, so what they forward is counted as theirs.

When the marketing service has a WeChat app, the page offers WeChat login (gateway.reader_wechat):
at the top inside WeChat's own browser, above the phone form elsewhere (only where WeChat's
authorization page works: WeChat's browser, or any browser with the local fake).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, request
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from crm.identity.v1 import identity_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import DomainError, NotFound
from gateway import i18n
from gateway.api.calls import call_public, call_stream
from gateway.api.common import config
from gateway.api.materials import FILE_TIMEOUT
from gateway.files import streamed_file

bp = Blueprint("reader", __name__)
VISITOR_COOKIE = "crm_vk"
YEAR = 365 * 24 * 3600
BEAT_SECONDS = 5

# Autoescaped: only the article body, cleaned on write, is marked safe.
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


def language() -> str:
    return i18n.pick_language(request.headers.get("Accept-Language"))


def translate(key: str, **params) -> str:
    return i18n.render(key, params, language=language(), fallback=key)


def lang_attr() -> str:
    return "en" if language() == "en" else "zh-CN"


def message_page(key: str, status: int, *, link: str = "", link_key: str = "") -> Response:
    """A page of one sentence (and maybe one link): a link gone, a login that went wrong."""
    html = TEMPLATES.get_template("reader_gone.html").render(
        lang=lang_attr(), text=translate(key), link=link, link_text=translate(link_key) if link_key else ""
    )
    return html_response(html, status)


def html_response(html: str, status: int, nonce: str = "") -> Response:
    response = Response(html, status=status, mimetype="text/html")
    # The article's HTML was cleaned on write; this keeps any slip from running or calling out.
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src https: http: data:; media-src https: http:; style-src 'unsafe-inline'; "
        f"script-src {script}; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


TEXTS = (
    "call",
    "recommended",
    "leave_phone",
    "phone",
    "name",
    "send",
    "sent",
    "phone_invalid",
    "products",
    "buy",
    "wechat",
    "wechat_login",
    "wechat_offer",
    "preview",
    "download",
)


def in_wechat() -> bool:
    """WeChat's own browser (its authorization page works only there)."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def wechat_block(kind: str, token: str, reader: pb.ReaderIdentity) -> dict:
    """What the page shows about WeChat: who the reader is, or the login (offered at the top in
    WeChat's browser), or nothing when WeChat login is off or cannot work in this browser."""
    if reader.wechat:
        shown = reader.nickname or translate("reader.wechat")
        return {"as_text": translate("reader.wechat_as", nickname=shown), "avatar": reader.avatar_url}
    works = reader.wechat_login == "any" or (reader.wechat_login == "wechat" and in_wechat())
    if not works:
        return {}
    return {"href": f"/{kind}/{token}/wechat", "top": in_wechat()}


def _texts() -> dict[str, str]:
    """The pages' words in the reader's language."""
    return {key: translate(f"reader.{key}") for key in TEXTS}


def _sharer(tenant_id: str, staff_id: str):
    """The salesperson's name and phone for the contact block; the page still opens without them."""
    try:
        return config().identity.call(
            "GetStaff", identity_pb2.GetStaffRequest(id=staff_id), as_service=True, tenant_id=tenant_id
        )
    except DomainError:
        return identity_pb2.Staff(id=staff_id)


@bp.get("/s/<string:token>")
def read(token: str):
    lang = lang_attr()
    visitor_key = request.cookies.get(VISITOR_COOKIE, "")
    try:
        opened = call_public("marketing", "OpenShare", pb.OpenShareRequest(token=token, visitor_key=visitor_key))
    except NotFound as err:
        return message_page(_GONE.get(err.code, "reader.not_found"), 404)
    if opened.kind == "material":
        return _material_page(token, opened, lang)
    own = opened.own_token
    shown = set(opened.modules)
    nonce = secrets.token_urlsafe(12)
    article = opened.article
    html = TEMPLATES.get_template("reader.html").render(
        lang=lang,
        nonce=nonce,
        a=article,
        body=_trusted(article.body_html),
        view_id=opened.view_id,
        visitor_key=opened.visitor_key,
        own_url=f"/s/{own}" if own else "",
        show={m: m in shown for m in ("contact", "recommended_articles", "products", "read_count")},
        position=opened.contact_position or "bottom",
        sharer=_sharer(opened.tenant_id, opened.sharer_staff_id) if "contact" in shown else None,
        recommended=list(opened.recommended),
        products=list(opened.products),
        beat_ms=BEAT_SECONDS * 1000,
        wx=wechat_block("s", token, opened.reader),
        t={**_texts(), "read_count": translate("reader.read_count", count=article.reader_count)},
    )
    response = html_response(html, 200, nonce)
    response.set_cookie(VISITOR_COOKIE, opened.visitor_key, max_age=YEAR, samesite="Lax", httponly=True)
    return response


# A link whose item was switched off: the page says it is gone (any other refusal: not found).
_GONE = {"ARTICLE_INACTIVE": "reader.gone", "MATERIAL_INACTIVE": "reader.material_gone"}


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def _material_page(token: str, opened, lang: str) -> Response:
    """A shared material (D6): an image inline, a video in a player, a document to preview or
    download, a script as text; its file through `/s/<token>/file`, the link itself the only key.
    Visible time is beaten like an article's."""
    own = opened.own_token
    nonce = secrets.token_urlsafe(12)
    material = opened.material
    html = TEMPLATES.get_template("reader_material.html").render(
        lang=lang,
        nonce=nonce,
        m=material,
        file_url=f"/s/{token}/file",
        size=_size(material.size),
        view_id=opened.view_id,
        visitor_key=opened.visitor_key,
        own_url=f"/s/{own}" if own else "",
        sharer=_sharer(opened.tenant_id, opened.sharer_staff_id),
        beat_ms=BEAT_SECONDS * 1000,
        wx=wechat_block("s", token, opened.reader),
        t=_texts(),
    )
    response = html_response(html, 200, nonce)
    response.set_cookie(VISITOR_COOKIE, opened.visitor_key, max_age=YEAR, samesite="Lax", httponly=True)
    return response


@bp.get("/s/<string:token>/file")
def shared_file(token: str):
    """A shared material's file (D6), public: the share token is the only credential, checked by
    the marketing service on every read (a material switched off or deleted stops answering).
    `?download=1` offers it as a download and counts one; a `Range` answers 206 (video players)."""
    download = request.args.get("download") == "1"

    def read(offset: int, length: int):
        message = pb.ReadSharedMaterialFileRequest(token=token, offset=offset, length=length, download=download)
        return call_stream("marketing", "ReadSharedMaterialFile", message, timeout=FILE_TIMEOUT, public=True)

    try:
        return streamed_file(read, download=download, cache="private, max-age=300")
    except NotFound:
        return message_page("reader.not_found", 404)


def _trusted(html: str) -> Markup:
    """The article body as stored: cleaned by the marketing service on write (nh3 allow-list)."""
    return Markup(html)


@bp.get("/c/<string:token>")
def read_card(token: str):
    """A salesperson's card (D3), tracked like an article: views, chain, visible time, leads."""
    lang = lang_attr()
    try:
        opened = call_public(
            "marketing",
            "OpenCard",
            pb.OpenShareRequest(token=token, visitor_key=request.cookies.get(VISITOR_COOKIE, "")),
        )
    except NotFound:
        return message_page("reader.not_found", 404)
    own = opened.own_token
    nonce = secrets.token_urlsafe(12)
    html = TEMPLATES.get_template("reader_card.html").render(
        lang=lang,
        nonce=nonce,
        c=opened.card,
        modules=list(opened.modules),
        news=list(opened.news),
        products=list(opened.products),
        view_id=opened.view_id,
        visitor_key=opened.visitor_key,
        own_url=f"/c/{own}" if own else "",
        beat_ms=BEAT_SECONDS * 1000,
        wx=wechat_block("c", token, opened.reader),
        t=_texts(),
    )
    response = html_response(html, 200, nonce)
    response.set_cookie(VISITOR_COOKIE, opened.visitor_key, max_age=YEAR, samesite="Lax", httponly=True)
    return response
