"""The identity service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Variable

DECLARATION = Declaration(
    name="identity",
    grpc_port=50051,
    doc="tenants, stores, staff, roles, permission switches, seats, login (A1-A4)",
    grpc_services=("crm.identity.v1.IdentityService", "crm.identity.v1.StoresService"),
    build="identity.server:build",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "messaging": "login and sign-up codes are texted through messaging",
        "orders": "sub-store figures (A4) come from orders",
        "customers": "a shop customer's SMS login (B6) finds or registers the customer in customers",
    },
    env=(
        Variable(
            "CUSTOMER_TOKEN_DAYS",
            "Days a shop customer's access token (B6 storefront SMS login) is valid; there is no refresh token.",
            default="7",
        ),
    ),
    signs_tokens=True,
)
