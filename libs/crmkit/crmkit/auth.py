"""Tokens and the Actor: who is calling, for which tenant, with which roles and switches.

identity signs access tokens with its Ed25519 private key; every other process only holds the
public key and verifies tokens itself, so no call to identity sits on the hot path.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crmkit.errors import PermissionDenied, Unauthenticated
from crmkit.revocation import RevokedSessions
from crmkit.token_cache import VerifiedTokens

ISSUER = "crm-identity"
AUDIENCE = "crm"
ALGORITHM = "EdDSA"

STAFF = "staff"
SERVICE = "service"
# A shop's customer (B6), logged in by SMS code on the storefront: subject is the customers
# service's customer id; no roles, switches or stores. Only the storefront's own methods take
# one (crmkit.grpc_server refuses it everywhere else, the gateway's staff views too).
CUSTOMER = "customer"


@dataclass(frozen=True)
class Actor:
    kind: str
    subject_id: str
    tenant_id: str
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    store_ids: tuple[str, ...] = ()
    seat_until: datetime | None = None
    session_id: str | None = None
    extra: dict = field(default_factory=dict, compare=False)
    # The store the staff member switched to in this login session (A4); None in older tokens.
    current_store_id: str | None = None
    # The token's `iat` (epoch seconds): a revoked session's cutoff is compared with it
    # (crmkit.revocation). Not part of who the actor is.
    issued_at: float | None = field(default=None, compare=False)

    @property
    def is_service(self) -> bool:
        return self.kind == SERVICE

    @property
    def staff_id(self) -> str | None:
        return self.subject_id if self.kind == STAFF else None

    @property
    def customer_id(self) -> str | None:
        return self.subject_id if self.kind == CUSTOMER else None

    @property
    def is_customer(self) -> bool:
        return self.kind == CUSTOMER

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def for_tenant(self, tenant_id: str) -> Actor:
        """A service actor acting on behalf of one tenant (tenant taken from call metadata)."""
        if not self.is_service:
            raise PermissionDenied("TENANT_OVERRIDE_DENIED")
        return Actor(
            kind=self.kind,
            subject_id=self.subject_id,
            tenant_id=tenant_id,
            roles=self.roles,
            permissions=self.permissions,
        )


@dataclass(frozen=True)
class AuthFailure:
    """A token that failed verification, kept until a method needs the actor: public methods
    (login, refresh) must work whatever stale token a client still sends."""

    error: Exception


current_actor: ContextVar[Actor | AuthFailure | None] = ContextVar("current_actor", default=None)


def require_actor() -> Actor:
    actor = current_actor.get()
    if actor is None:
        raise Unauthenticated("TOKEN_MISSING", "error.token_missing")
    if isinstance(actor, AuthFailure):
        raise actor.error
    return actor


def token_revoked() -> Unauthenticated:
    return Unauthenticated("TOKEN_REVOKED", "error.token_revoked")


class TokenVerifier:
    """Checks signature, audience, issuer, expiry and the seat end; with `revoked` (every server
    process and the gateway: crmkit.runtime, the launcher, gateway.config), also whether the
    token's session was revoked since it was issued (logout, refresh-token reuse, a switch taken
    away), at the cost of one Redis GET per staff token.

    A token that passed the signature and claims check is remembered until its `exp`
    (crmkit.token_cache, at most `cache_size` tokens): the same token comes back on every request,
    and its signature is the costly part. The seat's end and the revocation are still checked on
    every call. `clock` (epoch seconds) decides expiry, of the memo and of the token alike."""

    def __init__(
        self,
        public_key_pem: str,
        *,
        leeway_seconds: int = 5,
        revoked: RevokedSessions | None = None,
        cache_size: int = 4096,
        clock=time.time,
    ):
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self._leeway = leeway_seconds
        self.revoked = revoked
        self._verified: VerifiedTokens[Actor] = VerifiedTokens(cache_size)
        self._clock = clock

    def verify(self, token: str, *, now: datetime | None = None) -> Actor:
        actor = self.verify_claims(token, now=now)
        self.check_revoked(actor)
        return actor

    def verify_claims(self, token: str, *, now: datetime | None = None) -> Actor:
        """Everything `verify` checks but the revocation, which a caller that asks Redis anyway
        (the gateway's one round trip per request) checks there: `check_revoked` otherwise."""
        moment = self._clock()
        actor = self._verified.get(token, moment)
        if actor is None:
            actor, expires_at = self._decode(token, moment)
            # Never served at or after `exp`: from then on the full check answers (the leeway).
            self._verified.put(token, actor, expires_at)
        # The seat's end travels in the token, so an expired trial is refused at once everywhere (A3).
        if actor.seat_until is not None and (now or datetime.now(UTC)) >= actor.seat_until:
            raise PermissionDenied("SEAT_EXPIRED", "error.seat_expired")
        return actor

    def check_revoked(self, actor: Actor) -> None:
        if actor.session_id and self.revoked is not None and self.revoked.is_revoked(actor.session_id, actor.issued_at):
            raise token_revoked()

    def _decode(self, token: str, moment: float) -> tuple[Actor, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                # Expiry is judged below against `clock`, the memo's clock too (PyJWT reads its own).
                options={"require": ["exp", "iat", "sub", "kind"], "verify_exp": False},
            )
            expires_at = int(claims["exp"])
        except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError):
            raise Unauthenticated("TOKEN_INVALID", "error.token_invalid") from None
        # PyJWT's own rule, with the same leeway.
        if expires_at <= moment - self._leeway:
            raise Unauthenticated("TOKEN_EXPIRED", "error.token_expired")
        seat_until = datetime.fromtimestamp(claims["seat_until"], UTC) if claims.get("seat_until") else None
        actor = Actor(
            kind=claims["kind"],
            subject_id=claims["sub"],
            tenant_id=claims.get("tid", ""),
            roles=frozenset(claims.get("roles", ())),
            permissions=frozenset(claims.get("perms", ())),
            store_ids=tuple(claims.get("stores", ())),
            seat_until=seat_until,
            session_id=claims.get("sid"),
            current_store_id=claims.get("store"),
            issued_at=float(claims["iat"]),
        )
        return actor, float(expires_at)


class TokenIssuer:
    def __init__(self, private_key_pem: str):
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)

    def issue(
        self,
        *,
        kind: str,
        subject_id: str,
        tenant_id: str = "",
        roles: Iterable[str] = (),
        permissions: Iterable[str] = (),
        store_ids: Iterable[str] = (),
        seat_until: datetime | None = None,
        session_id: str | None = None,
        ttl: timedelta,
        current_store_id: str | None = None,
        now: datetime | None = None,
    ) -> tuple[str, datetime]:
        now = now or datetime.now(UTC)
        expires = now + ttl
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject_id,
            "kind": kind,
            "tid": tenant_id,
            "roles": sorted(roles),
            "perms": sorted(permissions),
            "stores": list(store_ids),
            # Microseconds (RFC 7519 allows a fractional NumericDate), rounded down, never later
            # than the truth: a session revoked at t must refuse the token issued just before t
            # and accept the one a refresh issues just after it (crmkit.revocation's cutoff is
            # read to the microsecond too; milliseconds refused a refresh in the same millisecond).
            "iat": math.floor(now.timestamp() * 1_000_000) / 1_000_000,
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if seat_until is not None:
            claims["seat_until"] = int(seat_until.timestamp())
        if session_id:
            claims["sid"] = session_id
        if current_store_id:
            claims["store"] = current_store_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), expires

    def service_token(self, service: str, *, ttl: timedelta = timedelta(days=365)) -> str:
        return self.issue(kind=SERVICE, subject_id=service, ttl=ttl)[0]


def generate_keypair() -> tuple[str, str]:
    """(private PEM, public PEM) for the embedded mode and tests; production keys come from Secrets."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem
