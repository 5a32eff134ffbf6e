"""`python -m marketing.server`: the gRPC server of the marketing service (composition root)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crmkit.db import utcnow
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

from .db import database
from .declaration import DECLARATION
from .grpc_api import registration


def build(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> ServiceRuntime:
    """Wire the database and the servicer; connects to nothing yet (the engine opens lazily)."""
    settings.require("database_url")
    db = database(settings.database_url)
    return ServiceRuntime(service="marketing", db=db, registrations=[registration(db, clock)])


def main() -> None:
    settings = DECLARATION.settings_from_env()
    settings.require("database_url", "jwt_public_key")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
