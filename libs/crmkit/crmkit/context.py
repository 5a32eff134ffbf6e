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
# The address of the person at the other end (per-source limits of identity): the one a service
# caller (the gateway) vouches for in `x-client-ip`, else the gRPC peer's own address.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
CLIENT_ADDRESS_HEADER = "x-client-ip"


def peer_host(peer: str | None) -> str:
    """'ipv4:10.0.0.7:51234' / 'ipv6:[::1]:51234' (grpc's peer()) -> '10.0.0.7' / '::1'."""
    if not peer:
        return "unknown"
    kind, _, rest = peer.partition(":")
    if kind == "ipv6":
        return rest.rpartition("]")[0].lstrip("[") or rest
    if kind == "ipv4":
        return rest.rpartition(":")[0] or rest
    return kind  # unix sockets and the like: one local source


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id.get()
