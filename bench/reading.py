"""P7: readers' reading beats through the gateway, beside a trivial gateway endpoint (D2, ADR 0017).

Readers open a shared article (the gateway renders the page, marketing starts a view), then
every client sends beats for its readers as fast as answers come back. The gateway answers a
beat once it is queued in Redis; marketing's drainer applies them in batches. Besides the rate
and latency the client sees, the bench reports how long the drainer took to empty the queue
after the load stopped (a drainer that cannot keep up shows a long tail here) and the marketing
database's committed transactions per beat (PostgreSQL's own count: batches, not one each).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench import keepalive
from bench.load import LoadResult
from bench.tenant import BenchTenant
from crmkit.reading_beats import BeatStream

READERS = 200


@dataclass(frozen=True)
class Reader:
    view_id: str
    visitor_key: str


@dataclass(frozen=True)
class P7:
    trivial: LoadResult
    beats: LoadResult
    queued: int
    drain_seconds: float  # after the load stopped, until the queue was empty
    transactions: int  # committed in the marketing database during the beats and their draining


def open_readers(t: BenchTenant, count: int = READERS) -> list[Reader]:
    owner = {"Authorization": f"Bearer {t.owner_token}"}
    sales = {"Authorization": f"Bearer {t.sales_token}"}
    article = requests.post(
        f"{t.base}/api/v1/articles", headers=owner, timeout=10, json={"title": "压测文章", "body_html": "<p>正文</p>"}
    ).json()
    requests.put(f"{t.base}/api/v1/articles/{article['id']}/active", headers=owner, json={"active": True}, timeout=10)
    share = requests.post(f"{t.base}/api/v1/articles/{article['id']}/shares", headers=sales, json={}, timeout=10)
    url = share.json()["url"]
    readers = []
    for _ in range(count):
        page = requests.get(url, timeout=10).text
        found = dict(re.findall(r'data-(view|visitor)="([^"]*)"', page))
        readers.append(Reader(found["view"], found["visitor"]))
    return readers


def trivial(t: BenchTenant, *, clients: int, seconds: float) -> LoadResult:
    """The cheapest answer the gateway gives: its liveness probe (no Redis, no service)."""

    def build(authority: str, n: int) -> bytes:
        return keepalive.request(authority, "GET", "/healthz")

    return keepalive.run(t.base, build, ok_status=200, clients=clients, seconds=seconds)


def beats(t: BenchTenant, readers: list[Reader], *, clients: int, seconds: float) -> LoadResult:
    """Each request one beat of one reader, their visible seconds growing as a page's would."""

    def build(authority: str, n: int) -> bytes:
        reader = readers[n % len(readers)]
        body = {"visitor_key": reader.visitor_key, "seconds": (n // len(readers)) % 7200, "clicks": 0}
        return keepalive.request(authority, "POST", f"/api/v1/public/views/{reader.view_id}/beats", body=body)

    return keepalive.run(t.base, build, ok_status=202, clients=clients, seconds=seconds)


def wait_drained(redis_url: str, prefix: str, *, limit: float = 120.0) -> float:
    """Seconds until marketing's drainers have emptied the queue."""
    stream = BeatStream(redis.Redis.from_url(redis_url), prefix)
    started = time.monotonic()
    while stream.backlog() and time.monotonic() - started < limit:
        time.sleep(0.05)
    return time.monotonic() - started


def committed(database_url: str) -> int:
    """Transactions committed in the marketing database so far (PostgreSQL's statistics, which a
    backend reports within about a second of committing)."""
    time.sleep(1.5)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def run(t: BenchTenant, *, redis_url: str, prefix: str, database_url: str, clients: int, seconds: float) -> P7:
    readers = open_readers(t)
    beats(t, readers, clients=clients, seconds=2)  # warm-up
    wait_drained(redis_url, prefix)
    trivial_result = trivial(t, clients=clients, seconds=seconds)
    before = committed(database_url)
    beat_result = beats(t, readers, clients=clients, seconds=seconds)
    drain = wait_drained(redis_url, prefix)
    return P7(trivial_result, beat_result, beat_result.ok, drain, committed(database_url) - before)
