"""Helpers shared by the customers service tests (a uniquely named module, not conftest, so
it never clashes with another service's test helpers in one pytest run)."""

import uuid
from datetime import UTC, datetime, timedelta

from crmkit.auth import STAFF, Actor, TokenIssuer, generate_keypair

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def staff(tenant, *roles, sid=None, stores=("store-1",), perms=()) -> Actor:
    return Actor(
        kind=STAFF,
        subject_id=sid or f"s-{uuid.uuid4().hex[:8]}",
        tenant_id=tenant,
        roles=frozenset(roles),
        permissions=frozenset(perms),
        store_ids=tuple(stores),
    )


def token_for(actor: Actor) -> str:
    return ISSUER.issue(
        kind=actor.kind,
        subject_id=actor.subject_id,
        tenant_id=actor.tenant_id,
        roles=actor.roles,
        permissions=actor.permissions,
        store_ids=actor.store_ids,
        ttl=timedelta(minutes=5),
    )[0]


def phone(n: int) -> str:
    return f"1380000{n:04d}"
