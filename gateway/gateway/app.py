"""The gateway's app factory: HTTP/JSON at the edge, gRPC to the services behind it."""

from __future__ import annotations

from gateway import (
    admission,
    customer_pages,
    docs_assets,
    errors,
    idempotency,
    openapi,
    ops,
    ranges,
    reader,
    reader_wechat,
    text_input,
    web_apps,
)
from gateway.api import BLUEPRINTS
from gateway.auth import BEARER_SCHEME
from gateway.config import GatewayConfig
from gateway.proxies import TrustedProxyFix

__all__ = ["GatewayConfig", "create_app"]

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable UPPER_SNAKE code clients switch on"},
                "message": {"type": "string", "description": "For people, in the Accept-Language language"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Problem of each named request field",
                },
                "request_id": {"type": "string", "description": "Quote it when reporting a problem"},
            },
        }
    },
}

DESCRIPTION = """CRM API for the mini-program and the PC admin.

Log in with `POST /api/v1/auth/login/password` (or an SMS code), then press **Authorize** and
paste the `access_token`. Errors are `{"error": {"code", "message", "fields"}}`; messages follow
`Accept-Language` (Simplified Chinese by default). Creating POSTs accept an `Idempotency-Key`
header: a repeat with the same key and body returns the first response.
"""


def create_app(config: GatewayConfig) -> openapi.GatewayAPI:
    app = openapi.GatewayAPI(__name__, title="CRM API", version="v1", spec_path="/openapi.json", docs_path="/docs")
    app.config.update(
        VALIDATION_ERROR_STATUS_CODE=400,
        VALIDATION_ERROR_DESCRIPTION="Invalid input (code INVALID_INPUT, fields named)",
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
        SECURITY_SCHEMES={BEARER_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        DESCRIPTION=DESCRIPTION,
        # Request bodies here are small forms; anything bigger is a mistake or an attack.
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    # Chinese messages as characters, not \\u escapes: easier to read in logs and curl.
    app.json.ensure_ascii = False
    if config.trusted_proxy_hops:
        # Behind the Ingress: take the client IP from X-Forwarded-For, trusting only our proxies.
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, config.trusted_proxy_hops, config.trusted_proxies)
    app.extensions["gateway"] = config
    # The readers' and customers' pages (and the readers' WeChat login) are not in the API
    # document but are limited and authenticated like it.
    api_blueprints = {bp.name for bp in BLUEPRINTS} | {reader.bp.name, reader_wechat.bp.name, customer_pages.bp.name}

    ops.install(app)
    docs_assets.install(app)
    web_apps.install(app)
    errors.install(app)

    admission.install(app, api_blueprints)

    # After the guard: a request refused for its rate is refused whatever its body holds.
    text_input.install(app)

    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.register_blueprint(reader.bp)
    app.register_blueprint(reader_wechat.bp)
    app.register_blueprint(customer_pages.bp)
    openapi.install(app)
    ranges.install(app)
    idempotency.document(app)
    app.teardown_request(idempotency.release_unanswered)
    return app
