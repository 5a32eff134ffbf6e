"""The two web apps built in `web/` (ADR 0014): the PC admin at /admin/ and the mobile H5 at /m/,
served by the gateway from the built files (`WEB_DIST`, default `web/dist` of the checkout), and
`/` offering both.

Each app is a single-page application: a path under its prefix that is not a built file answers
the app's index.html, so a refresh on `/admin/customers` opens that page (the app's own router
draws it, or its 404 page); a missing asset under `assets/` is a real 404. index.html is never
cached (it names the current build's hashed assets); the hashed assets are cached for a year.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request, send_from_directory
from markupsafe import escape

from gateway import i18n

APPS = ("admin", "m")
DEFAULT_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
YEAR = 365 * 24 * 3600

PAGE = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
    "<style>body{{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:520px;"
    "margin:12vh auto;padding:0 24px;color:#303133}}.app{{display:block;padding:16px 20px;margin:12px 0;"
    "border:1px solid #dcdfe6;border-radius:8px;text-decoration:none;color:#1989fa;font-size:18px}}"
    "small{{color:#909399}}</style></head><body>{body}</body></html>"
)


def _text(key: str, **params) -> str:
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    return escape(i18n.render(key, params, language=language, fallback=key))


def _page(title_key: str, body: str, status: int = 200) -> Response:
    lang = "en" if i18n.pick_language(request.headers.get("Accept-Language")) == "en" else "zh-CN"
    html = PAGE.format(lang=lang, title=_text(title_key), body=body)
    return Response(html, status=status, mimetype="text/html")


def dist_dir() -> Path:
    return Path(os.environ.get("WEB_DIST") or DEFAULT_DIST)


def install(app: Flask, dist: Path | None = None) -> None:
    root = dist or dist_dir()

    @app.get("/")
    @app.doc(hide=True)
    def landing():
        links = "".join(
            f'<a class="app" href="/{name}/">{_text(f"web.app.{name}")} <small>/{name}/</small></a>' for name in APPS
        )
        docs = f'<p><small><a href="/docs">{_text("web.api_docs")}</a></small></p>'
        return _page("web.title", f"<h1>{_text('web.title')}</h1>{links}{docs}")

    def serve(name: str, path: str):
        folder = root / name
        index = folder / "index.html"
        if not index.is_file():
            body = f"<h1>{_text('web.not_built', app=_text(f'web.app.{name}'))}</h1><p>{_text('web.how_to_build')}</p>"
            return _page("web.title", body, status=404)
        target = (folder / path).resolve() if path else index
        if path and target.is_file() and folder.resolve() in target.parents:
            return send_from_directory(folder, path, max_age=YEAR if path.startswith("assets/") else 0)
        if path.startswith("assets/"):
            return Response("not found", status=404, mimetype="text/plain")
        response = send_from_directory(folder, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    for name in APPS:

        def view(path: str = "", name: str = name):
            return serve(name, path)

        def bare(name: str = name):
            return app.redirect(f"/{name}/")

        # Not part of the API document.
        view, bare = app.doc(hide=True)(view), app.doc(hide=True)(bare)
        app.add_url_rule(f"/{name}/", f"web_{name}_index", view, methods=["GET"])
        app.add_url_rule(f"/{name}/<path:path>", f"web_{name}", view, methods=["GET"])
        app.add_url_rule(f"/{name}", f"web_{name}_bare", bare, methods=["GET"])
