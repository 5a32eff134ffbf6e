"""MarketingService servicer: the RPCs of each area (marketing.rpc) over the ports they share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.marketing.v1 import marketing_pb2_grpc
from crmkit.db import Database
from crmkit.filestore import FileStore
from crmkit.grpc_server import ServiceRegistration

from .catalogue import Catalogue
from .importer import Fetcher
from .rpc.library import LibraryRpcs
from .rpc.materials import MaterialRpcs
from .rpc.posters import PosterRpcs
from .rpc.sharing import SharingRpcs
from .sharers import Sharers
from .wechat.port import WechatLogin

FULL_NAME = "crm.marketing.v1.MarketingService"


class MarketingServicer(
    LibraryRpcs, SharingRpcs, PosterRpcs, MaterialRpcs, marketing_pb2_grpc.MarketingServiceServicer
):
    """Every RPC of the service, by area (marketing.rpc); the ports they share are set here."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        sharers: Sharers,
        catalogue: Catalogue,
        fetcher: Fetcher,
        wechat_login: WechatLogin | None = None,
        store: FileStore | None = None,
    ):
        self.wechat = wechat_login
        self.store = store
        self.fetcher = fetcher
        self.db = db
        self.clock = clock
        self.sharers = sharers
        self.catalogue = catalogue


def registration(
    db: Database,
    clock: Callable[[], datetime],
    sharers: Sharers,
    catalogue: Catalogue,
    fetcher: Fetcher,
    wechat_login: WechatLogin | None = None,
    store: FileStore | None = None,
) -> ServiceRegistration:
    servicer = MarketingServicer(db, clock, sharers, catalogue, fetcher, wechat_login, store)
    return ServiceRegistration(marketing_pb2_grpc.add_MarketingServiceServicer_to_server, servicer, FULL_NAME)
