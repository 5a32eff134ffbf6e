"""Helpers for tests that need real servers: a fresh PostgreSQL database, a fresh RabbitMQ
vhost, a Redis key prefix, a peer service as its own process. Each creates only what it will
drop again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pika
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT_URL_BASE = os.environ.get("TEST_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _database_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def create_database(prefix: str = "crm_test") -> str:
    name = unique_name(prefix)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _database_url(name)


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_vhost(prefix: str = "crm_test") -> tuple[str, str]:
    """(vhost name, AMQP URL) of a new vhost the guest user may use."""
    name = unique_name(prefix)
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True, capture_output=True
    )
    return name, f"{RABBIT_URL_BASE}/{name}"


def delete_vhost(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, capture_output=True)


def delete_redis_prefix(redis_client, prefix: str) -> None:
    keys = list(redis_client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, log: Callable[[], str] = lambda: ""):
    """Poll until `predicate()` is truthy and return its value (events cross brokers and
    processes asynchronously); fail naming what never happened, with the process log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log()}")


def execute_sql(url: str, statement: str, params: dict) -> int:
    """Run one statement (named `:params`) on a service's database, PostgreSQL or SQLite; answers
    the rows it changed. Aware times are bound as the service stores them (UTCDateTime)."""
    from sqlalchemy import create_engine, text

    from crmkit.db import normalize_url

    engine = create_engine(normalize_url(url))
    if engine.dialect.name == "sqlite":
        params = {
            k: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for k, v in params.items()
        }
    try:
        with engine.begin() as conn:
            return conn.execute(text(statement), params).rowcount
    finally:
        engine.dispose()


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def service_process(service: str, env: Mapping[str, str], log_path: Path, *, timeout: float = 60) -> Iterator[str]:
    """Another service as a peer in one service's tests, run as a cluster runs it and met only
    through its proto: `python -m <service>.migrate`, then `python -m <service>.server` on a free
    port with `env` (DATABASE_URL, JWT_PUBLIC_KEY, ...), until it answers gRPC health. Yields its
    address; stops it afterwards. Nothing of the peer is imported (issue 12, item 4)."""
    port = free_port()
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **env, "GRPC_PORT": str(port)}
    subprocess.run([sys.executable, "-m", f"{service}.migrate"], env=full, check=True, capture_output=True, timeout=120)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", f"{service}.server"], env=full, stdout=log, stderr=log)
    address = f"127.0.0.1:{port}"
    try:
        wait_for(
            lambda: proc.poll() is not None or _serving(address),
            timeout=timeout,
            what=f"{service} serving on {address}",
            log=lambda: log_path.read_text(errors="replace")[-4000:],
        )
        if proc.poll() is not None:
            raise AssertionError(f"{service} exited early\n{log_path.read_text(errors='replace')[-4000:]}")
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


def publish_event(amqp_url: str, evt) -> None:
    """`evt` (a crmkit.events.Event) published to its topic exchange as a service's relay would,
    with the broker's confirm; `mandatory`, so a worker whose queue is not bound yet fails the
    test loudly instead of the event vanishing. For tests of real worker processes."""
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        publish_on(conn.channel(), evt)
    finally:
        conn.close()


def publish_on(channel, evt) -> None:
    """publish_event on a channel the test keeps (one that must outlive a broker restart)."""
    channel.confirm_delivery()
    channel.exchange_declare(evt.exchange, exchange_type="topic", durable=True)
    channel.basic_publish(
        exchange=evt.exchange,
        routing_key=evt.type,
        body=evt.to_json(),
        properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
        mandatory=True,
    )
