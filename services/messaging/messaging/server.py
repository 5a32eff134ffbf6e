"""`python -m messaging.server`: the gRPC server of the messaging service (composition root)."""

from __future__ import annotations

import os

from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

from .db import database
from .grpc_api import registration
from .sms.aliyun import sender_from_env
from .sms.port import SmsSender

DEFAULT_GRPC_PORT = 50053


def build(settings: Settings, *, sms_sender: SmsSender | None = None) -> ServiceRuntime:
    """Wire the database, the SMS sender and the servicer; connects to nothing yet (the engine
    and the provider's HTTP session open lazily on first use)."""
    settings.require("database_url")
    # SMS_PROVIDER and ALIYUN_* are the adapter's own settings; a missing one stops startup.
    sender = sms_sender or sender_from_env(os.environ)
    db = database(settings.database_url)
    return ServiceRuntime(service="messaging", db=db, registrations=[registration(db, sender)])


def main() -> None:
    settings = Settings.from_env("messaging", default_grpc_port=DEFAULT_GRPC_PORT)
    settings.require("database_url", "jwt_public_key")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
