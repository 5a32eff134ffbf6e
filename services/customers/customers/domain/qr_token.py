"""Registration QR tokens (C2): who the customer registers with, signed so that nobody can
make one for another salesperson or tenant, and with an end.

Format: base64url(JSON claims) "." base64url(HMAC-SHA256(secret, "crm-reg-v1." + claims part)).
HMAC over the exact claims bytes: changing any character of the salesperson, tenant, store or
expiry breaks the signature. The secret lives only in the customers service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crmkit.errors import InvalidInput
from customers.errors import ErrorCode

DOMAIN = b"crm-reg-v1."
VALID_DAYS_DEFAULT = 30
VALID_DAYS_MAX = 365
TOKEN_MAX = 1000


@dataclass(frozen=True)
class RegistrationGrant:
    tenant_id: str
    salesperson_id: str
    store_id: str | None
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, DOMAIN + body.encode(), hashlib.sha256).digest()


def valid_days(requested: int) -> int:
    days = requested or VALID_DAYS_DEFAULT
    if not 1 <= days <= VALID_DAYS_MAX:
        raise InvalidInput(ErrorCode.OWNERSHIP_INPUT_INVALID, fields={"valid_days": "validation.invalid"})
    return days


def sign(secret: bytes, grant: RegistrationGrant) -> str:
    claims = {
        "t": grant.tenant_id,
        "s": grant.salesperson_id,
        "st": grant.store_id or "",
        "exp": int(grant.expires_at.timestamp()),
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(secret, body))}"


def _invalid() -> InvalidInput:
    return InvalidInput(
        ErrorCode.REGISTRATION_TOKEN_INVALID,
        fields={"token": "validation.invalid"},
    )


def verify(secret: bytes, token: str, *, now: datetime) -> RegistrationGrant:
    """The grant, or REGISTRATION_TOKEN_INVALID for anything forged, damaged or expired (the
    customer learns no more than "this code does not work")."""
    if not token or len(token) > TOKEN_MAX or token.count(".") != 1:
        raise _invalid()
    body, mac = token.split(".")
    try:
        given = _unb64(mac)
    except ValueError:
        raise _invalid() from None
    if not hmac.compare_digest(given, _mac(secret, body)):
        raise _invalid()
    try:
        claims = json.loads(_unb64(body))
        grant = RegistrationGrant(
            tenant_id=str(claims["t"]),
            salesperson_id=str(claims["s"]),
            store_id=str(claims.get("st") or "") or None,
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (ValueError, KeyError, TypeError):
        raise _invalid() from None
    if not grant.tenant_id or not grant.salesperson_id or now >= grant.expires_at:
        raise _invalid()
    return grant


def grant_for(tenant_id: str, salesperson_id: str, store_id: str | None, now: datetime, days: int) -> RegistrationGrant:
    return RegistrationGrant(tenant_id, salesperson_id, store_id, now + timedelta(days=days))
