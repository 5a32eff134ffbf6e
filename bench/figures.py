"""The measured figures: each returns a closed-loop load result against a running cluster."""

from __future__ import annotations

import uuid

from bench import keepalive
from bench.load import LoadResult
from bench.tenant import BenchTenant


def registrations(t: BenchTenant, *, clients: int, seconds: float, run_digit: int) -> LoadResult:
    """P0: a salesperson registers customers (gateway -> customers -> PostgreSQL + outbox ->
    RabbitMQ -> messaging worker)."""
    headers = {"Authorization": f"Bearer {t.sales_token}"}

    def build(authority: str, n: int) -> bytes:
        # Unique per run and request: 15 + run + count (8).
        body = {"name": f"客户{n}", "phone": f"15{run_digit}{n:08d}"}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return keepalive.request(authority, "POST", "/api/v1/customers", body=body, headers={**headers, **key})

    return keepalive.run(t.base, build, ok_status=201, clients=clients, seconds=seconds)


def orders(t: BenchTenant, *, clients: int, seconds: float, rate: float | None = None) -> LoadResult:
    """P1: a salesperson places 5-line orders (gateway -> orders -> customers over gRPC for the
    customer and visibility -> PostgreSQL: price tracking, numbering, lines, outbox). Closed
    loop with `clients` keep-alive connections, or open loop at `rate` orders a second on up to
    `clients`."""
    headers = {"Authorization": f"Bearer {t.sales_token}"}
    lines = [{"product_id": p, "quantity": 1 + i} for i, p in enumerate(t.product_ids[:5])]

    def build(authority: str, n: int) -> bytes:
        body = {"customer_id": t.customer_ids[n % len(t.customer_ids)], "lines": lines}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return keepalive.request(authority, "POST", "/api/v1/orders", body=body, headers={**headers, **key})

    return keepalive.run(t.base, build, ok_status=201, clients=clients, seconds=seconds, rate=rate)
