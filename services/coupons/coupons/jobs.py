"""Scheduled jobs of the coupons service (Kubernetes CronJobs; tests run them with --now to move
time without sleeping):

    python -m coupons.jobs remind-expiring [--now ISO]      E5: holders told N days before expiry
    python -m coupons.jobs release-instalments [--now ISO]  E7: recharge gifts due by now, each once
    python -m coupons.jobs release-unplaced [--now ISO]     E4: coupons of orders never placed, back

The events they write go out through the outbox: the coupons server's relay publishes them."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from coupons.models import Outbox, ProcessedEvent
from coupons.orders_peer import GrpcOrders
from coupons.service.coupons_reminders import remind_expiring
from coupons.service.coupons_stock import ClaimStock
from coupons.service.recharge import release_due
from coupons.service.redemption import release_unplaced
from crmkit.db import Database, utcnow
from crmkit.log import configure_logging
from crmkit.redis_client import Keys, make_redis
from crmkit.settings import Settings

SERVICE = "coupons"


def parse_now(text: str | None) -> datetime:
    if not text:
        return utcnow()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a time zone, e.g. 2026-01-05T08:00:00+00:00")
    return value.astimezone(UTC)


def _run(job: str, db: Database, settings: Settings, now: datetime) -> dict:
    if job == "remind-expiring":
        return {"reminded": remind_expiring(db.uow, now)}
    if job == "release-unplaced":
        settings.require("service_token")
        orders = GrpcOrders(settings.peer("orders"), settings.service_token)
        try:
            return asdict(release_unplaced(db, orders, now=now))
        finally:
            orders.close()
    # Released gift coupons draw on the servers' claim counters (E2), so this job needs Redis.
    settings.require("redis_url")
    redis = make_redis(settings.redis_url)
    try:
        return {"released": release_due(db, ClaimStock(redis, Keys(settings.redis_prefix, SERVICE)), now=now)}
    finally:
        redis.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coupons.jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    for name, help_text in (
        ("remind-expiring", "notify holders N days before their coupons expire, each coupon once (E5)"),
        ("release-instalments", "release recharge gifts due by now, each once (E7)"),
        ("release-unplaced", "give back coupons redeemed on orders that were never placed (E4)"),
    ):
        job = sub.add_parser(name, help=help_text)
        job.add_argument("--now", help="ISO time with zone to run as (tests, replays); default: the clock")
    args = parser.parse_args(argv)
    try:
        now = parse_now(args.now)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(f"--now: {exc}")
    settings = Settings.from_env(SERVICE).require("database_url")
    configure_logging(f"{SERVICE}-jobs", settings.log_level)
    db = Database(settings.database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent, pool_size=2)
    try:
        result = _run(args.job, db, settings, now)
    finally:
        db.dispose()
    print(json.dumps({"job": args.job, "now": now.isoformat(), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
