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


def redis_evalsha_ops(*, clients: int, seconds: int, holders: int = 100_000, url: str = testing.REDIS_URL) -> float:
    """EVALSHA ops/s of this Redis server running the coupons' real claim script (RESERVE:
    GET stock, HGET holder, DECR, HINCRBY) on its success path, as each issued claim does, with
    `clients` connections. Keys live under a bench-only prefix, deleted afterwards."""
    from coupons.service.coupons_stock import RESERVE

    client = redis.Redis.from_url(url)
    prefix = f"bench-p2-{uuid.uuid4().hex[:8]}:"
    stock, held, loaded = f"{prefix}stock", f"{prefix}held", f"{prefix}held-loaded"
    try:
        sha = client.script_load(RESERVE)
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
        out = subprocess.run(
            ["redis-benchmark", *server, "-c", str(clients), "-n", str(requests_total)]
            + ["-r", str(holders), "--csv", "EVALSHA", sha, "3", stock, held, loaded, "p:__rand_int__", str(10**9)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        client.delete(stock, held, loaded)
        client.close()
    return parse_redis_benchmark_csv(out)
