"""gRPC server bootstrap: health, reflection, metrics and the one interceptor that every call
goes through (request id, token -> Actor, deadline, domain error -> status, metrics, logs)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy.exc import OperationalError

from crmkit import context as ctx
from crmkit.auth import Actor, AuthFailure, TokenVerifier, current_actor
from crmkit.errors import DomainError, PermissionDenied, Unavailable
from crmkit.grpc_errors import to_status
from crmkit.metrics import GRPC_LATENCY, GRPC_REQUESTS
from crmkit.settings import DEFAULT_GRPC_WORKERS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceRegistration:
    """A servicer and how to add it: (add_XServicer_to_server, servicer, full service name)."""

    add_to_server: Callable[[object, grpc.Server], None]
    servicer: object
    full_name: str
    # The methods a shop customer's token may call (B6); each checks the customer itself. Every
    # other method sees a customer token as no actor at all (PermissionDenied when it needs one).
    customer_methods: frozenset[str] = frozenset()

    def customer_paths(self) -> set[str]:
        return {f"/{self.full_name}/{method}" for method in self.customer_methods}


def customer_refused() -> PermissionDenied:
    return PermissionDenied("STAFF_ONLY", "error.staff_only")


class ContextInterceptor(grpc.ServerInterceptor):
    def __init__(self, service: str, verifier: TokenVerifier | None, customer_paths: Iterable[str] = ()):
        self.service = service
        self.verifier = verifier
        # "/crm.orders.v1.StorefrontService/PlaceOrder": where a customer token is an actor.
        self.customer_paths = frozenset(customer_paths)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or not (handler.unary_unary or handler.unary_stream or handler.stream_unary):
            return handler
        method = handler_call_details.method.rsplit("/", 1)[-1]
        customers = handler_call_details.method in self.customer_paths
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap(handler.unary_unary, method, customers),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            # An upload in chunks (marketing's materials, D6): the behaviour reads the request
            # iterator itself, so the unary wrapper serves it unchanged.
            return grpc.stream_unary_rpc_method_handler(
                self._wrap(handler.stream_unary, method, customers),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return grpc.unary_stream_rpc_method_handler(
            self._wrap_stream(handler.unary_stream, method, customers),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _enter(self, grpc_context, customers: bool) -> list:
        md = dict(grpc_context.invocation_metadata())
        tokens = [ctx.request_id.set(md.get("x-request-id") or ctx.new_request_id())]
        remaining = grpc_context.time_remaining()
        tokens.append(ctx.deadline.set(time.monotonic() + remaining if remaining is not None else None))
        auth = md.get("authorization", "")
        raw = auth[7:] if auth.lower().startswith("bearer ") else ""
        tokens.append(ctx.access_token.set(raw or None))
        actor = None
        if raw and self.verifier is not None:
            try:
                actor = self.verifier.verify(raw)
                if actor.is_service and md.get("x-tenant-id"):
                    actor = actor.for_tenant(md["x-tenant-id"])
                if actor.is_customer and not customers:
                    # Staff methods check roles or a staff id, but one that only checks "someone
                    # of the tenant" must not serve a shop's customer: refused here, once for all.
                    raise customer_refused()
            except DomainError as err:
                actor = AuthFailure(err)
        tokens.append(ctx.client_address.set(self._client_address(md, actor, grpc_context)))
        tokens.append(current_actor.set(actor))
        return tokens

    @staticmethod
    def _client_address(md: dict, actor, grpc_context) -> str:
        """Only a caller holding a service token may say whom it calls for: anyone else could
        name a new address per request and escape identity's per-source limits."""
        vouched = md.get(ctx.CLIENT_ADDRESS_HEADER)
        if vouched and isinstance(actor, Actor) and actor.is_service:
            return vouched
        return ctx.peer_host(grpc_context.peer())

    @staticmethod
    def _exit(tokens: list) -> None:
        actor_token = tokens.pop()
        current_actor.reset(actor_token)
        ctx.client_address.reset(tokens.pop())
        ctx.access_token.reset(tokens.pop())
        ctx.deadline.reset(tokens.pop())
        ctx.request_id.reset(tokens.pop())

    def _fail(self, grpc_context, err: DomainError) -> None:
        grpc_context.abort_with_status(to_status(err, self.service))

    def _wrap(self, behavior, method: str, customers: bool):
        def wrapped(request, grpc_context):
            tokens = self._enter(grpc_context, customers)
            start = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return behavior(request, grpc_context)
            except DomainError as err:
                code = err.grpc_status
                self._fail(grpc_context, err)
            except Exception as exc:
                # abort_with_status raises to unwind; let gRPC's own exceptions through.
                if type(exc).__name__ == "_AbortionError" or isinstance(exc, grpc.RpcError):
                    code = grpc_context.code() or grpc.StatusCode.UNKNOWN
                    raise
                if isinstance(exc, OperationalError):
                    # The database refused or dropped the connection (restarting, out of
                    # connections, locked): the caller may retry, as with a peer that is down.
                    log.warning("database unavailable in %s: %s", method, exc.orig or exc)
                    err = Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")
                    code = err.grpc_status
                    self._fail(grpc_context, err)
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s", method)
                grpc_context.abort(grpc.StatusCode.INTERNAL, "internal error")
            finally:
                GRPC_REQUESTS.labels(self.service, method, code.name).inc()
                GRPC_LATENCY.labels(self.service, method).observe(time.perf_counter() - start)
                self._exit(tokens)

        return wrapped

    def _wrap_stream(self, behavior, method: str, customers: bool):
        def wrapped(request, grpc_context):
            tokens = self._enter(grpc_context, customers)
            code = grpc.StatusCode.OK
            try:
                yield from behavior(request, grpc_context)
            except DomainError as err:
                code = err.grpc_status
                self._fail(grpc_context, err)
            finally:
                GRPC_REQUESTS.labels(self.service, method, code.name).inc()
                self._exit(tokens)

        return wrapped


# How long a client connection lives before the server asks the client to reconnect (GOAWAY).
MAX_CONNECTION_AGE_MS = 5 * 60 * 1000


def build_server(
    service: str,
    registrations: Iterable[ServiceRegistration],
    *,
    verifier: TokenVerifier | None,
    port: int,
    host: str = "0.0.0.0",
    max_workers: int = DEFAULT_GRPC_WORKERS,
) -> tuple[grpc.Server, int, health.HealthServicer]:
    registrations = list(registrations)
    customer_paths = set().union(*(reg.customer_paths() for reg in registrations))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"grpc-{service}"),
        interceptors=[ContextInterceptor(service, verifier, customer_paths)],
        options=[
            ("grpc.so_reuseport", 0),
            # 8 MB in: a 5 MB proof image (B4) plus its envelope exceeds gRPC's 4 MB default.
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            # Clients balance over the addresses they resolved (crmkit.grpc_client); a replica
            # added later is only found when they resolve again. Ending every connection after
            # a few minutes (calls in flight get the grace to finish) makes them re-resolve.
            ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
            ("grpc.max_connection_age_grace_ms", 30_000),
        ],
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [reflection.SERVICE_NAME, health.SERVICE_NAME]
    for reg in registrations:
        reg.add_to_server(reg.servicer, server)
        names.append(reg.full_name)
    reflection.enable_server_reflection(names, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"cannot bind gRPC port {port}")
    for name in ["", *names[2:]]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound, health_servicer


def run_until_signalled(
    server: grpc.Server,
    health_servicer: health.HealthServicer,
    on_stop: Callable[[], None] | None = None,
    grace: float = 10.0,
) -> None:
    """Serve until SIGTERM/SIGINT; report NOT_SERVING first so Kubernetes drains the pod."""
    stopped = threading.Event()

    def _stop(signum, _frame):
        log.info("signal %s: shutting down", signum)
        health_servicer.enter_graceful_shutdown()
        server.stop(grace).wait()
        if on_stop:
            on_stop()
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.start()
    stopped.wait()
