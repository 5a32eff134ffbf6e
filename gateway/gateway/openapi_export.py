"""`python -m gateway.openapi_export <file>`: the gateway's OpenAPI document, written without any
service running, for the web apps' typed client (`web/`: `npm run api-types` turns it into
TypeScript, so a renamed field breaks the web build instead of a page)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import fakeredis

from crmkit.auth import TokenIssuer, generate_keypair
from crmkit.settings import Settings
from gateway.app import create_app
from gateway.config import GatewayConfig


class _AnyPeer(dict):
    """Every peer at an address nothing listens on: clients connect lazily, and none is called."""

    def __missing__(self, name: str) -> str:
        return "127.0.0.1:9"


def openapi_document() -> dict:
    private_key, public_key = generate_keypair()
    settings = Settings(
        service="gateway",
        jwt_public_key=public_key,
        service_token=TokenIssuer(private_key).service_token("gateway"),
        peers=_AnyPeer(),
    )
    config = GatewayConfig.from_settings(settings, redis=fakeredis.FakeRedis(decode_responses=True))
    try:
        return create_app(config).spec
    finally:
        config.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gateway.openapi_export <file.json>", file=sys.stderr)
        return 2
    Path(args[0]).write_text(json.dumps(openapi_document(), ensure_ascii=False, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
