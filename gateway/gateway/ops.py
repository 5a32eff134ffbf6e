"""What operators and Kubernetes need: request ids, HTTP metrics, /healthz, /readyz, /metrics.

These routes are plain Flask routes, hidden from the OpenAPI document: they are not the product's API.
"""

from __future__ import annotations

import logging
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from apiflask import APIFlask
from flask import Response, current_app, g, request
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from crmkit import context as ctx

HTTP_REQUESTS = Counter(
    "crm_http_requests_total", "HTTP requests answered by the gateway", ["endpoint", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "crm_http_request_seconds",
    "HTTP request latency in the gateway",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
log = logging.getLogger("gateway.access")
REQUEST_ID_HEADER = "X-Request-Id"
# A client-sent id goes into our logs and peers' metadata: keep it short and printable.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNTRACKED = {"ops.metrics", "ops.healthz", "ops.readyz"}


def start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _VALID_REQUEST_ID.match(incoming) else ctx.new_request_id()
    # ServiceClient reads the contextvar to forward it; JSON logs read it too.
    g.request_id_token = ctx.request_id.set(request_id)
    g.request_id = request_id
    g.started = time.perf_counter()


def finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or ""
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    if request.endpoint not in UNTRACKED:
        elapsed = time.perf_counter() - g.started if "started" in g else 0.0
        HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(endpoint, request.method).observe(elapsed)
        _access_line(response.status_code, elapsed * 1000)
    return response


def _access_line(status: int, duration_ms: float) -> None:
    """Errors and slow requests always; the rest sampled (the counts are in the metrics above).
    The JSON formatter adds the request id."""
    cfg = current_app.extensions.get("gateway")
    rate = cfg.access_log_sample_rate if cfg is not None else 1.0
    always = status >= 400 or (cfg is not None and duration_ms >= cfg.access_log_slow_ms)
    if not always and (rate <= 0.0 or random.random() >= rate):
        return
    extra = {"status": status, "duration_ms": round(duration_ms, 1)}
    if not always:
        extra["sample_rate"] = rate  # one line stands for 1/rate requests like it
    log.info("%s %s %s", request.method, request.path, status, extra=extra)


def end_request(_exc) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        ctx.request_id.reset(token)


def _check_peer(client, timeout: float) -> str | None:
    try:
        reply = health_pb2_grpc.HealthStub(client.channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
    except grpc.RpcError as exc:
        return exc.code().name
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return None


def install(app: APIFlask) -> None:
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)

    @app.get("/healthz", endpoint="ops.healthz")
    @app.doc(hide=True)
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", endpoint="ops.readyz")
    @app.doc(hide=True)
    def readyz():
        cfg = app.extensions["gateway"]
        checks: dict[str, str] = {}
        # Peers are probed in parallel: the whole answer must fit the kubelet's probe timeout.
        with ThreadPoolExecutor(max_workers=len(cfg.peers)) as pool:
            futures = {name: pool.submit(_check_peer, c, cfg.ready_check_timeout) for name, c in cfg.peers.items()}
            try:
                cfg.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:  # any Redis client error means "not ready", whatever its class
                checks["redis"] = type(exc).__name__
            for name, future in futures.items():
                checks[name] = future.result() or "ok"
        down = sorted(name for name, state in checks.items() if state != "ok")
        body = {"status": "unavailable" if down else "ok", "down": down, "checks": checks}
        return body, 503 if down else 200

    @app.get("/metrics", endpoint="ops.metrics")
    @app.doc(hide=True)
    def metrics():
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
