"""Helpers shared by the marketing service tests (a uniquely named module, not conftest, so
`import` finds this one even when other packages' tests run in the same pytest process)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from crmkit import testing
from crmkit.auth import STAFF, TokenIssuer, generate_keypair
from crmkit.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "marketing" / "migrations"
PRIVATE_KEY, PUBLIC_KEY = generate_keypair()
ISSUER = TokenIssuer(PRIVATE_KEY)


def ref(prefix: str) -> str:
    """A fresh id per test, so tests sharing one database never see each other's rows."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def staff_token(tenant_id: str, staff_id: str, *roles: str) -> str:
    return ISSUER.issue(
        kind=STAFF, subject_id=staff_id, tenant_id=tenant_id, roles=roles or ("salesperson",), ttl=timedelta(minutes=10)
    )[0]


def fresh_database() -> str:
    url = testing.create_database("marketing_test")
    upgrade(MIGRATIONS, url)
    return url
