"""E7/E9 properties (hypothesis): instalment plans give exactly the rule's bonus, a ledger never
goes below zero whatever the order of changes, and the chosen rule is the best that fits."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from coupons.domain import stored_value as rules
from crmkit.errors import Conflict

NOW = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)


@given(bonus=st.integers(0, 10**9), n=st.integers(1, rules.MAX_INSTALMENTS))
def test_e7_instalments_add_up_to_the_bonus_and_are_a_month_apart(bonus, n):
    r = rules.Rule("r", rules.IN_STORE, 100, bonus, ("t",), (("p", 1),), n, False)
    parts = rules.plan(r, NOW)
    assert sum(p.bonus_fen for p in parts) == bonus
    assert max(p.bonus_fen for p in parts) - min(p.bonus_fen for p in parts) <= n
    assert [p.seq for p in parts] == list(range(1, n + 1))
    assert all(a.due_at < b.due_at for a, b in zip(parts, parts[1:], strict=False))
    assert sum(1 for p in parts if p.gift_products) == 1


@given(st.lists(st.integers(-10_000, 10_000), max_size=60))
def test_e9_a_ledger_never_goes_below_zero(deltas):
    balance, history = 0, []
    for delta in deltas:
        try:
            balance = rules.apply(balance, delta)
        except Conflict:
            assert balance + delta < 0  # refused only when it would overdraw
        history.append(balance)
    assert all(b >= 0 for b in history)


rule_st = st.builds(
    lambda i, mt, pay, bonus, first: rules.Rule(f"r{i}", mt, pay, bonus, (), (), 1, first),
    st.integers(0, 10**6),
    st.sampled_from(rules.MEMBER_TYPES),
    st.integers(1, 10**6),
    st.integers(0, 10**5),
    st.booleans(),
)


@given(st.lists(rule_st, max_size=8), st.sampled_from(rules.MEMBER_TYPES), st.integers(1, 2 * 10**6), st.booleans())
def test_e7_the_chosen_rule_fits_and_none_fitting_is_better(rs, member_type, paid, first):
    chosen = rules.best_rule(rs, member_type, paid, first_recharge=first)
    fitting = [
        r for r in rs if r.member_type == member_type and r.pay_fen <= paid and (first or not r.first_recharge_only)
    ]
    if not fitting:
        assert chosen is None
        return
    assert chosen in fitting
    assert all((r.pay_fen, r.bonus_fen) <= (chosen.pay_fen, chosen.bonus_fen) for r in fitting)
