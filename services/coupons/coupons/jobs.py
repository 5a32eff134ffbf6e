"""Scheduled jobs of the coupons service (declared, with their schedules, in declaration.py; run
by crmkit.jobs):

    python -m coupons.jobs remind-expiring [--now ISO]      E5: holders told N days before expiry
    python -m coupons.jobs release-instalments [--now ISO]  E7: recharge gifts due by now, each once
    python -m coupons.jobs release-unplaced [--now ISO]     E4: coupons of orders never placed, back
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime

from coupons.declaration import DECLARATION
from coupons.orders_peer import GrpcOrders
from coupons.service.coupons_reminders import remind_expiring
from coupons.service.coupons_stock import ClaimStock
from coupons.service.recharge import release_due
from coupons.service.redemption import release_unplaced
from crmkit import jobs
from crmkit.jobs import JobContext
from crmkit.redis_client import Keys


def remind(ctx: JobContext, now: datetime) -> dict:
    return {"reminded": remind_expiring(ctx.db.uow, now)}


def release_instalments(ctx: JobContext, now: datetime) -> dict:
    # Released gift coupons draw on the servers' claim counters (E2).
    stock = ClaimStock(ctx.redis, Keys(ctx.settings.redis_prefix, DECLARATION.name))
    return {"released": release_due(ctx.db, stock, now=now)}


def release_unplaced_orders(ctx: JobContext, now: datetime) -> dict:
    orders = GrpcOrders(ctx.settings.peer("orders"), ctx.settings.service_token)
    try:
        return asdict(release_unplaced(ctx.db, orders, now=now))
    finally:
        orders.close()


def main(argv: list[str] | None = None) -> int:
    return jobs.main(DECLARATION, argv)


if __name__ == "__main__":
    sys.exit(main())
