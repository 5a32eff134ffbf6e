"""The identity service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration

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
    },
    signs_tokens=True,
)
