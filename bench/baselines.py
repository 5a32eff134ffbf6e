"""Baselines measured in the same run on the same machine, so our figures have a yardstick."""

from __future__ import annotations

import re
import subprocess

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
