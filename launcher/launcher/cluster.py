"""The real system as separate OS processes, for integration journeys and benchmarks: each
declared service's gRPC server and worker, and the gateway, on a fresh PostgreSQL database per
service, a fresh RabbitMQ vhost and an own Redis key prefix. `stop()` removes all of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from crmkit import testing
from crmkit.auth import TokenIssuer, generate_keypair
from launcher import declarations


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict
    log_path: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(self.args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.name} ---\n" + "\n".join(text[-lines:])


@dataclass
class Cluster:
    workdir: Path
    databases: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)
    vhost: str = ""
    amqp_url: str = ""
    redis_prefix: str = ""
    gateway_url: str = ""
    sms_server: object = None
    # module -> its running {fake:<module>} stand-in (e.g. printing's fake FeieYun).
    fakes: dict = field(default_factory=dict)
    extra_env: dict = field(default_factory=dict)
    mode: str = "cluster"
    private_key: str = ""

    def start(self) -> Cluster:
        from messaging.sms.fake_server import FakeSmsServer

        # The key is kept for journeys that mint a token the platform trusts (an expired one, R6).
        self.private_key, public_key = generate_keypair()
        private_key = self.private_key
        issuer = TokenIssuer(private_key)
        services = declarations.load()
        self.databases = {s: testing.create_database(f"it_{s}") for s in services}
        self.vhost, self.amqp_url = testing.create_vhost("it")
        self.redis_prefix = f"it-{uuid.uuid4().hex[:8]}:"
        self.sms_server = FakeSmsServer(port=0)
        sms_url = self.sms_server.start()
        ports = {s: free_port() for s in (*services, "gateway")}
        addrs = {declaration.addr_env: f"127.0.0.1:{ports[s]}" for s, declaration in services.items()}
        base = {
            **os.environ,
            **addrs,
            "AMQP_URL": self.amqp_url,
            "REDIS_URL": testing.REDIS_URL,
            "REDIS_PREFIX": self.redis_prefix,
            "JWT_PUBLIC_KEY": public_key,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

        def _local(kind: str, name: str) -> str:
            # This run's own secrets (e.g. registration QR codes, C2) and folders (proof images, B4).
            if kind == "secret":
                return uuid.uuid4().hex
            if kind == "gateway":
                return f"http://127.0.0.1:{ports['gateway']}"
            if kind == "fake":
                if name not in self.fakes:
                    self.fakes[name] = declarations.start_fake(name)
                return self.fakes[name].url
            return str(self.workdir / name) if kind == "folder" else sms_url

        py = sys.executable
        for service, declaration in services.items():
            env = {
                **base,
                **declarations.local_env(declaration, base, _local),
                "DATABASE_URL": self.databases[service],
                "GRPC_PORT": str(ports[service]),
                "SERVICE_TOKEN": issuer.service_token(service),
            }
            if declaration.signs_tokens:
                env["JWT_PRIVATE_KEY"] = private_key
            subprocess.run([py, "-m", f"{service}.migrate"], env=env, check=True, capture_output=True)
            self.procs[service] = Proc(service, [py, "-m", f"{service}.server"], env, self.workdir / f"{service}.log")
            if declaration.worker:
                self.procs[f"{service}-worker"] = Proc(
                    f"{service}-worker", [py, "-m", f"{service}.worker"], env, self.workdir / f"{service}-worker.log"
                )
        gateway_env = {
            **base,
            # Every declared service: the gateway reaches them and probes them for /readyz.
            "PEERS": ",".join(services),
            "PORT": str(ports["gateway"]),
            # identity believes the client addresses the gateway names under its own token.
            "SERVICE_TOKEN": issuer.service_token("gateway"),
            # Journeys stand in for the Ingress: an X-Forwarded-For sent from this machine is a
            # client's address (per-address limits, issue 11); without one, 127.0.0.1 it is.
            "TRUSTED_PROXY_HOPS": "1",
            "TRUSTED_PROXIES": "127.0.0.1/32",
        }
        self.procs["gateway"] = Proc("gateway", [py, "-m", "gateway.serve"], gateway_env, self.workdir / "gateway.log")
        for proc in self.procs.values():
            proc.start()
        self.gateway_url = f"http://127.0.0.1:{ports['gateway']}"
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for proc in self.procs.values():
                if proc.popen.poll() is not None:
                    raise RuntimeError(f"{proc.name} exited early\n{proc.tail()}")
            try:
                last = requests.get(f"{self.gateway_url}/readyz", timeout=2)
                if last.status_code == 200:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.3)
        raise RuntimeError(f"platform not ready: {last}\n{self.logs()}")

    def run_job(self, service: str, *args: str) -> subprocess.CompletedProcess:
        """Run `python -m <service>.jobs ...` as its own process with the service's environment
        (what a CronJob does), e.g. run_job("customers", "pool-sweep", "--now", iso)."""
        env = self.procs[service].env
        return subprocess.run(
            [sys.executable, "-m", f"{service}.jobs", *args], env=env, capture_output=True, text=True, timeout=120
        )

    def grpc_address(self, service: str) -> str:
        return f"127.0.0.1:{self.procs[service].env['GRPC_PORT']}"

    @contextmanager
    def stopped(self, service: str) -> Iterator[None]:
        """The service's server process down for the block, then started again and ready."""
        proc = self.procs[service]
        proc.stop()
        try:
            yield
        finally:
            proc.start()
            self.wait_ready()

    def execute(self, service: str, statement: str, params: dict) -> int:
        """Run one SQL statement on a service's database (a test moving time, e.g. a trial's
        end); answers the rows it changed."""
        return testing.execute_sql(self.databases[service], statement, params)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs.values())

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        if self.sms_server:
            self.sms_server.stop()
        for fake in self.fakes.values():
            fake.stop()
        for url in self.databases.values():
            testing.drop_database(url)
        if self.vhost:
            testing.delete_vhost(self.vhost)
        if self.redis_prefix:
            testing.delete_redis_prefix(redis.Redis.from_url(testing.REDIS_URL), self.redis_prefix)
