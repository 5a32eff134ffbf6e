"""The marketing service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Variable

DECLARATION = Declaration(
    name="marketing",
    grpc_port=50056,
    doc="the article library, share links and reader tracking (D1, D2)",
    grpc_services=("crm.marketing.v1.MarketingService",),
    build="marketing.server:build",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "identity": "the salesperson's name and phone on posters (D4)",
        "orders": "recommended products on a reader's page (D1, D14)",
    },
    env=(
        Variable(
            "POSTER_FONT",
            "A CJK font file for posters; empty: the first of the image's wqy fonts found (fonts-wqy-microhei).",
        ),
        Variable(
            "ARTICLE_IMPORT_ALLOW_PRIVATE",
            '"true" only for test clusters: pasted article links may then reach addresses inside the network.',
        ),
    ),
)
