"""`python -m gateway.serve`: the gateway as its own process, served by waitress on $PORT."""

from __future__ import annotations

import logging

from waitress import serve as waitress_serve

from crmkit.log import configure_logging
from crmkit.metrics import serve_metrics
from crmkit.settings import Settings, env_int
from gateway.app import create_app
from gateway.config import GatewayConfig

log = logging.getLogger("gateway")
# How every gateway is served (this process, and `make run`'s embedded one): waitress 3 drops
# X-Forwarded-For unless it trusts the proxy itself; the app decides whom to believe
# (TRUSTED_PROXY_HOPS / TRUSTED_PROXIES, gateway.proxies) and reads the header only then. Dropped
# here, every client behind the Ingress was one address.
WAITRESS_OPTIONS = {"ident": "crm-gateway", "clear_untrusted_proxy_headers": False}


def main() -> None:
    settings = Settings.from_env("gateway")
    configure_logging("gateway", settings.log_level)
    config = GatewayConfig.from_settings(settings)
    app = create_app(config)
    port = env_int("PORT", 8080)
    # /metrics is on the API port too; the chart also scrapes METRICS_PORT like every process.
    serve_metrics(settings.metrics_port)
    log.info("gateway serving HTTP on port %s", port)
    try:
        waitress_serve(
            app,
            host="0.0.0.0",
            port=port,
            threads=env_int("HTTP_THREADS", 16),
            **WAITRESS_OPTIONS,
        )
    finally:
        config.close()


if __name__ == "__main__":
    main()
