"""What one tenant's document numbering allows: `python -m bench.counter` (docs/capacity.md).

Every order of a tenant draws its number from one counter row per (tenant, prefix, China day),
an upsert committed on its own (orders/service/numbers.py, ADR 0005). The row stays locked from
the upsert until its commit, which waits for the WAL flush, so one tenant's numbers are handed
out one after another however many servers ask: the tenant's ceiling is one upsert-and-commit
at a time. This measures it with the real `allocate_number` on a database of its own, from 1
and from `BENCH_COUNTER_THREADS` threads (default 8) on one tenant, and from as many threads
each on its own tenant (no shared row) for comparison; then the row alone, without our Python:
pgbench running the same upsert from 1 and from as many clients. `BENCH_SECONDS` (default 5)
per figure.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from crmkit import testing
from crmkit.db import normalize_url
from orders.models import CounterRow
from orders.service import numbers
from orders.service.numbers import allocate_number


def numbers_per_second(engine, tenants: list[str], *, seconds: float) -> float:
    """Numbers drawn per second by one thread per entry of `tenants` (repeats share a row)."""
    stop_at = time.monotonic() + seconds
    counts = [0] * len(tenants)
    now = datetime.now(UTC)

    def draw(i: int) -> None:
        with Session(engine) as session:
            while time.monotonic() < stop_at:
                allocate_number(session, tenants[i], "XS", now)
                counts[i] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=draw, args=(i,)) for i in range(len(tenants))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


# The upsert of orders/service/numbers.py, for pgbench: one tenant's counter row for a day.
UPSERT = (
    "INSERT INTO number_counters (id, tenant_id, prefix, day, last_seq, created_at) "
    "VALUES (gen_random_uuid()::text, 'bench-tenant', 'XS', '20261205', 1, now()) "
    "ON CONFLICT (tenant_id, prefix, day) DO UPDATE SET last_seq = number_counters.last_seq + 1 "
    "RETURNING last_seq;\n"
)


def pgbench_upserts(url: str, *, clients: int, seconds: float) -> float:
    """Upserts per second on one counter row by pgbench's `clients` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(UPSERT)
        script.flush()
        out = subprocess.run(
            ["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", str(min(clients, 4))]
            + ["-T", str(max(1, int(seconds))), url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if not match:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(match.group(1))


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "5"))
    threads = int(os.environ.get("BENCH_COUNTER_THREADS", "8"))
    url = testing.create_database("bench_counter")
    engine = create_engine(normalize_url(url))
    try:
        CounterRow.__table__.create(engine)
        # The counters' own engine with a connection for every thread and none opened later:
        # the figure is the row's ceiling, not connection set-up's (a churning pool's).
        numbers._COUNTER_ENGINES[engine] = create_engine(
            normalize_url(url), pool_size=threads + 1, max_overflow=0, pool_pre_ping=False
        )
        one = str(uuid.uuid4())
        print(f"bench.counter: {seconds:.0f} s per figure, load average {os.getloadavg()[0]:.1f}")
        serial = numbers_per_second(engine, [one], seconds=seconds)
        print(f"{'one tenant, 1 thread (numbers/s)':<48}{serial:>12.0f}")
        shared = numbers_per_second(engine, [one] * threads, seconds=seconds)
        print(f"{f'one tenant, {threads} threads (numbers/s)':<48}{shared:>12.0f}")
        apart = numbers_per_second(engine, [str(uuid.uuid4()) for _ in range(threads)], seconds=seconds)
        print(f"{f'{threads} tenants, a thread each (numbers/s)':<48}{apart:>12.0f}")
        for clients in (1, threads):
            rate = pgbench_upserts(url, clients=clients, seconds=seconds)
            print(f"{f'the row alone, pgbench {clients} client(s) (upserts/s)':<48}{rate:>12.0f}")
    finally:
        counters = numbers._COUNTER_ENGINES.pop(engine, None)
        if counters is not None:
            counters.dispose()
        engine.dispose()
        testing.drop_database(url)


if __name__ == "__main__":
    main()
