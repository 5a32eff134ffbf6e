"""gRPC clients: one channel per peer, created once; every call has a deadline; only methods the
proto marks idempotent are retried (by gRPC's own retry policy, on UNAVAILABLE).

Calls are balanced over every replica of the peer: the address is resolved by DNS
(`dns:///host:port`; in Kubernetes a headless Service answers with every ready pod's address)
and the channel keeps a connection to each, picking them in turn (`round_robin`). gRPC's default
(`pick_first`) would send every call of a process down one HTTP/2 connection to one pod, however
many replicas run. New replicas are found when the channel resolves again: servers end each
connection after a while (crmkit.grpc_server) so clients do."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.descriptor_pb2 import MethodOptions

from crmkit import context as ctx
from crmkit.grpc_errors import from_rpc_error

# A read changes nothing; an idempotent write leaves the same state however often it arrives.
_RETRYABLE = (MethodOptions.NO_SIDE_EFFECTS, MethodOptions.IDEMPOTENT)


def idempotent_methods(full_name: str) -> list[str]:
    """The service's methods whose proto says `option idempotency_level = NO_SIDE_EFFECTS` or
    `IDEMPOTENT`: the contract, not each caller, says which calls a retry cannot repeat. The
    generated module must be imported (the stub's module imports it)."""
    service = descriptor_pool.Default().FindServiceByName(full_name)
    return [m.name for m in service.methods if m.GetOptions().idempotency_level in _RETRYABLE]


# Target schemes gRPC resolves itself; anything else ("host:port") is a DNS name.
_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:")


def channel_target(address: str) -> str:
    """`host:port` as an explicit DNS target, so every address the name resolves to is a
    replica to balance over; a target that names its scheme (`ipv4:a:1,b:2`, `unix:...`) is
    kept as written."""
    return address if address.startswith(_SCHEMES) else f"dns:///{address}"


def _service_config(full_name: str, idempotent: Iterable[str]) -> str:
    methods = [{"service": full_name, "method": m} for m in idempotent]
    # round_robin: one subchannel per resolved address, calls spread over the ready ones.
    config: dict = {"loadBalancingConfig": [{"round_robin": {}}], "methodConfig": []}
    if methods:
        config["methodConfig"].append(
            {
                "name": methods,
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        )
    return json.dumps(config)


class ServiceClient:
    """Wraps a generated stub: `client.call("GetCustomer", request)`.

    The caller's token (or this client's service token), the request id and what is left of the
    caller's own deadline travel with every call; errors come back as DomainError.
    """

    def __init__(
        self,
        address: str,
        stub_class,
        full_name: str,
        *,
        timeout: float = 5.0,
        service_token: str | None = None,
    ):
        self.address = address
        self.full_name = full_name
        self.timeout = timeout
        self.service_token = service_token
        self.channel = grpc.insecure_channel(
            channel_target(address),
            options=[
                ("grpc.enable_retries", 1),
                ("grpc.service_config", _service_config(full_name, idempotent_methods(full_name))),
                ("grpc.keepalive_time_ms", 30000),
                # Proof images (B4) travel up to 5 MB each way; gRPC's default is 4 MB.
                ("grpc.max_send_message_length", 8 * 1024 * 1024),
                ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            ],
        )
        self.stub = stub_class(self.channel)

    def _metadata_and_budget(self, timeout, token, tenant_id, as_service, client_address=None):
        bearer = self.service_token if as_service else (token or ctx.access_token.get())
        metadata = [("x-request-id", ctx.request_id.get() or ctx.new_request_id())]
        if bearer:
            metadata.append(("authorization", f"Bearer {bearer}"))
        if tenant_id:
            metadata.append(("x-tenant-id", tenant_id))
        if client_address:
            # Believed by the callee only with a service token (crmkit.grpc_server).
            metadata.append((ctx.CLIENT_ADDRESS_HEADER, client_address))
        budget = timeout or self.timeout
        caller_deadline = ctx.deadline.get()
        if caller_deadline is not None:
            budget = max(0.001, min(budget, caller_deadline - time.monotonic()))
        return metadata, budget

    def call(
        self,
        method: str,
        request,
        *,
        timeout: float | None = None,
        token: str | None = None,
        tenant_id: str | None = None,
        as_service: bool = False,
        client_address: str | None = None,
    ):
        """`client_address`: the end client's address, sent when calling as a service on their
        behalf (the gateway's public login and sign-up calls), for the callee's per-source limits."""
        metadata, budget = self._metadata_and_budget(timeout, token, tenant_id, as_service, client_address)
        try:
            return getattr(self.stub, method)(request, timeout=budget, metadata=metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    def stream(
        self,
        method: str,
        request,
        *,
        timeout: float | None = None,
        token: str | None = None,
        tenant_id: str | None = None,
        as_service: bool = False,
    ) -> Iterator:
        """A server-streaming call: yields each message. An error the server raises mid-stream
        (or a deadline over the whole stream) comes back as DomainError from the iteration, not
        as a raw grpc.RpcError, like `call`. Never retried: a stream may have been half read."""
        metadata, budget = self._metadata_and_budget(timeout, token, tenant_id, as_service)
        responses = getattr(self.stub, method)(request, timeout=budget, metadata=metadata)
        try:
            yield from responses
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            # A consumer that stops early must not leave the server producing into a dead call.
            responses.cancel()

    def upload(
        self,
        method: str,
        requests: Iterable,
        *,
        timeout: float | None = None,
        token: str | None = None,
    ):
        """A client-streaming call (a file sent in chunks, each under the message limit): one
        answer, errors as DomainError like `call`. Never retried: the iterator is used up."""
        metadata, budget = self._metadata_and_budget(timeout, token, None, False)
        try:
            return getattr(self.stub, method)(iter(requests), timeout=budget, metadata=metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    def close(self) -> None:
        self.channel.close()
