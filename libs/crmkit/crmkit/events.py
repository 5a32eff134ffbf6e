"""The event envelope every service publishes and consumes.

Body on the wire (JSON): event_id, type, source, tenant_id, occurred_at, data, request_id.
Exchange `<source>.events` (topic, durable), routing key = type: what nameko's
`@event_handler("<source>", "<type>")` listens to.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    tenant_id: str
    data: dict[str, Any]
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_id: str | None = None

    @property
    def exchange(self) -> str:
        return f"{self.source}.events"

    def to_message(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "source": self.source,
            "tenant_id": self.tenant_id,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
            "request_id": self.request_id,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_message(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_message(cls, body: dict[str, Any] | str | bytes) -> Event:
        if isinstance(body, str | bytes):
            body = json.loads(body)
        return cls(
            type=body["type"],
            source=body["source"],
            tenant_id=body["tenant_id"],
            data=body.get("data") or {},
            event_id=body["event_id"],
            occurred_at=datetime.fromisoformat(body["occurred_at"]),
            request_id=body.get("request_id"),
        )
