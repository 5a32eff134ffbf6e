"""Swagger UI served from this process instead of a CDN.

APIFlask's /docs page loads Swagger UI from jsdelivr by default; merchants' servers in China
and offline installations often cannot reach it, so the page would stay blank. The
flask-swagger-ui package ships the same dist files; we serve them and point APIFlask at them.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Flask, send_from_directory

DIST = Path(flask_swagger_ui.__file__).parent / "dist"
PREFIX = "/docs/assets"


def install(app: Flask) -> None:
    app.config.update(
        SWAGGER_UI_CSS=f"{PREFIX}/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{PREFIX}/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{PREFIX}/swagger-ui-standalone-preset.js",
        DOCS_FAVICON=f"{PREFIX}/favicon-32x32.png",
        SWAGGER_UI_CONFIG={"persistAuthorization": True},
    )

    @app.get(f"{PREFIX}/<path:filename>")
    @app.doc(hide=True)
    def swagger_ui_asset(filename: str):
        return send_from_directory(DIST, filename, max_age=86400)
