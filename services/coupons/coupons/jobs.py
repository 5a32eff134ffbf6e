"""`python -m coupons.jobs remind-expiring [--now ISO]`: scheduled jobs (a CronJob in a cluster).
Events leave through the outbox, published by the coupons server's relay."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from coupons.models import Outbox, ProcessedEvent
from coupons.service.coupons_reminders import remind_expiring
from crmkit.db import Database, utcnow
from crmkit.settings import env


def _now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coupons.jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    remind = sub.add_parser("remind-expiring", help="E5: notify holders N days before their coupons expire")
    remind.add_argument("--now", help="ISO time to run as (default: now)")
    args = parser.parse_args(argv)
    db = Database(env("DATABASE_URL", required=True), service="coupons", outbox=Outbox, processed=ProcessedEvent)
    try:
        count = remind_expiring(db.uow, _now(args.now))
        print(f"remind-expiring: {count} coupon(s) reminded")
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
