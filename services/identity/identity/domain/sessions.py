"""Access and refresh token rules: lifetimes, and what state a refresh token can be in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
# A shop customer's token (B6): no refresh token, so long enough to shop for a week without
# logging in again (CUSTOMER_TOKEN_DAYS changes it).
CUSTOMER_ACCESS_TTL = timedelta(days=7)

# What presenting a refresh token leads to.
USABLE = "usable"
REUSED = "reused"  # rotated already: someone holds a copy, so the whole session is burnt
INVALID = "invalid"  # revoked (logout, reuse) or expired


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # The token is 256 random bits, so a plain (unsalted) hash is enough and lets us look it up.
    return hashlib.sha256(token.encode()).hexdigest()


def refresh_state(*, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime) -> str:
    if revoked_at is not None:
        return INVALID
    if used_at is not None:
        return REUSED
    if now >= expires_at:
        return INVALID
    return USABLE
