"""A load generator of keep-alive HTTP/1.1 clients on one asyncio event loop (P1).

Each client holds one connection and sends its next request on it once the previous answer is
read, as a salesperson's app does. One event loop speaking just enough HTTP itself costs the
machine a fraction of what a thread per client with `requests` does (about 1.6 ms of CPU per
order, which on two shared cores is taken from the servers being measured). Closed and open loop
as in bench.load: in the open loop a request is timed from when it was due.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from bench.claims import parse_head
from bench.load import LoadResult, Pacer

REQUEST_TIMEOUT = 30.0

# Builds request number n (unique over the run) as the bytes to send, given "host:port".
Build = Callable[[str, int], bytes]


class _Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, raw: bytes) -> int:
        """The response's status; a connection the server closes or answers without a length
        is opened again for the next request."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status, length = parse_head(head)
            if length is None:
                raise ValueError("a response without Content-Length")
            await self.reader.readexactly(length)
            lowered = head.lower()
            # HTTP/1.0 closes after each answer unless it says keep-alive; 1.1 when it says so.
            if b"\r\nconnection: close" in lowered or (
                lowered.startswith(b"http/1.0") and b"\r\nconnection: keep-alive" not in lowered
            ):
                self.close()
            return status
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _run(url: str, build: Build, ok_status: int, *, clients: int, seconds: float, rate: float | None):
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    authority = f"{host}:{port}"
    pacer = Pacer(asyncio.get_running_loop(), seconds, rate)
    loop = pacer.loop
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}

    async def client() -> None:
        conn = _Connection(host, port)
        try:
            while (request := pacer.take()) is not None:
                n, due = request
                await pacer.wait(due)
                try:
                    status = await asyncio.wait_for(conn.exchange(build(authority, n)), REQUEST_TIMEOUT)
                except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                    status = 0
                latencies.append(loop.time() - due)
                counts["ok" if status == ok_status else "failed"] += 1
        finally:
            conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.monotonic() - started
    return LoadResult(
        counts["ok"],
        counts["failed"],
        max(elapsed, seconds) if rate else elapsed,
        latencies,
        target_rate=rate or 0.0,
        issued=pacer.issued,
        late=pacer.late,
    )


def run(
    url: str, build: Build, *, ok_status: int, clients: int, seconds: float, rate: float | None = None
) -> LoadResult:
    """Closed loop (`rate` None): each of `clients` sends its next request once answered, for
    `seconds`. Open loop: requests due at `rate` a second for `seconds`, each sent by a free
    client when due; at most `clients` in flight."""
    return asyncio.run(_run(url, build, ok_status, clients=clients, seconds=seconds, rate=rate))


def request(authority: str, method: str, path: str, *, body=None, headers: dict[str, str] | None = None) -> bytes:
    """One keep-alive request to "host:port": `body` (if any) sent as JSON."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {authority}"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
