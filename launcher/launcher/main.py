"""`make run`: every built service and the gateway in one process.

This package is the only code allowed to import every service. The gateway still reaches the
services over gRPC (on 127.0.0.1), exactly as in production; only the broker, the databases and
Redis are swapped for in-process stand-ins when no server URLs are given.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import psycopg
from waitress.server import create_server

from crm.customers.v1 import customers_pb2_grpc
from crm.identity.v1 import identity_pb2_grpc
from crmkit.auth import TokenIssuer, TokenVerifier
from crmkit.db import utcnow
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.local_broker import LocalBroker
from crmkit.log import configure_logging
from crmkit.migrate import upgrade
from crmkit.redis_client import Keys, keep_local_redis_in, make_redis
from crmkit.relay import OutboxRelay, PikaPublisher
from crmkit.revocation import RevokedSessions
from crmkit.settings import Settings
from gateway.serve import WAITRESS_OPTIONS
from launcher.config import SERVICES, LaunchConfig, local_secret, parse_args, signing_keys
from launcher.preflight import check_ports, lock_var_dir

log = logging.getLogger("launcher")
# The scheduled jobs count days, so hourly is early enough (the CronJobs run hourly too).
JOB_INTERVAL_SECONDS = float(os.environ.get("CRM_JOB_INTERVAL_SECONDS", "3600"))


def _ensure_pg_database(url: str) -> None:
    """Real-server mode: create the service's own database on first start."""
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Platform:
    def __init__(self, cfg: LaunchConfig):
        self.cfg = cfg
        self.private_key, self.public_key = signing_keys(cfg.var_dir)
        self.service_token = TokenIssuer(self.private_key).service_token("launcher")
        if cfg.embedded:
            # Idempotency keys, SMS codes and limits survive a restart, as on a real server.
            keep_local_redis_in(cfg.var_dir / "redis.journal")
        self.redis = make_redis(cfg.redis_url)
        # Without AMQP_URL events go through durable queues in var/bus.db (ADR 0008).
        self.broker = None if cfg.amqp_url else LocalBroker(cfg.var_dir / "bus.db")
        self.runtimes = {}
        self.servers: dict = {}  # service -> its gRPC server
        self.relays = []
        self.children: list[subprocess.Popen] = []
        self.sms_server = None
        self.sms_sender = None
        self.stopping = threading.Event()

    def settings(self, service: str) -> Settings:
        return Settings(
            service=service,
            database_url=self.cfg.database_for(service),
            amqp_url=self.cfg.amqp_url,
            redis_url=self.cfg.redis_url,
            redis_prefix=self.cfg.redis_prefix,
            grpc_port=self.cfg.grpc_ports.get(service, 0),
            jwt_public_key=self.public_key,
            jwt_private_key=self.private_key if service == "identity" else None,
            service_token=self.service_token,
            peers={name: f"127.0.0.1:{port}" for name, port in self.cfg.grpc_ports.items()},
        )

    def _sms_sender(self):
        from messaging.sms.aliyun import sender_from_env
        from messaging.sms.fake_server import FakeSmsServer

        if os.environ.get("SMS_PROVIDER") == "aliyun":
            return sender_from_env(os.environ)
        # No SMS account here: a local fake of the provider's API prints every code it receives.
        self.sms_server = FakeSmsServer(port=self.cfg.sms_port, print_messages=True)
        url = self.sms_server.start()
        return sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": url})

    def _file_store(self):
        """Proof images (B4): the S3-compatible store when FILE_STORE is set, else local disk."""
        from crmkit.filestore.factory import file_store_from_env
        from crmkit.filestore.local import LocalFileStore

        if os.environ.get("FILE_STORE"):
            return file_store_from_env(os.environ, default_root=self.cfg.var_dir / "files")
        return LocalFileStore(self.cfg.var_dir / "files", signing_secret=local_secret(self.cfg.var_dir, "file-signing"))

    def start_services(self) -> None:
        import coupons.server
        import customers.server
        import identity.server
        import messaging.server
        import orders.server

        for service in SERVICES:
            url = self.cfg.database_for(service)
            if url.startswith("postgresql"):
                _ensure_pg_database(url)
            upgrade(Path(sys.modules[f"{service}.server"].__file__).parent / "migrations", url)

        self.runtimes["identity"] = identity.server.build(self.settings("identity"), redis=self.redis)
        self.runtimes["customers"] = customers.server.build(
            self.settings("customers"),
            registration_secret=os.environ.get("REGISTRATION_QR_SECRET")
            or local_secret(self.cfg.var_dir, "registration-qr"),
        )
        # One sender for SendSms and the coupon holder texts (E2 E5) of the embedded consumers.
        self.sms_sender = self._sms_sender()
        self.runtimes["messaging"] = messaging.server.build(self.settings("messaging"), sms_sender=self.sms_sender)
        self.runtimes["orders"] = orders.server.build(self.settings("orders"), file_store=self._file_store())
        self.runtimes["coupons"] = coupons.server.build(self.settings("coupons"))

        for service in self.runtimes:
            self.start_server(service)

        if self.broker is None:
            self.start_worker_processes()
        else:
            # Every consumer's queue is declared before any relay publishes (ADR 0008).
            self.bind_embedded_consumers()
            self.broker.start()
        for runtime in self.runtimes.values():
            publisher = self.broker or PikaPublisher(self.cfg.amqp_url)
            self.relays.append(OutboxRelay(runtime.db, publisher, poll_interval=0.2).start())
        self.start_scheduled_jobs()

    def start_server(self, service: str) -> None:
        """The service's gRPC server on its port (again, after `stop_server`)."""
        runtime = self.runtimes[service]
        # Revoked sessions (logout, refresh reuse, a switch taken away) are refused by every server.
        verifier = TokenVerifier(self.public_key, revoked=RevokedSessions(self.redis, self.cfg.redis_prefix))
        port = self.cfg.grpc_ports[service]
        server, _, _ = build_server(service, runtime.registrations, verifier=verifier, port=port, host="127.0.0.1")
        server.start()
        self.servers[service] = server

    def stop_server(self, service: str) -> None:
        self.servers.pop(service).stop(0).wait()

    def start_worker_processes(self) -> None:
        """Real-server mode: nameko workers run on eventlet, which must never share a process with
        gRPC servers, so each consuming service's worker is a child process."""
        common = {
            **os.environ,
            "AMQP_URL": self.cfg.amqp_url,
            "JWT_PUBLIC_KEY": self.public_key,
            "SERVICE_TOKEN": self.service_token,
            "REDIS_PREFIX": self.cfg.redis_prefix,
        }
        messaging_env = {
            "IDENTITY_ADDR": f"127.0.0.1:{self.cfg.grpc_ports['identity']}",
            "CUSTOMERS_ADDR": f"127.0.0.1:{self.cfg.grpc_ports['customers']}",
        }
        if self.sms_server:
            # The worker texts coupon holders (E2 E5) through the same fake as the server.
            messaging_env.update(SMS_PROVIDER="fake", ALIYUN_SMS_ENDPOINT=self.sms_server.url)
        workers = {
            "messaging": messaging_env,
            "orders": {"REDIS_URL": self.cfg.redis_url or ""},
            "customers": {},
            # E7: the worker hands recharge gift products out through orders.
            "coupons": {"ORDERS_ADDR": f"127.0.0.1:{self.cfg.grpc_ports['orders']}"},
        }
        for service, extra in workers.items():
            env = {**common, "DATABASE_URL": self.cfg.database_for(service), **extra}
            self.children.append(subprocess.Popen([sys.executable, "-m", f"{service}.worker"], env=env))

    def bind_embedded_consumers(self) -> None:
        """Embedded mode: each consuming service's handlers get their durable queues in the local
        broker, as its nameko worker's would in RabbitMQ."""
        from coupons.orders_peer import gift_stock_from_settings
        from coupons.subscriptions import subscriptions as coupons_subscriptions
        from customers.subscriptions import subscriptions as customers_subscriptions
        from messaging.subscriptions import subscriptions as messaging_subscriptions
        from orders.subscriptions import subscriptions as orders_subscriptions

        identity_client = ServiceClient(
            f"127.0.0.1:{self.cfg.grpc_ports['identity']}",
            identity_pb2_grpc.IdentityServiceStub,
            "crm.identity.v1.IdentityService",
            service_token=self.service_token,
        )
        customers_client = ServiceClient(
            f"127.0.0.1:{self.cfg.grpc_ports['customers']}",
            customers_pb2_grpc.CustomersServiceStub,
            "crm.customers.v1.CustomersService",
            service_token=self.service_token,
        )
        consumers = {
            "messaging": messaging_subscriptions(
                self.runtimes["messaging"].db,
                identity_client,
                sms_sender=self.sms_sender,
                customers_client=customers_client,
            ),
            "orders": orders_subscriptions(
                self.runtimes["orders"].db, self.redis, Keys(self.cfg.redis_prefix, "orders")
            ),
            "customers": customers_subscriptions(self.runtimes["customers"].db),
            # E9 points on approved orders; E7 recharge gift products through the orders server.
            "coupons": coupons_subscriptions(
                self.runtimes["coupons"].db, gift_stock_from_settings(self.settings("coupons"))
            ),
        }
        for consumer, handlers in consumers.items():
            for (source, event_type), handler in handlers.items():
                self.broker.bind(consumer, source, event_type, handler)

    def scheduled_jobs(self) -> dict[str, Callable[[datetime], dict]]:
        """What the Kubernetes CronJobs run in a cluster (`python -m customers.jobs pool-sweep`,
        `python -m coupons.jobs remind-expiring` / `release-instalments` / `release-unplaced`): the
        same use cases, each answering what its command prints; each is safe to run again."""
        from coupons.orders_peer import GrpcOrders
        from coupons.service.coupons_reminders import remind_expiring
        from coupons.service.coupons_stock import ClaimStock
        from coupons.service.recharge import release_due
        from coupons.service.redemption import release_unplaced
        from customers.service.pool_sweep import sweep_pool

        customers_db, coupons_db = self.runtimes["customers"].db, self.runtimes["coupons"].db
        gift_stock = ClaimStock(self.redis, Keys(self.cfg.redis_prefix, "coupons"))  # the server's counters
        orders = GrpcOrders(f"127.0.0.1:{self.cfg.grpc_ports['orders']}", self.service_token)
        return {
            "pool-sweep": lambda now: vars(sweep_pool(customers_db.uow(), now)),  # C3
            "remind-expiring": lambda now: {"reminded": remind_expiring(coupons_db.uow, now)},  # E5
            "release-instalments": lambda now: {"released": release_due(coupons_db, gift_stock, now=now)},  # E7
            "release-unplaced": lambda now: asdict(release_unplaced(coupons_db, orders, now=now)),  # E4
        }

    def start_scheduled_jobs(self, interval: float = JOB_INTERVAL_SECONDS) -> None:
        """The CronJobs' work in one background thread, every `interval` seconds."""
        jobs = self.scheduled_jobs()

        def _loop():
            while not self.stopping.wait(interval):
                for name, job in jobs.items():
                    try:
                        job(utcnow())
                    except Exception:
                        log.exception("scheduled job %s failed; the next run tries again", name)

        threading.Thread(target=_loop, name="scheduled-jobs", daemon=True).start()

    def gateway_app(self):
        from gateway.app import GatewayConfig, create_app
        from gateway.idempotency import release_abandoned

        settings = self.settings("gateway")
        config = GatewayConfig.from_settings(settings, redis=self.redis)
        if self.cfg.embedded:
            # This process is the only gateway: requests "processing" in the kept Redis were cut
            # off by the last stop (a kill, say); their clients retry with the same keys.
            release_abandoned(config.redis, config.keys)
        return create_app(config)

    def stop(self) -> None:
        self.stopping.set()
        for child in self.children:
            child.terminate()
        for server in self.servers.values():
            server.stop(2).wait()
        for relay in self.relays:
            relay.stop()
        if self.broker:
            self.broker.stop()
        for runtime in self.runtimes.values():
            runtime.close()
        if self.sms_server:
            self.sms_server.stop()


def main(argv: list[str] | None = None) -> None:
    cfg = parse_args(argv)
    configure_logging("launcher", os.environ.get("LOG_LEVEL", "WARNING"))
    var_lock = lock_var_dir(cfg.var_dir)  # noqa: F841 - held for the life of the process
    check_ports(cfg, fake_sms=os.environ.get("SMS_PROVIDER") != "aliyun")
    platform = Platform(cfg)
    platform.start_services()
    http = create_server(platform.gateway_app(), host=cfg.http_host, port=cfg.http_port, threads=16, **WAITRESS_OPTIONS)
    base_url = f"http://{cfg.http_host}:{http.effective_port}"

    from launcher.demo import print_banner, seed_demo

    demo = seed_demo(platform, cfg.var_dir) if cfg.seed_demo else None
    print_banner(base_url, cfg, demo)

    stopping = threading.Event()

    def _stop(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            http.close()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        http.run()
    except OSError:
        if not stopping.is_set():
            raise
    finally:
        platform.stop()
