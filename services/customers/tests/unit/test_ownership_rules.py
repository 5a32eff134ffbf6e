"""C3: pool rules (when an idle customer returns, when its salesperson is warned), claim
limits and settings validation; pure domain, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import Conflict, InvalidInput, QuotaExceeded
from customers.domain.pool import (
    NO_FOLLOWUP,
    NO_ORDER,
    CustomerSettings,
    HeldCustomer,
    check_claim,
    check_reason,
    check_settings,
    china_day_start,
    pool_decision,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = CustomerSettings(pool_followup_days=30, pool_order_days=60, pool_warning_days=3)


def days_ago(n):
    return NOW - timedelta(days=n)


def held(owned=None, followup=None, order=None, locked=False, created=None):
    return HeldCustomer(created or days_ago(400), owned, followup, order, locked)


@pytest.mark.parametrize(
    ("customer", "returns", "warn"),
    [
        # No follow-up for 30 days since the salesperson got it: back to the pool.
        (held(owned=days_ago(30)), NO_FOLLOWUP, None),
        (held(owned=days_ago(29), followup=None), None, days_ago(29) + timedelta(days=30)),
        # A recent follow-up keeps it, until 60 days without an order.
        (held(owned=days_ago(100), followup=days_ago(1), order=days_ago(61)), NO_ORDER, None),
        (held(owned=days_ago(100), followup=days_ago(1), order=days_ago(10)), None, None),
        # A follow-up of the previous owner (before owned_since) does not count for the new one.
        (held(owned=days_ago(5), followup=days_ago(50), order=days_ago(50)), None, None),
        (held(owned=days_ago(31), followup=days_ago(50)), NO_FOLLOWUP, None),
        # No owned_since (registered before the rule existed): the registration date counts.
        (held(owned=None, created=days_ago(31)), NO_FOLLOWUP, None),
        # Locked customers never return, however idle.
        (held(owned=days_ago(300), locked=True), None, None),
        # Warned within K days of the deadline, not before.
        (held(owned=days_ago(27)), None, days_ago(27) + timedelta(days=30)),
        (held(owned=days_ago(26)), None, None),
    ],
)
def test_c3_pool_decision(customer, returns, warn):
    decision = pool_decision(customer, RULES, NOW)
    assert decision.returns == returns
    assert decision.warn_due_at == warn


def test_c3_rules_off_keep_every_customer():
    assert pool_decision(held(owned=days_ago(999)), CustomerSettings(), NOW).returns is None


def test_c3_order_rule_alone_returns_after_m_days():
    rules = CustomerSettings(pool_order_days=10)
    assert pool_decision(held(owned=days_ago(20), order=days_ago(11)), rules, NOW).returns == NO_ORDER
    assert pool_decision(held(owned=days_ago(20), order=days_ago(9)), rules, NOW).returns is None


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (CustomerSettings(pool_followup_days=-1), "pool_followup_days"),
        (CustomerSettings(pool_order_days=4000), "pool_order_days"),
        (CustomerSettings(max_customers_held=-5), "max_customers_held"),
        (CustomerSettings(max_claims_per_day=200_000), "max_claims_per_day"),
        (CustomerSettings(reclaim_cooldown_days=-1), "reclaim_cooldown_days"),
        # A warning as early as the return itself could never be acted on.
        (CustomerSettings(pool_followup_days=5, pool_warning_days=5), "pool_warning_days"),
    ],
)
def test_c3_bad_settings_name_the_field(settings, field):
    with pytest.raises(InvalidInput) as err:
        check_settings(settings)
    assert field in err.value.fields


def test_c3_good_settings_pass():
    assert check_settings(RULES) == RULES


def test_c3_claim_beyond_hold_cap_is_refused():
    with pytest.raises(QuotaExceeded) as err:
        check_claim(
            CustomerSettings(max_customers_held=2), held=2, claimed_today=0, last_left_by_claimer_at=None, now=NOW
        )
    assert err.value.code == "CUSTOMER_HOLD_LIMIT_REACHED"
    check_claim(CustomerSettings(max_customers_held=2), held=1, claimed_today=0, last_left_by_claimer_at=None, now=NOW)


def test_c3_claim_beyond_daily_cap_is_refused():
    with pytest.raises(QuotaExceeded) as err:
        check_claim(
            CustomerSettings(max_claims_per_day=3), held=0, claimed_today=3, last_left_by_claimer_at=None, now=NOW
        )
    assert err.value.code == "CUSTOMER_DAILY_CLAIM_LIMIT_REACHED"


def test_c3_previous_owner_waits_for_the_cooldown():
    rules = CustomerSettings(reclaim_cooldown_days=7)
    with pytest.raises(Conflict) as err:
        check_claim(rules, held=0, claimed_today=0, last_left_by_claimer_at=days_ago(6), now=NOW)
    assert err.value.code == "CUSTOMER_RECLAIM_COOLDOWN"
    check_claim(rules, held=0, claimed_today=0, last_left_by_claimer_at=days_ago(7), now=NOW)


def test_c3_claim_day_is_the_china_calendar_day():
    # 2026-03-01 17:00 UTC is 01:00 on 03-02 in China: the day started at 16:00 UTC.
    assert china_day_start(datetime(2026, 3, 1, 17, 0, tzinfo=UTC)) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("reason", "problem"), [("", "validation.required"), ("x" * 201, "validation.too_long")])
def test_c3_release_reason_is_required_and_short(reason, problem):
    with pytest.raises(InvalidInput) as err:
        check_reason(reason, required=True)
    assert err.value.fields == {"reason": problem}
