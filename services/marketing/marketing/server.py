"""`python -m marketing.server`: the gRPC server of the marketing service (composition root)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from crmkit.db import utcnow
from crmkit.filestore import FileStore
from crmkit.filestore.factory import file_store_from_env
from crmkit.reading_beats import BeatStream
from crmkit.redis_client import make_redis
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings, env

from .beat_drainer import BeatDrainer
from .catalogue import Catalogue, OrdersCatalogue
from .db import database
from .declaration import DECLARATION
from .grpc_api import registration
from .importer import Fetcher, HttpFetcher
from .sharers import IdentitySharers, Sharers
from .wechat.oauth import login_from_env
from .wechat.port import WechatLogin

# Materials' files and uploaded pictures on local disk when FILE_STORE_ROOT is not set (relative
# to the working directory).
DEFAULT_FILE_ROOT = Path("var/files")


def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    sharers: Sharers | None = None,
    catalogue: Catalogue | None = None,
    fetcher: Fetcher | None = None,
    wechat_login: WechatLogin | None = None,
    file_store: FileStore | None = None,
) -> ServiceRuntime:
    """Wire the database, the peers (identity: posters name the salesperson; orders: recommended
    products), the WeChat login port (None: no WeChat login), the file store (materials, D6, and
    uploaded poster pictures, D4; None: their files are refused as Unavailable, the store is never guessed here) and the
    servicer; connects to nothing yet (the engine and the channels open lazily). Tests pass
    `sharers` and `catalogue`. The beat drainer reads the gateway's queue of reading beats in the
    same Redis (REDIS_URL; the in-process stand-in when embedded)."""
    settings.require("database_url")
    db = database(settings.database_url, pool_size=settings.database_pool_size)
    closers = []
    if sharers is None:
        settings.require("service_token")
        identity = IdentitySharers(settings.peer("identity"), settings.service_token)
        closers.append(identity.close)
        sharers = identity
    if catalogue is None:
        settings.require("service_token")
        orders = OrdersCatalogue(settings.peer("orders"), settings.service_token)
        closers.append(orders.close)
        catalogue = orders
    # Pasted article links reach the internet only (ARTICLE_IMPORT_ALLOW_PRIVATE: local fakes).
    fetcher = fetcher or HttpFetcher(allow_private=env("ARTICLE_IMPORT_ALLOW_PRIVATE", "") == "true")
    registrations = [registration(db, clock, sharers, catalogue, fetcher, wechat_login, file_store)]
    drainer = BeatDrainer(db, BeatStream(make_redis(settings.redis_url), settings.redis_prefix))
    return ServiceRuntime(
        service="marketing", db=db, registrations=registrations, closers=closers, background=[drainer]
    )


def ports_from_env(environ: Mapping[str, str]) -> dict:
    """The WeChat login the environment configures (WECHAT_APP_ID...), or none, and the file store
    (FILE_STORE=local needs FILE_STORE_SIGNING_SECRET, s3 its S3_* settings: MissingSetting here)."""
    return {
        "wechat_login": login_from_env(environ),
        "file_store": file_store_from_env(environ, default_root=DEFAULT_FILE_ROOT),
    }


def main() -> None:
    settings = DECLARATION.settings_from_env()
    settings.require("database_url", "jwt_public_key", "service_token")
    serve(build(settings, **ports_from_env(os.environ)), settings)


if __name__ == "__main__":
    main()
