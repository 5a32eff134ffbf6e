"""What the storefront (B6) takes from the environment, read once by the composition root
(orders.server.ports_from_env) and handed to its servicer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNPAID_MINUTES_ENV = "STOREFRONT_UNPAID_MINUTES"
DEFAULT_UNPAID_MINUTES = 15
# A day: an order left unpaid longer holds its stock and coupons from everyone else.
MAX_UNPAID_MINUTES = 1440


@dataclass(frozen=True)
class StorefrontConfig:
    # How long a placed order waits for its payment before it closes (stock and coupons go back).
    unpaid_minutes: int = DEFAULT_UNPAID_MINUTES


def storefront_config_from_env(environ: Mapping[str, str]) -> StorefrontConfig:
    """A value that is not whole minutes in range stops startup, naming the variable, rather
    than leaving orders open for a surprising time."""
    raw = (environ.get(UNPAID_MINUTES_ENV) or "").strip()
    if not raw:
        return StorefrontConfig()
    minutes = int(raw) if raw.isdigit() else 0
    if not 1 <= minutes <= MAX_UNPAID_MINUTES:
        raise ValueError(f"{UNPAID_MINUTES_ENV} must be whole minutes from 1 to {MAX_UNPAID_MINUTES}, not {raw!r}")
    return StorefrontConfig(unpaid_minutes=minutes)
