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
from datetime import datetime
from functools import partial

import psycopg
from waitress.server import create_server

from crmkit import jobs
from crmkit.auth import TokenIssuer, TokenVerifier
from crmkit.db import utcnow
from crmkit.declaration import Declaration, resolve
from crmkit.grpc_server import build_server
from crmkit.jobs import JobContext
from crmkit.local_broker import LocalBroker
from crmkit.log import configure_logging
from crmkit.migrate import upgrade
from crmkit.redis_client import keep_local_redis_in, make_redis
from crmkit.relay import OutboxRelay, PikaPublisher
from crmkit.revocation import RevokedSessions
from crmkit.settings import DEFAULT_GRPC_WORKERS, Settings
from gateway.serve import WAITRESS_OPTIONS
from launcher import declarations
from launcher.config import LaunchConfig, local_secret, parse_args, signing_keys
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
    """Every declared service (crmkit.declaration) with a port in `cfg.grpc_ports`."""

    def __init__(self, cfg: LaunchConfig):
        self.cfg = cfg
        self.declarations: dict[str, Declaration] = declarations.load(cfg.grpc_ports)
        self.private_key, self.public_key = signing_keys(cfg.var_dir)
        self.service_token = TokenIssuer(self.private_key).service_token("launcher")
        if cfg.embedded:
            # Idempotency keys, SMS codes and limits survive a restart, as on a real server.
            keep_local_redis_in(cfg.var_dir / "redis.journal")
        self.redis = make_redis(cfg.redis_url)
        # Without AMQP_URL events go through durable queues in var/bus.db (ADR 0008).
        self.broker = None if cfg.amqp_url else LocalBroker(cfg.var_dir / "bus.db")
        self.runtimes = {}
        self.envs: dict[str, dict[str, str]] = {}  # service -> the environment its ports are read from
        self.servers: dict = {}  # service -> its gRPC server
        self.relays = []
        self.children: list[subprocess.Popen] = []
        self.sms_server = None
        self.fakes: dict[str, object] = {}  # module -> its running {fake:<module>} stand-in
        self.stopping = threading.Event()

    @property
    def gateway_url(self) -> str:
        """This run's gateway as the local stand-ins reach it (callbacks of the fake providers)."""
        host = self.cfg.http_host if self.cfg.http_host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        return f"http://{host}:{self.cfg.http_port}"

    def addresses(self) -> dict[str, str]:
        return {name: f"127.0.0.1:{port}" for name, port in self.cfg.grpc_ports.items()}

    def settings(self, service: str) -> Settings:
        declaration = self.declarations.get(service)
        return Settings(
            service=service,
            database_url=self.cfg.database_for(service),
            amqp_url=self.cfg.amqp_url,
            redis_url=self.cfg.redis_url,
            redis_prefix=self.cfg.redis_prefix,
            grpc_port=self.cfg.grpc_ports.get(service, 0),
            jwt_public_key=self.public_key,
            jwt_private_key=self.private_key if declaration and declaration.signs_tokens else None,
            service_token=self.service_token,
            peers=self.addresses(),
            grpc_workers=declaration.grpc_workers if declaration else DEFAULT_GRPC_WORKERS,
        )

    def _local(self, kind: str, name: str) -> str:
        """A declared stand-in of `make run`: secrets and folders kept under var/, the fake SMS provider."""
        if kind == "secret":
            return local_secret(self.cfg.var_dir, name)
        if kind == "folder":
            return str(self.cfg.var_dir / name)
        if kind == "gateway":
            return self.gateway_url
        if kind == "fake":
            if name not in self.fakes:
                self.fakes[name] = declarations.start_fake(name)
            return self.fakes[name].url
        if self.sms_server is None:
            from messaging.sms.fake_server import FakeSmsServer

            # No SMS account here: a local fake of the provider's API prints every code it receives.
            self.sms_server = FakeSmsServer(port=self.cfg.sms_port, print_messages=True)
            self.sms_server.start()
        return self.sms_server.url

    def service_env(self, declaration: Declaration) -> dict[str, str]:
        """The environment a service's ports are read from: the operator's, with the declared
        stand-ins where the operator chose no real provider (e.g. proof images under var/files)."""
        return {**os.environ, **declarations.local_env(declaration, os.environ, self._local)}

    def start_services(self) -> None:
        for service, declaration in self.declarations.items():
            url = self.cfg.database_for(service)
            if url.startswith("postgresql"):
                _ensure_pg_database(url)
            upgrade(declaration.migrations, url)

        for service, declaration in self.declarations.items():
            env = self.envs[service] = self.service_env(declaration)
            ports = resolve(declaration.ports)(env) if declaration.ports else {}
            runtime = self.runtimes[service] = resolve(declaration.build)(self.settings(service), **ports)
            served = sorted(r.full_name for r in runtime.registrations)
            if served != sorted(declaration.grpc_services):
                # A declaration is what people and checks read about a service: it must not lie.
                raise RuntimeError(f"{service} serves {served}, its declaration says {list(declaration.grpc_services)}")

        for service in self.runtimes:
            self.start_server(service)
        for runtime in self.runtimes.values():
            runtime.start_background()

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
        for service, declaration in self.declarations.items():
            if declaration.worker is None:
                continue
            env = {
                **self.envs[service],
                "AMQP_URL": self.cfg.amqp_url,
                "REDIS_URL": self.cfg.redis_url or "",
                "JWT_PUBLIC_KEY": self.public_key,
                "SERVICE_TOKEN": self.service_token,
                "REDIS_PREFIX": self.cfg.redis_prefix,
                "DATABASE_URL": self.cfg.database_for(service),
                **declarations.peer_env(declaration, self.addresses()),
            }
            self.children.append(subprocess.Popen([sys.executable, "-m", f"{service}.worker"], env=env))

    def bind_embedded_consumers(self) -> None:
        """Embedded mode: each consuming service's handlers get their durable queues in the local
        broker, as its nameko worker's would in RabbitMQ, wired to the server's own database."""
        for service, declaration in self.declarations.items():
            if declaration.worker is None:
                continue
            wire = resolve(declaration.worker.wire)
            handlers = wire(self.settings(service), self.envs[service], self.runtimes[service].db)
            for (source, event_type), handler in handlers.items():
                self.broker.bind(service, source, event_type, handler)

    def scheduled_jobs(self) -> dict[tuple[str, str], Callable[[datetime], dict]]:
        """What the Kubernetes CronJobs run in a cluster (`python -m <service>.jobs <job>`): the
        jobs the running services declare, on their databases and this process's Redis; each
        answers what its command prints and is safe to run again."""
        found = {}
        for service, declaration in declarations.load(self.runtimes).items():
            settings = Settings(
                service=service,
                redis_prefix=self.cfg.redis_prefix,
                service_token=self.service_token,
                peers=self.addresses(),
            )
            context = JobContext(settings, self.runtimes[service].db, _redis=self.redis)
            for job in declaration.jobs:
                found[(service, job.name)] = partial(jobs.run, job, context)
        return found

    def start_scheduled_jobs(self, interval: float = JOB_INTERVAL_SECONDS) -> None:
        """The CronJobs' work in one background thread, every `interval` seconds."""
        scheduled = self.scheduled_jobs()

        def _loop():
            while not self.stopping.wait(interval):
                for (service, name), job in scheduled.items():
                    try:
                        job(utcnow())
                    except Exception:
                        log.exception("scheduled job %s %s failed; the next run tries again", service, name)

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
        for runtime in self.runtimes.values():
            runtime.stop_background()
        for relay in self.relays:
            relay.stop()
        if self.broker:
            self.broker.stop()
        for runtime in self.runtimes.values():
            runtime.close()
        if self.sms_server:
            self.sms_server.stop()
        for fake in self.fakes.values():
            fake.stop()


def main(argv: list[str] | None = None) -> None:
    cfg = parse_args(argv)
    configure_logging("launcher", os.environ.get("LOG_LEVEL", "WARNING"))
    var_lock = lock_var_dir(cfg.var_dir)  # noqa: F841 - held for the life of the process
    check_ports(cfg, fake_sms=declarations.uses_fake_sms(declarations.load(cfg.grpc_ports), os.environ))
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
