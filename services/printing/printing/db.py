"""The printing database handle, shared by server.py and its tests."""

from __future__ import annotations

from crmkit.db import DEFAULT_POOL_SIZE, Database

from .models import Outbox, ProcessedEvent


def database(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Database:
    return Database(url, service="printing", outbox=Outbox, processed=ProcessedEvent, pool_size=pool_size)
