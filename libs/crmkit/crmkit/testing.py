"""Helpers for tests that need real servers: a fresh PostgreSQL database, a fresh RabbitMQ
vhost, a Redis key prefix. Each creates only what it will drop again."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg

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
