"""The reader's page of a shared article (D1, D2): `/s/<token>`, rendered here, server-side, so a
phone in WeChat's browser gets the whole article in the first response (no app bundle), with the
share-card tags (title, description, cover) WeChat and other apps read.

The page carries one small inline script: it counts only the seconds the page is visible, sends
the running total every 5 s and a last time with `sendBeacon` when the page is hidden or left,
and swaps the address bar to the reader's own link, so what they forward is counted as theirs.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, request
from jinja2 import Environment
from markupsafe import Markup

from crm.identity.v1 import identity_pb2
from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import DomainError, NotFound
from gateway import i18n
from gateway.api.calls import call_public
from gateway.api.common import config

bp = Blueprint("reader", __name__)
VISITOR_COOKIE = "crm_vk"
YEAR = 365 * 24 * 3600
BEAT_SECONDS = 5

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ a.title }}</title>
<meta name="description" content="{{ a.summary }}">
<meta property="og:type" content="article">
<meta property="og:title" content="{{ a.title }}">
<meta property="og:description" content="{{ a.summary }}">
{% if a.cover_url %}<meta property="og:image" content="{{ a.cover_url }}">{% endif %}
<style>
body{margin:0;font:16px/1.75 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#fff}
main{max-width:680px;margin:0 auto;padding:16px 18px 96px}h1{font-size:22px;line-height:1.4;margin:8px 0 12px}
.meta{color:#999;font-size:13px;margin-bottom:16px}.body img,.body video{max-width:100%;height:auto}
.contact{display:flex;align-items:center;gap:12px;padding:12px 14px;border-radius:10px;background:#f5f7fa;margin:16px 0}
.contact b{display:block}.contact a{margin-left:auto;padding:6px 14px;border-radius:16px;background:#07c160;color:#fff;
text-decoration:none}.floating{position:fixed;left:12px;right:12px;bottom:12px;margin:0;box-shadow:0 2px 12px #0002}
h2{font-size:17px;margin:28px 0 8px}.rec a{display:block;padding:10px 0;border-bottom:1px solid #eee;color:#222;
text-decoration:none}.rec small{display:block;color:#999}
</style></head>
<body data-view="{{ view_id }}" data-visitor="{{ visitor_key }}" data-own="{{ own_url }}">
<main>
{% macro contact(cls) %}<div class="contact {{ cls }}" data-test="contact"><div><b>{{ sharer.name }}</b>
<span>{{ sharer.phone }}</span></div>{% if sharer.phone %}<a href="tel:{{ sharer.phone }}">{{ t.call }}</a>{% endif %}
</div>{% endmacro %}
{% if show.contact and position == "top" %}{{ contact("") }}{% endif %}
<h1>{{ a.title }}</h1>
<div class="meta">{% if show.read_count %}<span data-test="read-count">{{ t.read_count }}</span>{% endif %}</div>
<article class="body">{{ body }}</article>
{% if show.contact and position == "bottom" %}{{ contact("") }}{% endif %}
{% if show.recommended_articles and recommended %}<h2>{{ t.recommended }}</h2><div class="rec">
{% for r in recommended %}<a href="/s/{{ r.token }}">{{ r.title }}<small>{{ r.summary }}</small></a>{% endfor %}
</div>{% endif %}
{% if show.contact and position == "floating" %}{{ contact("floating") }}{% endif %}
</main>
<script nonce="{{ nonce }}">
(function () {
  var d = document.body.dataset, url = "/api/v1/public/views/" + d.view + "/beats";
  var total = 0, since = null, clicks = 0;
  if (d.own && history.replaceState) history.replaceState(null, "", d.own);
  function visible() { return document.visibilityState === "visible"; }
  function tick() { if (since !== null) { var t = Date.now(); total += (t - since) / 1000; since = t; } }
  function send(last) {
    tick();
    var body = JSON.stringify({ visitor_key: d.visitor, seconds: Math.floor(total), clicks: clicks });
    clicks = 0;
    if (last && navigator.sendBeacon &&
        navigator.sendBeacon(url, new Blob([body], { type: "application/json" }))) return;
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: body, keepalive: true })
      .catch(function () {});
  }
  if (visible()) since = Date.now();
  document.addEventListener("visibilitychange", function () {
    if (visible()) { since = Date.now(); } else { send(true); since = null; }
  });
  window.addEventListener("pagehide", function () { send(true); since = null; });
  document.addEventListener("click", function (e) { if (e.target.closest("a")) clicks += 1; });
  setInterval(function () { if (visible()) send(false); }, {{ beat_ms }});
})();
</script>
</body></html>"""
)

_GONE = Environment(autoescape=True).from_string(
    '<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ text }}</title></head>'
    '<body style="font-family:sans-serif;text-align:center;margin-top:30vh;color:#666">'
    '<p data-test="gone">{{ text }}</p></body></html>'
)


def _language() -> str:
    return i18n.pick_language(request.headers.get("Accept-Language"))


def _t(key: str, **params) -> str:
    return i18n.render(key, params, language=_language(), fallback=key)


def _html(html: str, status: int, nonce: str = "") -> Response:
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
    lang = "en" if _language() == "en" else "zh-CN"
    visitor_key = request.cookies.get(VISITOR_COOKIE, "")
    try:
        opened = call_public("marketing", "OpenShare", pb.OpenShareRequest(token=token, visitor_key=visitor_key))
    except NotFound as err:
        key = "reader.gone" if err.code == "ARTICLE_INACTIVE" else "reader.not_found"
        return _html(_GONE.render(lang=lang, text=_t(key)), 404)
    own = call_public("marketing", "ForwardShare", pb.ForwardShareRequest(token=token, visitor_key=opened.visitor_key))
    shown = set(opened.modules)
    nonce = secrets.token_urlsafe(12)
    article = opened.article
    html = _PAGE.render(
        lang=lang,
        nonce=nonce,
        a=article,
        body=_trusted(article.body_html),
        view_id=opened.view_id,
        visitor_key=opened.visitor_key,
        own_url=f"/s/{own.token}" if own.token != token else "",
        show={m: m in shown for m in ("contact", "recommended_articles", "products", "read_count")},
        position=opened.contact_position or "bottom",
        sharer=_sharer(opened.tenant_id, opened.sharer_staff_id) if "contact" in shown else None,
        recommended=list(opened.recommended),
        beat_ms=BEAT_SECONDS * 1000,
        t={
            "call": _t("reader.call"),
            "recommended": _t("reader.recommended"),
            "read_count": _t("reader.read_count", count=article.reader_count),
        },
    )
    response = _html(html, 200, nonce)
    response.set_cookie(VISITOR_COOKIE, opened.visitor_key, max_age=YEAR, samesite="Lax", httponly=True)
    return response


def _trusted(html: str) -> Markup:
    """The article body as stored: cleaned by the marketing service on write (nh3 allow-list)."""
    return Markup(html)
