"""P2: coupon claims per second through the gateway's public claim API, with many concurrent
clients (1,000 by default): at the peak (closed loop: each client claims again once answered)
and at a fixed rate (open loop: claims due at that rate whether or not answers came back, each
timed from when it was due).

The load generator is one asyncio event loop speaking just enough HTTP/1.1 itself: a thousand OS
threads with `requests` would spend the two cores on the client. Each claim is a different
person (a distinct phone number, the per-person limit is 1), so each claim opens its own
connection and closes it (`Connection: close`), as a thousand phones would. (It also kept every
client in play under waitress, which served at most 100 connections at once; the gateway's
gunicorn worker holds HTTP_CONNECTIONS, 2,000 by default, in epoll: issue 16.)
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from bench.load import LoadResult, Pacer
from bench.tenant import BenchTenant

# Large enough that a run never sells out: the stock check (DECR) is on every claim's path, as
# in a real campaign, while every answer is an issued coupon.
TOTAL_QUANTITY = 10_000_000
REQUEST_TIMEOUT = 60.0


@dataclass
class ClaimResult(LoadResult):
    sold_out: int = 0
    peak_clients: int = 0  # the most requests in flight at once
    window: float = 0.0  # the measurement window; `seconds` adds the drain of the last answers
    busy_in_window: float = 0.0  # request time summed over all clients, within the window

    @property
    def mean_clients(self) -> float:
        """Requests in flight on average during the window (time spent waiting for answers /
        window): how many clients were really concurrent, not just started."""
        return self.busy_in_window / self.window if self.window else 0.0


def create_template(t: BenchTenant) -> dict:
    """A cash coupon with a public claim link, one per phone number, made by the owner."""
    resp = requests.post(
        f"{t.base}/api/v1/coupon-templates",
        headers={"Authorization": f"Bearer {t.owner_token}"},
        timeout=10,
        json={
            "name": "压测领券",
            "kind": "cash",
            "value_fen": 500,
            "valid_days": 30,
            "total_quantity": TOTAL_QUANTITY,
            "per_person_limit": 1,
        },
    )
    if resp.status_code != 201:
        raise RuntimeError(f"cannot create the bench coupon template: {resp.status_code} {resp.text}")
    return resp.json()


def claimed_count(t: BenchTenant, template_id: str, *, expected: int = 0, wait_seconds: float = 60.0) -> int:
    """Coupons the coupons service recorded as claimed for the template (its stats). Claims are
    written behind their answers by the claim writer (ADR 0021): wait up to `wait_seconds` for
    the count to reach `expected` (every 201 answered)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        resp = requests.get(
            f"{t.base}/api/v1/coupon-templates/{template_id}/stats",
            headers={"Authorization": f"Bearer {t.owner_token}"},
            timeout=30,
        )
        resp.raise_for_status()
        count = resp.json()["claimed"]
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.5)


def wait_recorded(t: BenchTenant, template_id: str, answered: int, *, quiet: float = 10.0, limit: float = 120.0):
    """(coupons recorded, seconds it took) once the record holds every 201 answer, or has not
    grown for `quiet` seconds, or after `limit`: a claim may be answered before its coupon row is
    written (a batch writer behind the Redis decision), so the count is read when it settles."""
    started = time.monotonic()
    last, last_change = -1, started
    while True:
        recorded = claimed_count(t, template_id)
        now = time.monotonic()
        if recorded != last:
            last, last_change = recorded, now
        if recorded >= answered or now - last_change >= quiet or now - started >= limit:
            return recorded, now - started
        time.sleep(0.5)


def phone_for(run_digit: int, n: int) -> str:
    """The n-th distinct mainland mobile number of a run (1[3-9] and nine digits)."""
    if not 3 <= run_digit <= 9 or not 0 <= n < 10**9:
        raise ValueError("run_digit 3..9, n below 10**9")
    return f"1{run_digit}{n:09d}"


def claim_request(host: str, path: str, phone: str) -> bytes:
    body = json.dumps({"phone": phone}).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def parse_head(head: bytes) -> tuple[int, int | None]:
    """(status, Content-Length or None) of an HTTP/1.1 response head ending in a blank line."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0]!r}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return int(parts[1]), length


async def _post(host: str, port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        status, length = parse_head(await reader.readuntil(b"\r\n\r\n"))
        body = await reader.readexactly(length) if length is not None else await reader.read()
        return status, body
    finally:
        writer.close()


# Outcome of one claim for the counts.
OK, SOLD_OUT, FAILED = "ok", "sold_out", "failed"


def outcome(status: int, body: bytes) -> str:
    if status == 201:
        return OK
    if status == 409 and b"COUPON_SOLD_OUT" in body:
        return SOLD_OUT
    return FAILED


async def _run(url: str, *, clients: int, seconds: float, run_digit: int, rate: float | None = None) -> ClaimResult:
    """Closed loop (`rate` None): every client claims again as soon as it has its answer. Open
    loop: claims are due at `rate` a second (bench.load.Schedule), each sent by a free client
    when due and timed from then; at most `clients` are in flight."""
    parts = urlsplit(url)
    host, port, path = parts.hostname, parts.port or 80, parts.path
    pacer = Pacer(asyncio.get_running_loop(), seconds, rate)
    loop = pacer.loop
    latencies: list[float] = []
    counts = {OK: 0, SOLD_OUT: 0, FAILED: 0}
    state = {"in_flight": 0, "peak": 0, "busy": 0.0}

    async def client() -> None:
        while (claim := pacer.take()) is not None:
            n, due = claim
            await pacer.wait(due)
            raw = claim_request(f"{host}:{port}", path, phone_for(run_digit, n))
            state["in_flight"] += 1
            state["peak"] = max(state["peak"], state["in_flight"])
            sent = loop.time()
            try:
                result = outcome(*await asyncio.wait_for(_post(host, port, raw), REQUEST_TIMEOUT))
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                result = FAILED
            # From when it was due: a claim that waited for a free client waited for the system.
            latencies.append(loop.time() - due)
            state["busy"] += max(0.0, min(loop.time(), pacer.window_end) - max(sent, pacer.window_start))
            state["in_flight"] -= 1
            counts[result] += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.monotonic() - started
    return ClaimResult(
        ok=counts[OK],
        failed=counts[FAILED],
        seconds=elapsed,
        latencies=latencies,
        target_rate=rate or 0.0,
        issued=pacer.issued,
        late=pacer.late,
        sold_out=counts[SOLD_OUT],
        peak_clients=state["peak"],
        window=seconds,
        busy_in_window=state["busy"],
    )


def claims(claim_url: str, *, clients: int, seconds: float, run_digit: int, rate: float | None = None) -> ClaimResult:
    """P2: `clients` concurrent claimers, each claim a new phone number of run `run_digit` (3..9,
    distinct per run so no number claims twice), against the full URL of a template's public
    claim path. Closed loop, or open loop at `rate` claims a second."""
    return asyncio.run(_run(claim_url, clients=clients, seconds=seconds, run_digit=run_digit, rate=rate))
