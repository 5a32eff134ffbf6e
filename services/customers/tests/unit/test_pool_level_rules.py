"""C3 per member level: each level's own N and M in place of the tenant's, the warning K and
locked customers as for everyone, and the level rules' validation naming each bad field."""

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidInput
from customers.domain.pool import (
    LEVEL_RULES_MAX,
    NO_FOLLOWUP,
    NO_ORDER,
    CustomerSettings,
    HeldCustomer,
    PoolLevelRule,
    check_settings,
    pool_decision,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = CustomerSettings(
    pool_order_days=30,
    pool_warning_days=3,
    pool_level_rules=(
        PoolLevelRule("VIP", followup_days=0, order_days=90),
        PoolLevelRule("金卡", followup_days=10, order_days=0),
        PoolLevelRule("FREE", followup_days=0, order_days=0),
    ),
)


def days_ago(n):
    return NOW - timedelta(days=n)


def held(level="", owned=40, followup=None, order=None, locked=False):
    followup_at = days_ago(followup) if followup is not None else None
    order_at = days_ago(order) if order is not None else None
    return HeldCustomer(days_ago(400), days_ago(owned), followup_at, order_at, locked, level)


def test_c3_rule_of_the_customers_level_else_the_tenants():
    assert RULES.pool_days("VIP") == (0, 90)
    assert RULES.pool_days("金卡") == (10, 0)
    assert RULES.pool_days("") == (0, 30)
    # Codes match exactly, as the orders' level prices do.
    assert RULES.pool_days("vip") == (0, 30)


@pytest.mark.parametrize(
    ("customer", "returns", "warn_in_days"),
    [
        # 40 days without an order: a customer without a level goes back, a VIP stays.
        (held(""), NO_ORDER, None),
        (held("A"), NO_ORDER, None),
        (held("VIP"), None, None),
        (held("VIP", owned=91), NO_ORDER, None),
        # The warning K uses the level's deadline: VIP due in 2 days is warned.
        (held("VIP", owned=88), None, 2),
        (held("VIP", owned=86), None, None),
        # 金卡: follow-ups count (10 days), orders never do.
        (held("金卡", owned=400, order=None, followup=11), NO_FOLLOWUP, None),
        (held("金卡", owned=400, followup=8), None, 2),
        (held("金卡", owned=400, followup=1), None, None),
        # A level with both measures off never goes back automatically.
        (held("FREE", owned=3000), None, None),
        # Locked customers stay whatever their level.
        (held("", owned=300, locked=True), None, None),
        (held("金卡", owned=300, locked=True), None, None),
    ],
)
def test_c3_pool_decision_per_member_level(customer, returns, warn_in_days):
    decision = pool_decision(customer, RULES, NOW)
    assert decision.returns == returns
    expected = NOW + timedelta(days=warn_in_days) if warn_in_days is not None else None
    assert decision.warn_due_at == expected


def test_c3_a_level_rule_makes_the_tenant_return_idle_customers():
    assert not CustomerSettings().returns_idle
    assert not CustomerSettings(pool_level_rules=(PoolLevelRule("VIP"),)).returns_idle
    assert CustomerSettings(pool_level_rules=(PoolLevelRule("VIP", order_days=90),)).returns_idle


def test_c3_level_rules_checked_and_trimmed():
    saved = check_settings(
        CustomerSettings(
            pool_warning_days=3, pool_level_rules=(PoolLevelRule(" VIP ", 0, 90), PoolLevelRule("金卡", 10))
        )
    )
    assert saved.pool_level_rules == (PoolLevelRule("VIP", 0, 90), PoolLevelRule("金卡", 10, 0))


def _fields(settings):
    with pytest.raises(InvalidInput) as caught:
        check_settings(settings)
    return caught.value.fields


def test_c3_each_bad_level_rule_field_is_named():
    fields = _fields(
        CustomerSettings(
            pool_warning_days=5,
            pool_level_rules=(
                PoolLevelRule("VIP", 0, 90),
                PoolLevelRule("", 10, 0),
                PoolLevelRule("V-I-P", 10, 0),
                PoolLevelRule("VIP", 10, 0),
                PoolLevelRule("B", -1, 3651),
                PoolLevelRule("C", 30, 5),
            ),
        )
    )
    assert fields == {
        "pool_level_rules.1.level": "validation.required",
        "pool_level_rules.2.level": "validation.invalid",
        "pool_level_rules.3.level": "validation.duplicate",
        "pool_level_rules.4.followup_days": "validation.invalid",
        "pool_level_rules.4.order_days": "validation.invalid",
        # A return at or before the warning K could never be warned in time.
        "pool_level_rules.5.order_days": "validation.not_after_pool_warning",
    }


def test_c3_at_most_twenty_level_rules():
    rules = tuple(PoolLevelRule(f"L{i}", 10) for i in range(LEVEL_RULES_MAX))
    assert len(check_settings(CustomerSettings(pool_level_rules=rules)).pool_level_rules) == 20
    too_many = rules + (PoolLevelRule("X", 10),)
    assert _fields(CustomerSettings(pool_level_rules=too_many)) == {"pool_level_rules": "validation.too_many"}


def test_c3_level_rules_do_not_hide_other_settings_problems():
    fields = _fields(CustomerSettings(pool_followup_days=-1, pool_level_rules=(PoolLevelRule("VIP", 5000),)))
    assert fields == {
        "pool_followup_days": "validation.invalid",
        "pool_level_rules.0.followup_days": "validation.invalid",
    }
