"""The coupons service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Job, Worker

DECLARATION = Declaration(
    name="coupons",
    grpc_port=50055,
    doc="coupon templates, coupons, claims, redemption, reminders; stored value, points, pre-charge (E1-E10, B7, C11)",
    grpc_services=("crm.coupons.v1.CouponsService", "crm.coupons.v1.StoredValueService"),
    build="coupons.server:build",
    migrations=Path(__file__).parent / "migrations",
    # Claims reserve stock in the shared Redis (REDIS_URL comes with every service).
    peers={
        "customers": "sends look their customers up; stored value: who may see whom, phones of pre-charge sheets",
        "identity": "the owner's phone for the pre-charge SMS code (E8)",
        "messaging": "the pre-charge SMS code (E8)",
        "orders": "the worker deducts recharge gift products from stock (HandOutGiftStock, E7); "
        "the unplaced-orders job asks whether an order exists (E4)",
    },
    worker=Worker(
        wire="coupons.subscriptions:wire",
        doc="points on approved orders (E9); recharge gift products through orders (E7); batch codes (E3)",
        # Gift products go to orders with the service token: a worker without it would only requeue
        # those events, so it refuses to start instead.
        requires=("service_token",),
    ),
    jobs=(
        Job(
            "remind-expiring",
            run="coupons.jobs:remind",
            schedule="23 * * * *",
            doc="E5: holders are notified N days before their coupons expire (the template's setting). "
            "Hourly is early enough for a day count; each coupon is reminded once, so a rerun is safe.",
        ),
        Job(
            "release-instalments",
            run="coupons.jobs:release_instalments",
            schedule="41 * * * *",
            redis=True,
            doc="E7: recharge gifts given in monthly instalments, released when due; each instalment is "
            "released once (a conditional UPDATE), so a rerun or an overlap changes nothing. Gift coupons "
            "draw on the servers' claim counters, hence Redis.",
        ),
        Job(
            "release-unplaced",
            run="coupons.jobs:release_unplaced_orders",
            schedule="*/10 * * * *",
            peers=("orders",),
            deadline_seconds=600,
            doc="E4: coupons the orders service redeemed on an order that was never placed (a crash between "
            "redeeming and committing, the submit not retried) go back to their holders once orders confirms "
            "the order does not exist; asked 15 minutes after the redemption.",
        ),
    ),
    # Every claim passes here (P2): more replicas than the others at peak (docs/capacity.md).
    max_replicas=6,
)
