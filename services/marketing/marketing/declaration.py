"""The marketing service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Variable

DECLARATION = Declaration(
    name="marketing",
    grpc_port=50056,
    doc="the article library, share links and reader tracking (D1, D2)",
    grpc_services=("crm.marketing.v1.MarketingService",),
    build="marketing.server:build",
    ports="marketing.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "identity": "the salesperson's name and phone on posters (D4)",
        "orders": "recommended products on a reader's page (D1, D14)",
    },
    env=(
        Variable(
            "FILE_STORE",
            "Uploaded poster pictures (D4) in an S3-compatible bucket (OSS, COS, MinIO, S3).",
            default="s3",
        ),
        Variable("S3_BUCKET"),
        Variable("S3_REGION"),
        Variable("S3_ENDPOINT_URL"),
        Variable("S3_ADDRESSING_STYLE", default="virtual"),
        Variable("S3_ACCESS_KEY_ID", secret=("crm-marketing-s3", "access-key-id")),
        Variable("S3_SECRET_ACCESS_KEY", secret=("crm-marketing-s3", "secret-access-key")),
        Variable(
            "POSTER_FONT",
            "A CJK font file for posters; empty: the first of the image's wqy fonts found (fonts-wqy-microhei).",
        ),
        Variable(
            "ARTICLE_IMPORT_ALLOW_PRIVATE",
            '"true" only for test clusters: pasted article links may then reach addresses inside the network.',
        ),
    ),
    # Uploaded pictures on the run's own disk folder, their URLs signed with a secret of the run.
    local_env={
        "FILE_STORE": "local",
        "FILE_STORE_ROOT": "{folder:files}",
        "FILE_STORE_SIGNING_SECRET": "{secret:file-signing}",
    },
)
