"""The event envelope every service publishes and consumes.

Body on the wire (JSON): event_id, type, source, tenant_id, occurred_at, data, request_id.
Exchange `<source>.events` (topic, durable), routing key = type: what nameko's
`@event_handler("<source>", "<type>")` listens to.

What a service publishes is listed once, in its `events.py`: an `EventCatalogue` and one
payload builder per event type. `UnitOfWork.publish` takes only what such a builder made
(`Outgoing`), so the catalogue is the whole list of what the service can put on the wire.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ParamSpec

P = ParamSpec("P")


@dataclass(frozen=True)
class Outgoing:
    """An event built by its service's catalogue, not yet enveloped (tenant, id, time)."""

    source: str
    type: str
    data: dict[str, Any]


class EventCatalogue:
    """The events one service publishes, each type once with the function building its payload.

    `@catalogue.publishes("order_submitted")` on `def order_submitted(view) -> dict` registers
    the type and makes the function return an `Outgoing` of that type.
    """

    def __init__(self, source: str):
        self.source = source
        self._builders: dict[str, Callable[..., Outgoing]] = {}

    def publishes(self, type: str) -> Callable[[Callable[P, dict[str, Any]]], Callable[P, Outgoing]]:
        def register(build: Callable[P, dict[str, Any]]) -> Callable[P, Outgoing]:
            if type in self._builders:
                raise ValueError(f"{self.source}.{type} is declared twice")

            @functools.wraps(build)
            def built(*args: P.args, **kwargs: P.kwargs) -> Outgoing:
                return Outgoing(self.source, type, build(*args, **kwargs))

            self._builders[type] = built
            return built

        return register

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self._builders)

    @property
    def builders(self) -> Mapping[str, Callable[..., Outgoing]]:
        return dict(self._builders)


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

    def envelope(self) -> Envelope:
        return Envelope(self.source, self.type, self.event_id, self.to_json())

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


@dataclass(frozen=True)
class Envelope:
    """An event as a publisher puts it on the wire: its routing and its body already encoded
    (the outbox row's payload as written), so the relay publishes a row without decoding it and
    encoding it again (issue 16)."""

    source: str
    type: str
    event_id: str
    body: bytes

    @property
    def exchange(self) -> str:
        return f"{self.source}.events"
