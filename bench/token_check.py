"""`python -m bench.token_check`: what checking revoked sessions adds to verifying a token.

Verifies the same staff access token N times (BENCH_TOKEN_CALLS, default 20,000) without and
with the revocation check (one Redis GET on REDIS_URL, default the local server) and prints the
CPU (process time) and wall time per call of each, and the difference. The CPU figure is what the
check costs the gateway and every service per request; the wall figure adds the Redis round trip.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import redis

from crmkit.auth import STAFF, TokenIssuer, TokenVerifier, generate_keypair
from crmkit.revocation import RevokedSessions


def _measure(verifier: TokenVerifier, token: str, calls: int) -> tuple[float, float]:
    for _ in range(200):  # warm-up: connection, caches
        verifier.verify(token)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        verifier.verify(token)
    return (time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls


def main() -> None:
    calls = int(os.environ.get("BENCH_TOKEN_CALLS", "20000"))
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    private, public = generate_keypair()
    token = TokenIssuer(private).issue(
        kind=STAFF,
        subject_id="s1",
        tenant_id="t1",
        roles=["salesperson"],
        permissions=["change_price"],
        store_ids=["st1"],
        session_id="bench-session",
        ttl=timedelta(minutes=15),
    )[0]
    client = redis.Redis.from_url(url, decode_responses=True)
    prefix = f"bench-token-{os.getpid()}:"
    try:
        plain_cpu, plain_wall = _measure(TokenVerifier(public), token, calls)
        checked = TokenVerifier(public, revoked=RevokedSessions(client, prefix))
        checked_cpu, checked_wall = _measure(checked, token, calls)
    finally:
        client.close()
    print(f"token verification, {calls} calls each (load average {os.getloadavg()[0]:.1f})")
    print(f"  signature only        CPU {plain_cpu * 1e6:7.1f} µs/call   wall {plain_wall * 1e6:7.1f} µs/call")
    print(f"  + revocation check    CPU {checked_cpu * 1e6:7.1f} µs/call   wall {checked_wall * 1e6:7.1f} µs/call")
    print(
        f"  the check adds        CPU {(checked_cpu - plain_cpu) * 1e6:7.1f} µs/call   "
        f"wall {(checked_wall - plain_wall) * 1e6:7.1f} µs/call"
    )


if __name__ == "__main__":
    main()
