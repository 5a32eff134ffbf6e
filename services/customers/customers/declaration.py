"""The customers service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Job, Variable, Worker

DECLARATION = Declaration(
    name="customers",
    grpc_port=50052,
    doc="customer records, fields, tags, QR registration, ownership and the pool, segments, leads (C1-C9, C12)",
    grpc_services=(
        "crm.customers.v1.CustomersService",
        "crm.customers.v1.ActivityService",
        "crm.customers.v1.CustomerOwnershipService",
        "crm.customers.v1.SegmentsService",
    ),
    build="customers.server:build",
    ports="customers.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={"identity": "transfers (C3) check the colleague with identity"},
    env=(
        Variable(
            "REGISTRATION_QR_SECRET",
            "HMAC key of salespeople's registration QR codes (C2): any long random string.",
            secret=("crm-customers-registration", "qr-secret"),
        ),
    ),
    local_env={"REGISTRATION_QR_SECRET": "{secret:registration-qr}"},
    worker=Worker(
        wire="customers.subscriptions:wire",
        doc="feeds the buying- and coupon-behaviour read models of segments (C4) from orders and coupons events",
    ),
    jobs=(
        Job(
            "pool-sweep",
            run="customers.jobs:pool_sweep",
            schedule="17 * * * *",
            doc="C3: idle customers back to the public pool, reminders K days before. The rules count days, "
            "so hourly is early enough; a rerun changes nothing (each change is checked again).",
        ),
    ),
    # Every order looks its customer up here (P1): more replicas than the others at peak (docs/capacity.md).
    max_replicas=6,
)
