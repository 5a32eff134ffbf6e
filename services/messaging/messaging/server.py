"""`python -m messaging.server`: the gRPC server of the messaging service (composition root)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

from .db import database
from .declaration import DECLARATION
from .grpc_api import registration
from .sms.aliyun import sender_from_env
from .sms.port import SmsSender
from .sms_batch_sender import SmsBatchSender


def build(settings: Settings, *, sms_sender: SmsSender | None = None) -> ServiceRuntime:
    """Wire the database, the SMS sender and the servicer; connects to nothing yet (the engine
    and the provider's HTTP session open lazily on first use)."""
    settings.require("database_url")
    # SMS_PROVIDER and ALIYUN_* are the adapter's own settings; a missing one stops startup.
    sender = sms_sender or sender_from_env(os.environ)
    db = database(settings.database_url, pool_size=settings.database_pool_size)
    # Coupon holders' texts, queued by the worker's handlers, go out in batches (ADR 0021).
    batches = SmsBatchSender(db, sender)
    return ServiceRuntime(service="messaging", db=db, registrations=[registration(db, sender)], background=[batches])


def ports_from_env(environ: Mapping[str, str]) -> dict:
    return {"sms_sender": sender_from_env(environ)}


def main() -> None:
    settings = DECLARATION.settings_from_env()
    settings.require("database_url", "jwt_public_key")
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
