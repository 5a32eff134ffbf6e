"""Ownership and the public pool (C3): the tenant's rules, when an idle customer goes back to
the pool (and when its salesperson is warned), and whether a claim may go ahead. Pure: dates
and counts come in, decisions or typed errors go out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from crmkit.errors import Conflict, InvalidInput, QuotaExceeded
from customers.domain.calendar import CHINA
from customers.domain.registration import LEVEL_PATTERN
from customers.errors import ErrorCode

# History actions.
REGISTERED = "registered"
CLAIMED = "claimed"
RELEASED = "released"
TRANSFERRED = "transferred"
RETURNED = "returned_to_pool"
# Why the pool job returned a customer.
NO_FOLLOWUP = "no_followup"
NO_ORDER = "no_order"

DAYS_MAX = 3650
COUNT_MAX = 100_000
REASON_MAX = 200
# Member levels with their own pool rule; a tenant has a handful of levels.
LEVEL_RULES_MAX = 20
# Daily caps count claims of the merchant's calendar day (China time, no daylight saving).


@dataclass(frozen=True)
class PoolLevelRule:
    """N and M of one member level (customers.level), in place of the tenant's: 0 switches that
    measure off for the level. Levels without a rule follow the tenant's N and M."""

    level: str
    followup_days: int = 0
    order_days: int = 0


@dataclass(frozen=True)
class CustomerSettings:
    """Zero switches a rule off."""

    auto_approve_registrations: bool = False
    pool_followup_days: int = 0
    pool_order_days: int = 0
    pool_warning_days: int = 0
    max_customers_held: int = 0
    max_claims_per_day: int = 0
    reclaim_cooldown_days: int = 0
    pool_level_rules: tuple[PoolLevelRule, ...] = ()

    def pool_days(self, level: str) -> tuple[int, int]:
        """(N, M) for a customer of this member level: its level's rule, else the tenant's."""
        for rule in self.pool_level_rules:
            if rule.level == level:
                return rule.followup_days, rule.order_days
        return self.pool_followup_days, self.pool_order_days

    @property
    def returns_idle(self) -> bool:
        """Whether any customer may ever go back: the sweep skips tenants where none may."""
        if self.pool_followup_days or self.pool_order_days:
            return True
        return any(rule.followup_days or rule.order_days for rule in self.pool_level_rules)


_DAY_FIELDS = ("pool_followup_days", "pool_order_days", "pool_warning_days", "reclaim_cooldown_days")
_COUNT_FIELDS = ("max_customers_held", "max_claims_per_day")


def _shortest(*days: int) -> int:
    return min((d for d in days if d), default=0)


def check_settings(settings: CustomerSettings) -> CustomerSettings:
    """Every problem at once, each named by its field (`pool_level_rules.<i>.<name>` for a
    level's rule); returns the settings with level codes trimmed."""
    errors = {}
    for name in _DAY_FIELDS:
        if not 0 <= getattr(settings, name) <= DAYS_MAX:
            errors[name] = "validation.invalid"
    for name in _COUNT_FIELDS:
        if not 0 <= getattr(settings, name) <= COUNT_MAX:
            errors[name] = "validation.invalid"
    # A warning at or after the return could never be read in time.
    shortest = _shortest(settings.pool_followup_days, settings.pool_order_days)
    if settings.pool_warning_days and shortest and settings.pool_warning_days >= shortest:
        errors.setdefault("pool_warning_days", "validation.invalid")
    rules = _check_level_rules(settings.pool_level_rules, settings.pool_warning_days, errors)
    if errors:
        raise InvalidInput(ErrorCode.CUSTOMER_SETTINGS_INVALID, fields=errors)
    return replace(settings, pool_level_rules=rules)


def _check_level_rules(
    rules: tuple[PoolLevelRule, ...], warning_days: int, errors: dict[str, str]
) -> tuple[PoolLevelRule, ...]:
    if len(rules) > LEVEL_RULES_MAX:
        errors["pool_level_rules"] = "validation.too_many"
        return ()
    seen: set[str] = set()
    clean = []
    for i, rule in enumerate(rules):
        prefix = f"pool_level_rules.{i}"
        level = rule.level.strip()
        if not level:
            errors[f"{prefix}.level"] = "validation.required"
        elif not LEVEL_PATTERN.fullmatch(level):
            errors[f"{prefix}.level"] = "validation.invalid"
        elif level in seen:
            errors[f"{prefix}.level"] = "validation.duplicate"
        seen.add(level)
        days_ok = True
        for name in ("followup_days", "order_days"):
            if not 0 <= getattr(rule, name) <= DAYS_MAX:
                errors[f"{prefix}.{name}"] = "validation.invalid"
                days_ok = False
        # The tenant's warning K applies to every level: the level's earliest return must come
        # after it, or the reminder could never be read in time.
        shortest = _shortest(rule.followup_days, rule.order_days)
        if days_ok and warning_days and shortest and warning_days >= shortest:
            name = "followup_days" if rule.followup_days == shortest else "order_days"
            errors[f"{prefix}.{name}"] = "validation.not_after_pool_warning"
        clean.append(PoolLevelRule(level, rule.followup_days, rule.order_days))
    return tuple(clean)


def check_reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        problem = "validation.required"
    elif len(reason) > REASON_MAX:
        problem = "validation.too_long"
    else:
        return reason
    raise InvalidInput(ErrorCode.OWNERSHIP_INPUT_INVALID, fields={"reason": problem})


@dataclass(frozen=True)
class HeldCustomer:
    """What the pool rules read of one held customer."""

    created_at: datetime
    owned_since: datetime | None
    last_followup_at: datetime | None
    last_order_at: datetime | None
    locked: bool = False
    # Member level code ("" none): picks the level's pool rule.
    level: str = ""


@dataclass(frozen=True)
class PoolDecision:
    """`returns` with the rule that fired, or `warn_due_at` (the coming return) or neither."""

    returns: str | None = None
    warn_due_at: datetime | None = None
    warn_rule: str | None = None


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def return_deadlines(customer: HeldCustomer, settings: CustomerSettings) -> list[tuple[datetime, str]]:
    """When each active rule sends the customer back, earliest first. The clock of a rule starts
    at the later of the last activity and the day the current salesperson got the customer:
    a follow-up by a previous owner does not count against the new one."""
    start = customer.owned_since or customer.created_at
    followup_days, order_days = settings.pool_days(customer.level)
    deadlines = []
    if followup_days:
        anchor = _latest(customer.last_followup_at, start)
        deadlines.append((anchor + timedelta(days=followup_days), NO_FOLLOWUP))
    if order_days:
        anchor = _latest(customer.last_order_at, start)
        deadlines.append((anchor + timedelta(days=order_days), NO_ORDER))
    return sorted(deadlines)


def pool_decision(customer: HeldCustomer, settings: CustomerSettings, now: datetime) -> PoolDecision:
    if customer.locked:
        return PoolDecision()
    deadlines = return_deadlines(customer, settings)
    if not deadlines:
        return PoolDecision()
    due, rule = deadlines[0]
    if due <= now:
        return PoolDecision(returns=rule)
    if settings.pool_warning_days and due - timedelta(days=settings.pool_warning_days) <= now:
        return PoolDecision(warn_due_at=due, warn_rule=rule)
    return PoolDecision()


def china_day_start(now: datetime) -> datetime:
    local = now.astimezone(CHINA)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def check_claim(
    settings: CustomerSettings,
    *,
    held: int,
    claimed_today: int,
    last_left_by_claimer_at: datetime | None,
    now: datetime,
) -> None:
    """The customer is in the pool (checked under the row lock); may this salesperson take it?
    Cooldown first: it is about this customer, the caps about the salesperson."""
    if settings.reclaim_cooldown_days and last_left_by_claimer_at is not None:
        until = last_left_by_claimer_at + timedelta(days=settings.reclaim_cooldown_days)
        if now < until:
            raise Conflict(
                ErrorCode.CUSTOMER_RECLAIM_COOLDOWN,
                params={"until": until.isoformat()},
            )
    if settings.max_customers_held and held >= settings.max_customers_held:
        raise QuotaExceeded(
            ErrorCode.CUSTOMER_HOLD_LIMIT_REACHED,
            params={"limit": settings.max_customers_held},
        )
    if settings.max_claims_per_day and claimed_today >= settings.max_claims_per_day:
        raise QuotaExceeded(
            ErrorCode.CUSTOMER_DAILY_CLAIM_LIMIT_REACHED,
            params={"limit": settings.max_claims_per_day},
        )
