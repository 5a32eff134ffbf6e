"""What a service says about itself, once: `services/<name>/<name>/declaration.py` holds one
`Declaration`, registered under the `crm.services` entry point group of its pyproject.toml.

The embedded launcher, the test cluster, the gateway's peers, the Makefile, the test runner and
the chart's values are derived from these (ADR 0012); nothing else lists the services.

Code is named, not imported ("orders.server:build"): reading every declaration (the chart
renderer, the test runner's check) imports no service code, and a service's own modules may read
its declaration without an import cycle.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from crmkit.settings import DEFAULT_GRPC_WORKERS, Settings

ENTRY_POINT_GROUP = "crm.services"
# One lowercase word: the folder, the package, the <NAME>_ADDR variable and the chart's keys.
NAME = re.compile(r"^[a-z][a-z0-9]*$")


def resolve(reference: str) -> Any:
    """ "package.module:attribute" -> the object."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Resources:
    """Kubernetes requests and memory limit. No CPU limit on purpose (see the chart's values)."""

    cpu: str = "100m"
    memory: str = "192Mi"
    memory_limit: str = "384Mi"


@dataclass(frozen=True)
class Variable:
    """An environment variable the service reads beyond those every process gets (DATABASE_URL,
    AMQP_URL, REDIS_URL, JWT_PUBLIC_KEY, SERVICE_TOKEN, <PEER>_ADDR...). `doc` is printed above it
    in the chart's values."""

    name: str
    doc: str = ""
    # The chart's plain value; ignored when `secret` names the (Secret, key) it comes from.
    default: str = ""
    secret: tuple[str, str] | None = None
    # A provider's credential the service runs without (WeChat, S3, FeieYun): a missing Secret
    # leaves the variable unset instead of keeping the pod from starting.
    optional: bool = False


@dataclass(frozen=True)
class Worker:
    """The service consumes events: a nameko worker process beside its server.

    `wire(settings, environ, db) -> {(source, type): handler(event)}` binds the handlers of its
    subscriptions.py to their ports; the worker process and the embedded bus both call it."""

    wire: str
    doc: str = ""
    # Settings (Settings field names) a worker process cannot run without, checked at its start;
    # the embedded launcher provides its own stand-ins (e.g. an in-process Redis).
    requires: tuple[str, ...] = ()
    replicas: int = 1
    resources: Resources = Resources(cpu="50m", memory="128Mi", memory_limit="256Mi")
    # The chart fixes each worker process's database pool to this (DATABASE_POOL_SIZE): nameko
    # runs up to ten handlers at once, the rest wait for a connection instead of opening one.
    database_pool: int = 4


@dataclass(frozen=True)
class Job:
    """A scheduled job: `python -m <service>.jobs <name> [--now ISO]`, a CronJob in the chart and
    a timer of the embedded launcher. `run(ctx: crmkit.jobs.JobContext, now) -> dict` answers what
    the command prints; it must be safe to run again."""

    name: str
    run: str
    schedule: str  # cron, UTC
    doc: str = ""
    # Needs the shared Redis (REDIS_URL) / asks these peers with the service token.
    redis: bool = False
    peers: tuple[str, ...] = ()
    deadline_seconds: int = 1800
    resources: Resources = Resources(cpu="50m", memory="128Mi", memory_limit="256Mi")


@dataclass(frozen=True)
class Declaration:
    name: str
    grpc_port: int
    doc: str
    # Full names of the gRPC services its server answers (crm.orders.v1.OrdersService, ...).
    grpc_services: tuple[str, ...]
    # `build(settings, **ports) -> crmkit.runtime.ServiceRuntime`.
    build: str
    migrations: Path
    # `ports(environ) -> dict` of build's keyword arguments read from the environment (a file
    # store, an SMS sender...), as main() does from os.environ; the launcher passes the
    # environment it prepared (see `local_env`).
    ports: str | None = None
    # Peers it calls, each with the reason (printed in the chart): <PEER>_ADDR for each.
    peers: Mapping[str, str] = field(default_factory=dict)
    env: tuple[Variable, ...] = ()
    # Receives JWT_PRIVATE_KEY: the one service that issues tokens.
    signs_tokens: bool = False
    # What `make run` and the test cluster set for `env` where no real provider is at hand.
    # Placeholders: {secret:NAME} a random secret (kept under var/ by make run, fresh per test
    # cluster), {folder:NAME} a folder of the run, {fake_sms} the local fake SMS provider's URL,
    # {fake:MODULE} the URL of the stand-in MODULE.serve_fake() starts (e.g. a fake FeieYun),
    # {gateway} the run's own gateway (where a stand-in's callbacks go).
    # When the operator's environment sets any of these variables, it decides them all.
    local_env: Mapping[str, str] = field(default_factory=dict)
    worker: Worker | None = None
    jobs: tuple[Job, ...] = ()
    # Server pods in the chart: `replicas` at least and, scaled by CPU (a HorizontalPodAutoscaler),
    # `max_replicas` at most; the chart checks every replica's connections fit in PostgreSQL's
    # max_connections (docs/capacity.md).
    replicas: int = 2
    max_replicas: int = 4
    resources: Resources = Resources()
    # Each server process's database pool as the chart fixes it (DATABASE_POOL_SIZE, no
    # overflow): threads beyond it wait for a connection rather than open and close one per
    # burst; under the interpreter lock a process has few transactions truly in flight.
    database_pool: int = 8
    # Threads answering its gRPC calls (GRPC_WORKERS overrides): more only where a call holds
    # one while its client reads slowly (a file streamed to a reader).
    grpc_workers: int = DEFAULT_GRPC_WORKERS
    # Connections a server process opens outside that pool (orders' document-number counters
    # have their own engine, orders/service/numbers.py): counted in the chart's arithmetic.
    extra_connections: int = 0

    def __post_init__(self):
        if not NAME.match(self.name):
            raise ValueError(f"service name {self.name!r} must be one lowercase word")
        for job in self.jobs:
            unknown = set(job.peers) - set(self.peers)
            if unknown:
                raise ValueError(f"{self.name} job {job.name} asks {sorted(unknown)}, which are not its peers")

    @property
    def addr_env(self) -> str:
        return addr_env(self.name)

    def settings_from_env(self) -> Settings:
        """A process of this service (server, worker, job): its settings and its peers' addresses."""
        return Settings.from_env(
            self.name, default_grpc_port=self.grpc_port, peers=self.peers, default_grpc_workers=self.grpc_workers
        )

    def open_database(self, url: str, *, pool_size: int | None = None):
        """The service's database handle; `<name>.models` holds its Outbox and ProcessedEvent
        (docs/service-conventions.md). `pool_size`: connections kept, by default those of a
        server process with the default gRPC worker threads (Settings.database_pool_size)."""
        from crmkit.db import DEFAULT_POOL_SIZE, Database

        models = importlib.import_module(f"{self.name}.models")
        return Database(
            url,
            service=self.name,
            outbox=models.Outbox,
            processed=models.ProcessedEvent,
            pool_size=pool_size or DEFAULT_POOL_SIZE,
        )

    def job(self, name: str) -> Job:
        for job in self.jobs:
            if job.name == name:
                return job
        raise KeyError(f"{self.name} has no job {name!r}")


def addr_env(service: str) -> str:
    return f"{service.upper()}_ADDR"


def declarations(names: Iterable[str] | None = None) -> dict[str, Declaration]:
    """Every installed service's declaration, ordered by gRPC port (the embedded launcher numbers
    its ports in this order)."""
    found: dict[str, Declaration] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        declaration = point.load()
        if declaration.name != point.name:
            raise ValueError(f"entry point {point.name} holds the declaration of {declaration.name}")
        found[point.name] = declaration
    if names is not None:
        missing = set(names) - set(found)
        if missing:
            raise LookupError(f"no declaration installed for {sorted(missing)} (make install)")
        found = {name: found[name] for name in names}
    ports: dict[int, str] = {}
    for declaration in found.values():
        if declaration.grpc_port in ports:
            raise ValueError(
                f"{declaration.name} and {ports[declaration.grpc_port]} both declare port {declaration.grpc_port}"
            )
        ports[declaration.grpc_port] = declaration.name
    return dict(sorted(found.items(), key=lambda item: item[1].grpc_port))
