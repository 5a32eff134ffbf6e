"""P3: segments over a large read model, and a "near me" bounding box, on PostgreSQL.

On a database of its own (customers migrations applied), loads BENCH_P3_CUSTOMERS customers
(default 1,000,000) spread over BENCH_P3_TENANTS tenants (default 10, i.e. 100,000 each) and
BENCH_P3_LINES order-line rows of the buying-behaviour read model (default 10,000,000; about
four lines per order: 3 orders, so 3,000,000 purchase days), all with generate_series in the server.
Then times, through the use case (customers.service.segment_members.evaluate_segment: count + first
page), the segment "sleeping members (no purchase in 30 days) who spent more than X in the
last 365 days" over one tenant, BENCH_P3_RUNS times (default 30), p50/p95 (goal p95 < 300 ms);
and a "near me" bounding box (nearest 20 within ~2 km) over that tenant's customers.

    python -m bench.p3_segments            # own pgbench baseline
    BENCH_P3_CUSTOMERS=20000 BENCH_P3_LINES=200000 python -m bench.p3_segments   # small
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from crmkit import testing
from crmkit.auth import STAFF, Actor
from crmkit.db import Database
from crmkit.paging import Page
from customers import migrate
from customers.domain.segments import SegmentFilter
from customers.models import CustomerRow, Outbox, ProcessedEvent, PurchaseDayRow, PurchaseLineRow
from customers.service.segment_members import evaluate_segment

GOAL_P95 = 0.300
LINES_PER_ORDER = 4
DAYS_SPAN = 730
# The centre of the "near me" box (Shanghai, People's Square) and its half-size in degrees.
CENTRE = (31.2304, 121.4737)
BOX = 0.02


@dataclass(frozen=True)
class P3Result:
    customers: int
    lines: int
    purchase_days: int
    tenants: int
    tenant_customers: int
    load_seconds: float
    members: int
    segment: list[float]
    near: list[float]
    near_found: int

    @staticmethod
    def pct(samples: list[float], p: float) -> float:
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _load(db: Database, customers: int, lines: int, tenants: int) -> int:
    """Customers, order lines and purchase days straight from generate_series (no ORM rows).
    Indexes are dropped during the load and rebuilt after: one sort per index instead of
    millions of page splits. Returns the numbers of order-line and purchase-day rows."""
    per_customer = max(1, lines // customers)
    orders = -(-per_customer // LINES_PER_ORDER)
    tables = (PurchaseLineRow.__table__, PurchaseDayRow.__table__)
    with db.engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for table in tables:
            for index in table.indexes:
                index.drop(conn)
            conn.execute(text(f"ALTER TABLE {table.name} DROP CONSTRAINT {table.name}_pkey"))
        for index in CustomerRow.__table__.indexes:
            if index.name.startswith("ix_customers_tenant_"):
                index.drop(conn)
        # Customer i: tenant i % T; order g (0..orders-1) on day offset (i*31 + g*97) % 730 before
        # today; its last order is the smallest offset. Locations scattered over ~50 x 50 km.
        offsets = ", ".join(f"(i * 31 + {g * 97}) % {DAYS_SPAN}" for g in range(orders))
        conn.execute(
            text(f"""
            INSERT INTO customers (id, tenant_id, created_at, name, phone, owner_staff_id, store_id, fields,
                                   registered_by_staff_id, level, region, latitude, longitude,
                                   last_order_at, locked)
            SELECT 'c' || lpad(i::text, 10, '0'), 'bench-t' || (i % :tenants),
                   now() - interval '800 days' + (i % 50) * interval '1 day',
                   '客户' || i, '1' || lpad(i::text, 10, '0'), 'staff-' || (i % 40), 'store-1', '{{}}',
                   'staff-' || (i % 40), (ARRAY['', 'A', 'B', 'VIP'])[1 + i % 4],
                   (310101 + i % 18)::text,
                   {CENTRE[0]} - 0.25 + random() * 0.5, {CENTRE[1]} - 0.25 + random() * 0.5,
                   date_trunc('day', now()) - least({offsets}) * interval '1 day' + interval '10 hours',
                   false
            FROM generate_series(0::bigint, :n - 1) AS i
            """),
            {"n": customers, "tenants": tenants},
        )
        # Line k of customer i: product (i + 13k) % 2000 (distinct per customer), in order k / 4.
        conn.execute(
            text(f"""
            INSERT INTO customer_purchase_lines (tenant_id, customer_id, product_id, day, brand, quantity, amount_fen)
            SELECT 'bench-t' || (i % :tenants), 'c' || lpad(i::text, 10, '0'),
                   'p' || ((i + 13 * k) % 2000),
                   current_date - ((i * 31 + (k / {LINES_PER_ORDER}) * 97) % {DAYS_SPAN})::int,
                   'brand' || ((i + 13 * k) % 2000 % 60), 1 + (i + k) % 5, 1000 + ((i * 7919 + k * 104729) % 30000)
            FROM generate_series(0::bigint, :n - 1) AS i, generate_series(0, :per - 1) AS k
            """),
            {"n": customers, "tenants": tenants, "per": per_customer},
        )
        conn.execute(
            text("""
            INSERT INTO customer_purchase_days (tenant_id, customer_id, day, order_count, amount_fen)
            SELECT tenant_id, customer_id, day, 1, sum(amount_fen)
            FROM customer_purchase_lines GROUP BY tenant_id, customer_id, day
            """)
        )
        for table in tables:
            keys = ", ".join(c.name for c in table.primary_key.columns)
            conn.execute(text(f"ALTER TABLE {table.name} ADD CONSTRAINT {table.name}_pkey PRIMARY KEY ({keys})"))
            for index in table.indexes:
                index.create(conn)
        for index in CustomerRow.__table__.indexes:
            if index.name.startswith("ix_customers_tenant_"):
                index.create(conn)
        days = conn.scalar(select(func.count()).select_from(PurchaseDayRow))
        loaded = conn.scalar(select(func.count()).select_from(PurchaseLineRow))
    # The visibility map lets the period aggregate read the covering index only.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE customers, customer_purchase_lines, customer_purchase_days"))
    return loaded, days


def _near_me(db: Database, tenant: str) -> tuple[float, int]:
    lat, lng = CENTRE
    c = CustomerRow
    distance = (c.latitude - lat) * (c.latitude - lat) + (c.longitude - lng) * (c.longitude - lng)
    stmt = (
        select(c.id, c.name, c.phone, c.latitude, c.longitude)
        .where(
            c.tenant_id == tenant,
            c.latitude.between(lat - BOX, lat + BOX),
            c.longitude.between(lng - BOX, lng + BOX),
        )
        .order_by(distance)
        .limit(20)
    )
    start = time.perf_counter()
    with db.uow() as uow:
        rows = uow.session.execute(stmt).all()
    return time.perf_counter() - start, len(rows)


def run(*, customers: int | None = None, lines: int | None = None) -> P3Result:
    customers = customers or _env("BENCH_P3_CUSTOMERS", 1_000_000)
    lines = lines or _env("BENCH_P3_LINES", 10 * customers)
    tenants = _env("BENCH_P3_TENANTS", 10)
    runs = _env("BENCH_P3_RUNS", 30)
    # BENCH_P3_DATABASE_URL reuses a database loaded before (kept with BENCH_P3_KEEP=1).
    reuse = os.environ.get("BENCH_P3_DATABASE_URL", "")
    keep = reuse or os.environ.get("BENCH_P3_KEEP") == "1"
    url = reuse or testing.create_database("bench_p3")
    db = Database(url, service="customers", outbox=Outbox, processed=ProcessedEvent)
    try:
        start = time.perf_counter()
        if reuse:
            with db.engine.connect() as conn:
                customers = conn.scalar(select(func.count()).select_from(CustomerRow))
                lines = conn.scalar(select(func.count()).select_from(PurchaseLineRow))
                days = conn.scalar(select(func.count()).select_from(PurchaseDayRow))
        else:
            migrate.upgrade(migrate.MIGRATIONS, url)
            lines, days = _load(db, customers, lines, tenants)
        load_seconds = time.perf_counter() - start
        tenant = "bench-t0"
        manager = Actor(kind=STAFF, subject_id="bench-manager", tenant_id=tenant, roles=frozenset({"owner"}))
        # X: roughly the top tenth of a year's spend (lines average ~16,000 fen; ~5 a year).
        f = SegmentFilter(no_purchase_days=30, min_amount_fen=100_000, period_days=365)
        now = datetime.now(UTC)
        timings, members = [], 0
        for i in range(runs + 3):
            t0 = time.perf_counter()
            result = evaluate_segment(db.uow(), manager, Page(1, 20), filter=f, as_of=now)
            if i >= 3:  # the first runs warm the cache
                timings.append(time.perf_counter() - t0)
            members = result.total
        near = [_near_me(db, tenant) for _ in range(runs + 3)][3:]
        with db.uow() as uow:
            tenant_customers = uow.session.scalar(
                select(func.count()).select_from(CustomerRow).where(CustomerRow.tenant_id == tenant)
            )
        return P3Result(
            customers=customers,
            lines=lines,
            purchase_days=days,
            tenants=tenants,
            tenant_customers=tenant_customers,
            load_seconds=load_seconds,
            members=members,
            segment=timings,
            near=[t for t, _ in near],
            near_found=near[-1][1],
        )
    finally:
        db.dispose()
        if keep:
            print(f"P3 database kept: {url}")
        else:
            testing.drop_database(url)


def report(result: P3Result, tps: float | None, row) -> None:
    row("P3 customers / order lines loaded", f"{result.customers:,} / {result.lines:,}")
    row("P3 purchase-day rows / load seconds", f"{result.purchase_days:,} / {result.load_seconds:.0f}")
    row("P3 tenant evaluated (customers)", f"{result.tenant_customers:,}")
    row("P3 sleeping & spend > X: members", f"{result.members:,}")
    row("P3 sleeping & spend > X p50 (ms)", f"{statistics.median(result.segment) * 1000:.1f}")
    row("P3 sleeping & spend > X p95 (ms)", f"{P3Result.pct(result.segment, 95) * 1000:.1f}")
    row("P3 near me (bbox, 20 nearest) p50 (ms)", f"{statistics.median(result.near) * 1000:.1f}")
    row("P3 near me (bbox, 20 nearest) p95 (ms)", f"{P3Result.pct(result.near, 95) * 1000:.1f}")
    if tps is not None:
        row("pgbench TPS (same run)", f"{tps:.1f}")
    met = P3Result.pct(result.segment, 95) < GOAL_P95
    print("P3 goal: segment p95 < 300 ms -", "met" if met else "NOT met")


def main() -> None:
    from bench.baselines import pgbench_tps

    seconds = int(os.environ.get("BENCH_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_CLIENTS", "16"))
    tps = pgbench_tps(clients=clients, seconds=seconds)
    result = run()

    def row(label: str, value: str) -> None:
        print(f"{label:<48}{value:>24}")

    report(result, tps, row)


if __name__ == "__main__":
    main()
