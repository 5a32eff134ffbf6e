"""Scheduled jobs of the customers service: `python -m customers.jobs pool-sweep [--now ISO]`
(declared, with their schedules, in declaration.py; run by crmkit.jobs)."""

from __future__ import annotations

import sys
from datetime import datetime

from crmkit import jobs
from crmkit.jobs import JobContext
from customers.declaration import DECLARATION
from customers.service.pool_sweep import sweep_pool


def pool_sweep(ctx: JobContext, now: datetime) -> dict:
    return vars(sweep_pool(ctx.db.uow(), now))


def main(argv: list[str] | None = None) -> int:
    return jobs.main(DECLARATION, argv)


if __name__ == "__main__":
    sys.exit(main())
