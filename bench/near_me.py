"""C5 "near me" over 100,000 customers of one tenant (plus as many of another) on PostgreSQL:
`python -m bench.near_me`. Runs the use case itself (what the gRPC method runs), p50/p95.

Customers are spread over a 60 km square around central Shanghai (about city density); each
query asks for the 20 nearest within 3 km of a random point, as a manager (the whole tenant:
the largest candidate set) and as a salesperson holding 1/50 of the customers.
Environment: BENCH_NEAR_CUSTOMERS (default 100000), BENCH_NEAR_QUERIES (default 300).
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert

from crmkit import testing
from crmkit.auth import Actor
from crmkit.db import Database
from customers import migrate
from customers.models import CustomerRow, Outbox, ProcessedEvent
from customers.service.nearby import nearby_customers

CENTRE = (31.2304, 121.4737)
SPAN_DEG = 0.27  # about 30 km each way
SELLERS = 50


def _fill(db: Database, tenant: str, count: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "tenant_id": tenant,
                "created_at": now,
                "name": f"客户{i}",
                "phone": f"1{rng.randrange(3, 10)}{i:09d}",
                "owner_staff_id": f"s-{i % SELLERS}",
                "store_id": "store-1",
                "fields": {},
                "registered_by_staff_id": f"s-{i % SELLERS}",
                "level": "",
                "region": "",
                "latitude": CENTRE[0] + rng.uniform(-SPAN_DEG, SPAN_DEG),
                "longitude": CENTRE[1] + rng.uniform(-SPAN_DEG, SPAN_DEG),
                "locked": False,
            }
        )
        if len(rows) == 5000:
            with db.engine.begin() as conn:
                conn.execute(insert(CustomerRow), rows)
            rows = []
    if rows:
        with db.engine.begin() as conn:
            conn.execute(insert(CustomerRow), rows)


def _measure(db: Database, actor: Actor, queries: int, rng: random.Random) -> tuple[float, float, float]:
    timings, found = [], []
    for _ in range(queries):
        lat = CENTRE[0] + rng.uniform(-SPAN_DEG, SPAN_DEG)
        lng = CENTRE[1] + rng.uniform(-SPAN_DEG, SPAN_DEG)
        started = time.perf_counter()
        result = nearby_customers(db.uow(), actor, lat, lng, 3000, 20)
        timings.append(time.perf_counter() - started)
        found.append(len(result))
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return statistics.median(timings) * 1000, p95 * 1000, statistics.mean(found)


def main() -> None:
    count = int(os.environ.get("BENCH_NEAR_CUSTOMERS", "100000"))
    queries = int(os.environ.get("BENCH_NEAR_QUERIES", "300"))
    rng = random.Random(5)
    url = testing.create_database("bench_near_me")
    db = None
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        db = Database(url, service="customers", outbox=Outbox, processed=ProcessedEvent)
        started = time.perf_counter()
        _fill(db, "t-bench", count, rng)
        _fill(db, "t-other", count, rng)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE customers")
        print(f"near me: {count} customers per tenant, 2 tenants, loaded in {time.perf_counter() - started:.1f} s")
        manager = Actor(kind="staff", subject_id="m-1", tenant_id="t-bench", roles=frozenset({"store_manager"}))
        seller = Actor(kind="staff", subject_id="s-7", tenant_id="t-bench", roles=frozenset({"salesperson"}))
        for label, actor in (("manager (whole tenant)", manager), ("salesperson (own)", seller)):
            _measure(db, actor, 20, rng)  # warm-up
            p50, p95, mean_found = _measure(db, actor, queries, rng)
            print(f"  {label:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   found {mean_found:5.1f} on average")
    finally:
        if db is not None:
            db.dispose()
        testing.drop_database(url)


if __name__ == "__main__":
    main()
