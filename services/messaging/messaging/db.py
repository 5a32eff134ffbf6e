"""The messaging database handle, shared by server.py and worker.py."""

from __future__ import annotations

from crmkit.db import DEFAULT_POOL_SIZE, Database

from .models import Outbox, ProcessedEvent


def database(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Database:
    return Database(url, service="messaging", outbox=Outbox, processed=ProcessedEvent, pool_size=pool_size)
