"""Choice tickets (issue 11): a person who proved their phone (password or SMS code) and works for
several merchants gets one with the list of those merchants, and picks one with it, without
proving the phone again.

A ticket is a JWT signed with identity's Ed25519 key for an audience of its own, so it can never
pass as an access token (audience `crm`) nor an access token as a ticket. It names the staff
accounts the proof covered, lives five minutes and opens one session: its id is spent in Redis
when tokens are issued.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import redis
from cryptography.hazmat.primitives import serialization

from crmkit.auth import ALGORITHM, ISSUER
from crmkit.errors import Unauthenticated
from crmkit.redis_client import Keys
from identity.errors import ErrorCode

AUDIENCE = "crm-identity-choice"
TICKET_TTL = timedelta(minutes=5)


def ticket_invalid() -> Unauthenticated:
    return Unauthenticated(ErrorCode.CHOICE_TICKET_INVALID)


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    staff_ids: tuple[str, ...]
    expires_at: datetime


class ChoiceTickets:
    def __init__(self, private_key_pem: str, client: redis.Redis, keys: Keys):
        self._private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self._public = self._private.public_key()
        self._redis = client
        self._keys = keys

    def issue(self, staff_ids: list[str], *, now: datetime) -> tuple[str, datetime]:
        expires = now + TICKET_TTL
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "acc": list(staff_ids),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._private, algorithm=ALGORITHM), expires

    def read(self, ticket: str) -> Ticket:
        if not ticket:
            raise ticket_invalid()
        try:
            claims = jwt.decode(
                ticket,
                self._public,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "jti", "acc"]},
            )
        except jwt.InvalidTokenError:
            # Expired, forged or not a ticket at all: the person logs in again.
            raise ticket_invalid() from None
        return Ticket(claims["jti"], tuple(claims["acc"]), datetime.fromtimestamp(claims["exp"], UTC))

    def spend(self, ticket: Ticket, *, now: datetime) -> None:
        """Once only: a copied ticket cannot open a second session."""
        ttl = max(1, math.ceil((ticket.expires_at - now).total_seconds()) + 1)
        if not self._redis.set(self._keys("choice", "spent", ticket.ticket_id), "1", nx=True, ex=ttl):
            raise ticket_invalid()
