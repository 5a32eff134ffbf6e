"""Scheduled jobs of the coupons service: `python -m coupons.jobs release-instalments [--now ISO]`.

A real process (a Kubernetes CronJob runs it; tests run it with --now to move time without
sleeping). The events it writes go out through the outbox: the service's relay publishes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from coupons.models import Outbox, ProcessedEvent
from coupons.service.recharge import release_due
from crmkit.db import Database, utcnow
from crmkit.log import configure_logging
from crmkit.settings import Settings

SERVICE = "coupons"


def parse_now(text: str | None) -> datetime:
    if not text:
        return utcnow()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a time zone, e.g. 2026-01-05T08:00:00+00:00")
    return value.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coupons.jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    release = sub.add_parser("release-instalments", help="release recharge gifts due by now, each once (E7)")
    release.add_argument("--now", help="ISO time with zone to run as (tests, replays); default: the clock")
    args = parser.parse_args(argv)
    try:
        now = parse_now(args.now)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(f"--now: {exc}")
    settings = Settings.from_env(SERVICE).require("database_url")
    configure_logging(f"{SERVICE}-jobs", settings.log_level)
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent, pool_size=2)
    try:
        released = release_due(db, now=now)
    finally:
        db.dispose()
    print(json.dumps({"job": "release-instalments", "now": now.isoformat(), "released": released}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
