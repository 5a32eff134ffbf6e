"""The orders service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Resources, Variable, Worker

DECLARATION = Declaration(
    name="orders",
    grpc_port=50054,
    doc="catalogue, stock, orders and returns, receivables and collections, performance (B1-B5, B7, B9-B11, E4)",
    grpc_services=(
        "crm.orders.v1.OrdersService",
        "crm.orders.v1.ReceivablesService",
        "crm.orders.v1.PerformanceService",
    ),
    build="orders.server:build",
    ports="orders.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "customers": "the customer of an order, its level and credit",
        "coupons": "orders redeem the coupons they use (E4) with their own service token",
    },
    env=(
        Variable(
            "FILE_STORE",
            "Proof images of collections (B4) in an S3-compatible bucket (OSS, COS, MinIO, S3).",
            default="s3",
        ),
        Variable("S3_BUCKET"),
        Variable("S3_REGION"),
        Variable("S3_ENDPOINT_URL"),
        Variable("S3_ADDRESSING_STYLE", default="virtual"),
        Variable("S3_ACCESS_KEY_ID", secret=("crm-orders-s3", "access-key-id")),
        Variable("S3_SECRET_ACCESS_KEY", secret=("crm-orders-s3", "secret-access-key")),
    ),
    # Proof images on the run's own disk folder, their URLs signed with a secret of the run.
    local_env={
        "FILE_STORE": "local",
        "FILE_STORE_ROOT": "{folder:files}",
        "FILE_STORE_SIGNING_SECRET": "{secret:file-signing}",
    },
    worker=Worker(
        wire="orders.subscriptions:wire",
        doc="feeds the monthly sales ranking in Redis from order_approved / return_approved (B9)",
        # Without REDIS_URL crmkit falls back to an in-process stand-in: in a worker process of its
        # own, a private ranking nobody reads.
        requires=("redis_url",),
    ),
    resources=Resources(cpu="200m", memory="256Mi", memory_limit="512Mi"),
    # Every order passes here (P1): the tier that needs the most replicas (docs/capacity.md).
    max_replicas=6,
    # The document-number counters' own engine (service/numbers.py: pool 2, overflow 14).
    extra_connections=16,
)
