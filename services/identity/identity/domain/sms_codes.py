"""Rules of SMS codes: login (A2) and sign-up (issue 11). Storage and atomicity live in
identity.sms_store (Redis)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from crmkit.periods import CHINA

CODE_LENGTH = 6
CODE_TTL_SECONDS = 5 * 60
RESEND_AFTER_SECONDS = 60
DAILY_LIMIT = 10
MAX_WRONG_TRIES = 5
LOGIN = "login"
# Proves the phone of a merchant signing up (issue 11): sent to any phone, known or not.
SIGNUP = "signup"
PURPOSES = (LOGIN, SIGNUP)


def customer_purpose(tenant_id: str) -> str:
    """A shop customer's login code (B6) for one merchant: not one of PURPOSES, so no staff
    request can ask for it, and kept under its own key, so a staff login code never logs a
    customer in (nor the reverse), nor a code asked for at one merchant at another."""
    return f"customer:{tenant_id}"


def generate_code() -> str:
    # secrets, not random: codes must not be predictable from earlier ones.
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(phone: str, code: str) -> str:
    """Codes are stored hashed with the phone, so a Redis dump neither shows codes nor lets one
    hash be replayed for another phone."""
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def codes_match(stored_hash: str, phone: str, code: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_code(phone, code))


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit()


def code_problem(code: str) -> str | None:
    """The i18n key of what is wrong with a typed code's shape, or None."""
    if not code:
        return "validation.required"
    return None if is_well_formed(code) else "validation.invalid"


def day_key(now: datetime) -> str:
    return now.astimezone(CHINA).strftime("%Y%m%d")


def seconds_until_day_ends(now: datetime) -> int:
    local = now.astimezone(CHINA)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
