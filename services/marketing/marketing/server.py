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
from .sharers import IdentitySharers, Sharers


def build(
    settings: Settings, *, clock: Callable[[], datetime] = utcnow, sharers: Sharers | None = None
) -> ServiceRuntime:
    """Wire the database, the identity peer (posters name the salesperson) and the servicer;
    connects to nothing yet (the engine and the channel open lazily). Tests pass `sharers`."""
    settings.require("database_url")
    db = database(settings.database_url)
    closers = []
    if sharers is None:
        settings.require("service_token")
        identity = IdentitySharers(settings.peer("identity"), settings.service_token)
        closers.append(identity.close)
        sharers = identity
    return ServiceRuntime(service="marketing", db=db, registrations=[registration(db, clock, sharers)], closers=closers)


def main() -> None:
    settings = DECLARATION.settings_from_env()
    settings.require("database_url", "jwt_public_key", "service_token")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
