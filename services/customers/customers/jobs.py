"""Scheduled jobs of the customers service: `python -m customers.jobs pool-sweep [--now ISO]`.

A real process (the Helm CronJob runs it; tests run it with --now to move time without
sleeping). The events it writes go out through the outbox: the service's relay publishes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from crmkit.db import Database, utcnow
from crmkit.log import configure_logging
from crmkit.settings import Settings
from customers.models import Outbox, ProcessedEvent
from customers.service.pool_sweep import sweep_pool

SERVICE = "customers"


def parse_now(text: str | None) -> datetime:
    if not text:
        return utcnow()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a time zone, e.g. 2026-01-05T08:00:00+00:00")
    return value.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customers.jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    sweep = sub.add_parser("pool-sweep", help="return idle customers to the public pool, warn K days before (C3)")
    sweep.add_argument("--now", help="ISO time with zone to run as (tests, replays); default: the clock")
    args = parser.parse_args(argv)
    try:
        now = parse_now(args.now)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(f"--now: {exc}")
    settings = Settings.from_env(SERVICE).require("database_url")
    configure_logging(f"{SERVICE}-jobs", settings.log_level)
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent, pool_size=2)
    try:
        result = sweep_pool(db.uow(), now)
    finally:
        db.dispose()
    print(json.dumps({"job": "pool-sweep", "now": now.isoformat(), **result.__dict__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
