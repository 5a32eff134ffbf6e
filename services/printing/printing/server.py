"""`python -m printing.server`: the gRPC server of the printing service and its print queue's
dispatcher (composition root)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from crmkit.db import utcnow
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings

from .adapters.feieyun import DEFAULT_URL, FeieyunClient
from .adapters.network import NetworkPrinters
from .db import database
from .declaration import DECLARATION
from .dispatcher import Dispatcher
from .grpc_api import registration


def ports_from_env(environ: Mapping[str, str]) -> dict:
    """The adapters as the environment names them (declaration.py: FEIEYUN_*, NETWORK_PRINTER_ANY_PORT)."""
    feieyun = FeieyunClient(
        environ.get("FEIEYUN_URL") or DEFAULT_URL, environ.get("FEIEYUN_USER", ""), environ.get("FEIEYUN_UKEY", "")
    )
    return {
        "feieyun": feieyun,
        "network": NetworkPrinters(),
        "any_port": environ.get("NETWORK_PRINTER_ANY_PORT", "") == "true",
    }


def build(
    settings: Settings,
    *,
    feieyun: FeieyunClient | None = None,
    network: NetworkPrinters | None = None,
    any_port: bool = False,
    clock: Callable[[], datetime] = utcnow,
    dispatch_interval: float = 1.0,
) -> ServiceRuntime:
    """Wire the database, the adapters, the dispatcher (started beside the server) and the
    servicer; connects to nothing yet."""
    settings.require("database_url")
    db = database(settings.database_url, pool_size=settings.database_pool_size)
    feieyun = feieyun or FeieyunClient(DEFAULT_URL, "", "")
    network = network or NetworkPrinters()
    dispatcher = Dispatcher(db, network=network, feieyun=feieyun, clock=clock, interval=dispatch_interval)
    registrations = [registration(db, clock, feieyun=feieyun, dispatcher=dispatcher, any_port=any_port)]
    return ServiceRuntime(
        service="printing",
        db=db,
        registrations=registrations,
        closers=[dispatcher.close, feieyun.close],
        background=[dispatcher],
    )


def main() -> None:
    import os

    settings = DECLARATION.settings_from_env()
    settings.require("database_url", "jwt_public_key", "service_token")
    serve(build(settings, **ports_from_env(os.environ)), settings)


if __name__ == "__main__":
    main()
