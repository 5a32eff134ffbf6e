"""Scheduled jobs, run the same way everywhere: `python -m <service>.jobs <job> [--now ISO]` (a
CronJob, or a test moving time without sleeping) and the embedded launcher's timer both call the
job's `run(ctx, now)` named in the service's declaration. The events a job writes leave through
the service's outbox, published by its server's relay."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crmkit.db import Database, utcnow
from crmkit.declaration import Declaration, Job, resolve
from crmkit.settings import Settings

NOW_HELP = "ISO time with zone to run as (tests, replays); default: the clock"


def parse_now(text: str | None) -> datetime:
    """--now: an aware ISO time, in UTC; none given, the clock. A time without a zone is refused:
    a job run at the wrong hour would count days wrongly without a word."""
    if not text:
        return utcnow()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a time zone, e.g. 2026-01-05T08:00:00+00:00")
    return value.astimezone(UTC)


def report(job: str, now: datetime, result: Mapping[str, Any]) -> str:
    """The one line a job prints: what it did, and the time it ran as."""
    return json.dumps({"job": job, "now": now.isoformat(), **result})


@dataclass
class JobContext:
    """What a job runs against: the service's database and settings (its peers' addresses, the
    service token), and Redis when the job declares it needs it."""

    settings: Settings
    db: Database
    _redis: Any = None
    _closers: list = field(default_factory=list)

    @property
    def redis(self):
        if self._redis is None:
            from crmkit.redis_client import make_redis

            self._redis = make_redis(self.settings.redis_url)
            self._closers.append(self._redis.close)
        return self._redis

    def close(self) -> None:
        for close in self._closers:
            close()


def check(job: Job, settings: Settings) -> None:
    """Stop before doing anything when the job lacks what it declared it needs."""
    if job.redis:
        settings.require("redis_url")
    if job.peers:
        settings.require("service_token")
        for peer in job.peers:
            settings.peer(peer)


def run(job: Job, ctx: JobContext, now: datetime) -> dict:
    return resolve(job.run)(ctx, now)


def main(declaration: Declaration, argv: list[str] | None = None) -> int:
    """`python -m <service>.jobs`: one subcommand per declared job."""
    from crmkit.log import configure_logging

    parser = argparse.ArgumentParser(prog=f"python -m {declaration.name}.jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    for job in declaration.jobs:
        sub.add_parser(job.name, help=job.doc).add_argument("--now", help=NOW_HELP)
    args = parser.parse_args(argv)
    try:
        now = parse_now(args.now)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(f"--now: {exc}")
    job = declaration.job(args.job)
    settings = declaration.settings_from_env().require("database_url")
    check(job, settings)
    configure_logging(f"{declaration.name}-jobs", settings.log_level)
    ctx = JobContext(settings, declaration.open_database(settings.database_url, pool_size=2))
    try:
        result = run(job, ctx, now)
    finally:
        ctx.close()
        ctx.db.dispose()
    print(report(job.name, now, result))
    return 0
