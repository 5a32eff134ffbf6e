"""How much guessing and how many SMS codes and sign-ups identity allows, per phone and per source
address (issue 11). The counting lives in identity.throttle (Redis); the numbers and what counts
as one source live here.

Why these shapes:
- Wrong passwords are counted per (phone, source): a stranger guessing from their address locks
  only themself out of that phone, not the owner at the shop. A wider count per phone catches
  guessing spread over many addresses; past it only addresses the phone has logged in from before
  may still try, so the owner keeps working from their own address and anyone can log in by SMS
  code, which these counts never touch.
- SMS codes and sign-ups are counted per source inside the service, so a caller that reaches the
  gRPC port without the gateway cannot skip the gateway's per-address limits; per phone, codes
  already have their cooldown and daily limit (identity.domain.sms_codes).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int


# Wrong passwords from one source for one phone; the 11th try in the window is refused, even right.
PASSWORDS_PER_PHONE_AND_SOURCE = Limit(10, 15 * 60)
# Wrong passwords for one phone from all sources together; beyond it unknown sources wait.
PASSWORDS_PER_PHONE = Limit(50, 15 * 60)
# Sources a phone logged in from (password or SMS code) are remembered this long, newest few kept.
KNOWN_SOURCE_DAYS = 30
KNOWN_SOURCES_KEPT = 20
# Codes requested from one source (any phones, any purpose). Above the gateway's per-address
# minute limit in the long run, and loose enough for a carrier NAT that many phones share.
SMS_CODES_PER_SOURCE = Limit(30, 60 * 60)
# Sign-up attempts (well-formed requests that reach the code check) per source and per phone.
SIGNUPS_PER_SOURCE = Limit(20, 60 * 60)
SIGNUPS_PER_PHONE = Limit(10, 24 * 60 * 60)


@dataclass(frozen=True)
class Limits:
    """The limits in force (settings may change the per-source ones, see identity.server)."""

    passwords_per_phone_and_source: Limit = PASSWORDS_PER_PHONE_AND_SOURCE
    passwords_per_phone: Limit = PASSWORDS_PER_PHONE
    sms_codes_per_source: Limit = SMS_CODES_PER_SOURCE
    signups_per_source: Limit = SIGNUPS_PER_SOURCE
    signups_per_phone: Limit = SIGNUPS_PER_PHONE


UNKNOWN_SOURCE = "unknown"


def source_key(address: str | None) -> str:
    """One source per IPv4 address and per IPv6 /64: a single subscriber is given a whole /64,
    so counting IPv6 addresses one by one would give a guesser 2^64 fresh sources."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return UNKNOWN_SOURCE if not text else text[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)
