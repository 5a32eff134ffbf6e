"""The measured figures: each returns a closed-loop load result against a running cluster."""

from __future__ import annotations

import json
import uuid

from bench import keepalive
from bench.load import LoadResult, run_load
from bench.tenant import BenchTenant


def registrations(t: BenchTenant, *, clients: int, seconds: float, run_digit: int) -> LoadResult:
    """P0: a salesperson registers customers (gateway -> customers -> PostgreSQL + outbox ->
    RabbitMQ -> messaging worker)."""
    headers = {"Authorization": f"Bearer {t.sales_token}"}

    def send(session, n: int) -> bool:
        # Unique per run, thread and request: 15 + run + thread (2) + count (6).
        number = f"15{run_digit}{n // 1_000_000:02d}{n % 1_000_000:06d}"
        resp = session.post(
            f"{t.base}/api/v1/customers",
            timeout=30,
            json={"name": f"客户{n}", "phone": number},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        return resp.status_code == 201

    return run_load(send, clients=clients, seconds=seconds)


def orders(t: BenchTenant, *, clients: int, seconds: float, rate: float | None = None) -> LoadResult:
    """P1: a salesperson places 5-line orders (gateway -> orders -> customers over gRPC for the
    customer and visibility -> PostgreSQL: price tracking, numbering, lines, outbox). Closed
    loop with `clients` keep-alive connections, or open loop at `rate` orders a second on up to
    `clients` (bench.keepalive: one event loop, so the generator's CPU stays small)."""
    headers = {"Authorization": f"Bearer {t.sales_token}"}
    lines = [{"product_id": p, "quantity": 1 + i} for i, p in enumerate(t.product_ids[:5])]

    def build(authority: str, n: int) -> bytes:
        body = json.dumps({"customer_id": t.customer_ids[n % len(t.customer_ids)], "lines": lines}).encode()
        return keepalive.json_post(authority, "/api/v1/orders", body, {**headers, "Idempotency-Key": uuid.uuid4().hex})

    return keepalive.run(t.base, build, ok_status=201, clients=clients, seconds=seconds, rate=rate)
