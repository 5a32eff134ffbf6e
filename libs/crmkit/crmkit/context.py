"""Per-request context (request id, actor, deadline) carried in contextvars.

gRPC runs each call in a pool thread; the server interceptor sets these at the start of a call
and resets them at the end, so logs and outgoing calls pick them up without passing them around.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_token: ContextVar[str | None] = ContextVar("access_token", default=None)
# time.monotonic() value by which the current call must be answered (from the caller's deadline).
deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id.get()
