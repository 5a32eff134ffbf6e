"""Baselines measured in the same run on the same machine, so our figures have a yardstick."""

from __future__ import annotations

import csv
import re
import subprocess
import uuid

import redis

from crmkit import testing


def pgbench_tps(*, clients: int, seconds: int, scale: int = 10) -> float:
    """TPC-B-like read/write TPS of this PostgreSQL server (a registration also writes)."""
    url = testing.create_database("bench_pgbench")
    try:
        subprocess.run(["pgbench", "-q", "-i", "-s", str(scale), url], check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(seconds), url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        testing.drop_database(url)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if not match:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(match.group(1))


def parse_redis_benchmark_csv(out: str) -> float:
    """Requests per second from `redis-benchmark --csv` output: redis 7 prints a header row
    ("test","rps",...) and one row per test; redis 6 prints rows of ("test","rps") without one.
    One test is run, so its single row is the figure."""
    rows = [r for r in csv.reader(line for line in out.splitlines() if line.strip()) if r]
    if rows and rows[0][:2] == ["test", "rps"]:
        rows = rows[1:]
    if len(rows) != 1 or len(rows[0]) < 2:
        raise RuntimeError(f"cannot read redis-benchmark output:\n{out}")
    try:
        return float(rows[0][1])
    except ValueError:
        raise RuntimeError(f"cannot read redis-benchmark output:\n{out}") from None


# redis-benchmark fills `__rand_int__` with a zero-padded 12-digit number below -r.
def _bench_holder(i: int) -> str:
    return f"p:{i:012d}"


def _sample_claim():
    from datetime import UTC, datetime, timedelta

    from coupons.service.claims_stream import PendingClaim

    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    return PendingClaim(
        id=str(uuid.UUID(int=1)),
        tenant_id=str(uuid.UUID(int=2)),
        template_id=str(uuid.UUID(int=3)),
        template_name="新客立减 10 元",
        holder="p:000000000001",
        phone="13800000001",
        code="000000000001",
        claimed_at=at,
        valid_from=at,
        valid_until=at + timedelta(days=30),
        channel="link",
        request_id=uuid.uuid4().hex,
    )


def _sample_fields(holder: str, code: str) -> list[str]:
    """A real claim's stream entry fields, its holder and code the benchmark's random ones."""
    fields = _sample_claim().fields()
    named = dict(zip(fields[::2], fields[1::2], strict=True))
    named.update(h=holder, c=code)
    return [item for pair in named.items() for item in pair]


def redis_evalsha_ops(*, clients: int, seconds: int, holders: int = 100_000, url: str = testing.REDIS_URL) -> float:
    """EVALSHA ops/s of this Redis server running the coupons' real public-claim script (CLAIM,
    ADR 0021: GET stock, HGET holder, XLEN, DECR, HINCRBY, then the claim queued with XADD and
    its code noted with HSET) on its success path, as each answered claim does, with `clients`
    connections and an entry as large as a real claim's. Keys live under a bench-only prefix,
    deleted afterwards."""
    from coupons.service.coupons_stock import CLAIM

    client = redis.Redis.from_url(url)
    prefix = f"bench-p2-{uuid.uuid4().hex[:8]}:"
    stock, held, loaded = f"{prefix}stock", f"{prefix}held", f"{prefix}held-loaded"
    stream, pending = f"{prefix}claims", f"{prefix}claims-pending"
    try:
        sha = client.script_load(CLAIM)
        # Stock that never runs out and holders already known to Redis (held 0, a limit never
        # reached): every call takes the script's full path, never the "load first" answers.
        client.set(stock, 10**15)
        client.set(loaded, 1)
        pipe = client.pipeline(transaction=False)
        for start in range(0, holders, 5_000):
            pipe.hset(held, mapping={_bench_holder(i): 0 for i in range(start, min(holders, start + 5_000))})
        pipe.execute()
        conn = client.connection_pool.connection_kwargs
        server = ["-h", str(conn.get("host", "127.0.0.1")), "-p", str(conn.get("port", 6379))]
        server += ["--dbnum", str(conn.get("db", 0))]
        # redis-benchmark counts requests, not time: about `seconds` at this machine's ~40-55k ops/s.
        requests_total = max(50_000, 40_000 * seconds)
        holder, code = "p:__rand_int__", "__rand_int__"
        # ARGV: holder, per-person limit, most unwritten claims allowed (never reached here),
        # code, tenant, then the stream entry's fields.
        fields = _sample_fields(holder, code)
        tenant = fields[fields.index("t") + 1]
        args = [holder, str(10**9), str(10**9), code, tenant, *fields]
        out = subprocess.run(
            ["redis-benchmark", *server, "-c", str(clients), "-n", str(requests_total), "-r", str(holders), "--csv"]
            + ["EVALSHA", sha, "5", stock, held, loaded, stream, pending, *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        client.delete(stock, held, loaded, stream, pending)
        client.close()
    return parse_redis_benchmark_csv(out)
