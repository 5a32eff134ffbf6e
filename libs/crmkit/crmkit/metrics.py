"""Prometheus metrics every process exposes (H5). One registry per process; in the embedded
mode all services share it, told apart by the `service` label."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

GRPC_REQUESTS = Counter("crm_grpc_requests_total", "gRPC calls handled", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "crm_grpc_request_seconds",
    "gRPC call latency",
    ["service", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("crm_events_published_total", "Events published by the outbox relay", ["service", "type"])
EVENTS_PUBLISH_FAILED = Counter("crm_events_publish_failed_total", "Outbox relay publish failures", ["service"])
OUTBOX_LAG = Gauge("crm_outbox_lag_seconds", "Age of the oldest unpublished outbox event", ["service"])
OUTBOX_PENDING = Gauge("crm_outbox_pending", "Unpublished outbox events", ["service"])
EVENTS_CONSUMED = Counter("crm_events_consumed_total", "Events handled", ["service", "type", "outcome"])


def serve_metrics(port: int) -> None:
    """Standalone /metrics for server and worker processes (the gateway mounts its own)."""
    if port:
        start_http_server(port)
