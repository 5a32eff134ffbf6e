"""`python -m gateway.serve`: the gateway as its own process on $PORT, served by gunicorn with
threaded workers (gthread).

Why not waitress here (issue 16): waitress's loop asks every open connection whether it is
readable or writable on every turn, so 1,000 connected clients cost the gateway about 30% of its
CPU in P2 while doing nothing; it also serves at most 100 connections at once. gunicorn's gthread
worker keeps idle keep-alive connections in the kernel's poller (epoll) and hands a connection
to a thread only when a request arrives. `make run`'s embedded platform, one process, still
serves the same app with waitress (WAITRESS_OPTIONS, launcher/), which needs no fork.

One worker process per container (scale by replicas: the chart's Deployment and its autoscaler),
HTTP_THREADS threads in it. The app, its gRPC channels and its Redis client are built in the
worker, after the fork: gRPC channels do not survive a fork. `HTTP_SERVER=waitress` serves this
process with waitress as before, for comparison.

X-Forwarded-For: both servers pass it to the app untouched and the app decides whom to believe
(TRUSTED_PROXY_HOPS / TRUSTED_PROXIES, gateway.proxies). gunicorn is told to trust no peer's
forwarding headers itself (`forwarded_allow_ips` empty), so that decision is made in one place.
"""

from __future__ import annotations

import logging

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from crmkit.log import configure_logging
from crmkit.metrics import serve_metrics
from crmkit.settings import Settings, env, env_int
from gateway.app import create_app
from gateway.config import GatewayConfig

log = logging.getLogger("gateway")
# How the embedded gateway (and `HTTP_SERVER=waitress`) is served: waitress 3 drops
# X-Forwarded-For unless it trusts the proxy itself; the app decides whom to believe
# (TRUSTED_PROXY_HOPS / TRUSTED_PROXIES, gateway.proxies) and reads the header only then. Dropped
# here, every client behind the Ingress was one address.
WAITRESS_OPTIONS = {"ident": "crm-gateway", "clear_untrusted_proxy_headers": False}


class JsonLogs(glogging.Logger):
    """gunicorn's own lines (start, worker exits, errors) as the process's JSON lines; its
    access log stays off: the app writes its own (gateway.ops)."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.handlers.clear()
        self.error_log.propagate = True


class GatewayWorker(ThreadWorker):
    """gthread, but a stopping worker closes its idle keep-alive connections at once: none has a
    request to finish, and gunicorn would otherwise wait for each to time out (HTTP_KEEPALIVE, a
    minute behind an Ingress) before the process exits."""

    def murder_keepalived(self):
        if not self.alive:
            for conn in self.keepalived_conns:
                conn.timeout = 0
        super().murder_keepalived()


class GatewayServer(BaseApplication):
    def __init__(self, settings: Settings, port: int):
        self.settings = settings
        self.port = port
        self.config: GatewayConfig | None = None
        super().__init__()

    def load_config(self):
        for name, value in gunicorn_options(self).items():
            self.cfg.set(name, value)

    def load(self):
        """In the worker, after the fork."""
        self.config = GatewayConfig.from_settings(self.settings)
        return create_app(self.config)

    def close(self) -> None:
        if self.config is not None:
            self.config.close()


def gunicorn_options(server: GatewayServer) -> dict:
    def post_worker_init(_worker):
        # /metrics is on the API port too; the chart also scrapes METRICS_PORT like every
        # process. Served by the worker: the counters live there, not in the arbiter.
        serve_metrics(server.settings.metrics_port)

    def worker_exit(_arbiter, _worker):
        server.close()

    return {
        "bind": f"0.0.0.0:{server.port}",
        "worker_class": GatewayWorker,
        "workers": 1,
        "threads": env_int("HTTP_THREADS", 16),
        # Open connections one worker holds; more wait in the listen backlog.
        "worker_connections": env_int("HTTP_CONNECTIONS", 2000),
        "backlog": 2048,
        # Longer than an Ingress keeps an idle upstream connection (ingress-nginx: 60 s), so the
        # proxy never sends a request on a connection this side is closing.
        "keepalive": env_int("HTTP_KEEPALIVE", 75),
        # Within Kubernetes' 30 s between SIGTERM and SIGKILL.
        "graceful_timeout": 25,
        "forwarded_allow_ips": "",
        "proc_name": "crm-gateway",
        "logger_class": JsonLogs,
        "accesslog": None,
        "loglevel": server.settings.log_level.lower(),
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
    }


def main() -> None:
    settings = Settings.from_env("gateway")
    configure_logging("gateway", settings.log_level)
    # Checked here, before any worker starts: a missing setting stops startup with its name.
    settings.require("jwt_public_key", "service_token")
    port = env_int("PORT", 8080)
    log.info("gateway serving HTTP on port %s", port)
    if env("HTTP_SERVER", "gunicorn") == "waitress":
        serve_with_waitress(settings, port)
        return
    GatewayServer(settings, port).run()


def serve_with_waitress(settings: Settings, port: int) -> None:
    from waitress import serve as waitress_serve

    config = GatewayConfig.from_settings(settings)
    app = create_app(config)
    serve_metrics(settings.metrics_port)
    try:
        waitress_serve(app, host="0.0.0.0", port=port, threads=env_int("HTTP_THREADS", 16), **WAITRESS_OPTIONS)
    finally:
        config.close()


if __name__ == "__main__":
    main()
