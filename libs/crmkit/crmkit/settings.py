"""Settings from the environment, read once by each composition root.

Why a plain dataclass and not a framework: every process (server, worker, migration job,
gateway, embedded launcher) builds its settings the same way, and a missing required value
must stop startup with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# gRPC worker threads of a server process (GRPC_WORKERS; a service's declaration may set its own),
# and the database connections its pool keeps besides one per thread (the outbox relay's, a
# background loop's). One interpreter runs one thread at a time: threads beyond those that keep
# its core busy while others wait on the network only add GIL hand-offs. Measured (issue 16): a
# trivial call under 16 concurrent clients cost the server 0.24 ms with 32 threads, 0.19 with
# 8, and orders placed through the cluster rose ~9% with a lower p99 at 8.
DEFAULT_GRPC_WORKERS = 8
POOL_RESERVE = 2


class MissingSetting(RuntimeError):
    def __init__(self, name: str):
        super().__init__(f"environment variable {name} is required")
        self.name = name


def env(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise MissingSetting(name)
        return default
    return value


def env_int(name: str, default: int) -> int:
    raw = env(name)
    return int(raw) if raw is not None else default


def env_fraction(name: str, default: float) -> float:
    """A share from 0 to 1 (ACCESS_LOG_SAMPLE_RATE=0.05); anything else stops startup naming it."""
    raw = env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: {raw!r} is not a number from 0 to 1")
    return value


def _read_key(name: str) -> str | None:
    """A PEM key given inline (NAME) or as a file path (NAME_FILE, e.g. a mounted Secret)."""
    inline = env(name)
    if inline:
        return inline.replace("\\n", "\n")
    path = env(f"{name}_FILE")
    if path:
        return Path(path).read_text()
    return None


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str | None = None
    amqp_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "crm:"
    grpc_port: int = 50051
    metrics_port: int = 0  # 0: no standalone metrics HTTP server (embedded mode serves /metrics)
    jwt_public_key: str | None = None
    jwt_private_key: str | None = None
    service_token: str | None = None
    log_level: str = "INFO"
    peers: dict[str, str] = field(default_factory=dict)
    # Threads answering gRPC calls in a server process; its database pool is sized from it.
    grpc_workers: int = DEFAULT_GRPC_WORKERS

    @property
    def database_pool_size(self) -> int:
        """Connections a server process keeps: one per gRPC worker thread, so no call ever waits
        for one or opens one once they are all open, plus the outbox relay's and one for a
        background loop (docs: services/orders/README.md, "Database connections")."""
        return self.grpc_workers + POOL_RESERVE

    @classmethod
    def from_env(
        cls,
        service: str,
        *,
        default_grpc_port: int = 50051,
        peers: Iterable[str] | None = None,
        default_grpc_workers: int = DEFAULT_GRPC_WORKERS,
    ) -> Settings:
        """`peers`: the services this process calls, each found at <NAME>_ADDR (a service passes
        those its declaration names); without them, the names listed in PEERS (the gateway, whose
        deployer lists every declared service there)."""
        names = list(peers) if peers is not None else [p.strip() for p in (env("PEERS") or "").split(",") if p.strip()]
        peers = {name: addr for name in names if (addr := env(f"{name.upper()}_ADDR"))}
        return cls(
            service=service,
            database_url=env("DATABASE_URL"),
            amqp_url=env("AMQP_URL"),
            redis_url=env("REDIS_URL"),
            redis_prefix=env("REDIS_PREFIX", "crm:"),
            grpc_port=env_int("GRPC_PORT", default_grpc_port),
            metrics_port=env_int("METRICS_PORT", 0),
            jwt_public_key=_read_key("JWT_PUBLIC_KEY"),
            jwt_private_key=_read_key("JWT_PRIVATE_KEY"),
            service_token=env("SERVICE_TOKEN"),
            log_level=env("LOG_LEVEL", "INFO"),
            peers=peers,
            grpc_workers=env_int("GRPC_WORKERS", default_grpc_workers),
        )

    def require(self, *names: str) -> Settings:
        """Stop startup when a setting this process cannot run without is missing."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise MissingSetting(name.upper())
        return self

    def peer(self, name: str) -> str:
        try:
            return self.peers[name]
        except KeyError:
            raise MissingSetting(f"{name.upper()}_ADDR") from None
