"""E7/E9 rules: balances never negative, the best recharge rule, instalment plans, points."""

from datetime import UTC, datetime

import pytest

from coupons import precharge_sheet
from coupons.domain import stored_value as rules
from crmkit.errors import Conflict, InvalidInput

NOW = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)


def rule(id, pay, bonus, *, member_type=rules.IN_STORE, first=False, instalments=1, coupons=(), products=()):
    return rules.Rule(id, member_type, pay, bonus, tuple(coupons), tuple(products), instalments, first)


def test_e9_a_debit_larger_than_the_balance_is_refused_whole():
    assert rules.apply(500, -500) == 0
    with pytest.raises(Conflict) as err:
        rules.apply(500, -501)
    assert err.value.code == "INSUFFICIENT_BALANCE"


def test_e7_the_highest_threshold_reached_wins_and_first_recharge_rules_only_count_first():
    rs = [rule("a", 10_000, 1_000), rule("b", 50_000, 8_000), rule("c", 1_000, 1_000, first=True)]
    assert rules.best_rule(rs, rules.IN_STORE, 60_000, first_recharge=False).id == "b"
    assert rules.best_rule(rs, rules.IN_STORE, 20_000, first_recharge=False).id == "a"
    assert rules.best_rule(rs, rules.IN_STORE, 5_000, first_recharge=True).id == "c"
    assert rules.best_rule(rs, rules.IN_STORE, 5_000, first_recharge=False) is None
    assert rules.best_rule(rs, rules.ONLINE, 60_000, first_recharge=True) is None


def test_e7_instalments_split_the_bonus_monthly_with_coupons_each_month_and_products_first():
    r = rule("r", 50_000, 10_000, instalments=3, coupons=("t1",), products=(("p1", 2),))
    parts = rules.plan(r, NOW)
    assert [p.bonus_fen for p in parts] == [3_334, 3_333, 3_333]
    assert sum(p.bonus_fen for p in parts) == 10_000
    assert [p.due_at.date().isoformat() for p in parts] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert all(p.coupon_template_ids == ("t1",) for p in parts)
    assert [p.gift_products for p in parts] == [(("p1", 2),), (), ()]


def test_e7_a_rule_names_its_bad_fields():
    with pytest.raises(InvalidInput) as err:
        rules.check_rule(rule("", 0, 0, member_type="x", instalments=0), "")
    assert set(err.value.fields) == {"name", "member_type", "pay", "instalments", "bonus"}
    with pytest.raises(InvalidInput) as err:
        rules.check_rule(rule("", 100, 10, member_type=rules.ONLINE, products=(("p", 1),)), "online")
    assert "gift_products" in err.value.fields


def test_e9_points_are_earned_per_whole_yuan():
    assert rules.points_for(9_999, 2) == 198
    assert rules.points_for(9_999, 0) == 0
    assert rules.points_for(0, 5) == 0


def test_e8_sheet_rows_are_checked_per_row_and_column():
    data = precharge_sheet.template(
        [
            ("13800000001", "100.50", "福利"),
            ("1380000", "10", ""),
            ("13800000003", "abc", ""),
            ("13800000001", "5", ""),
            ("13800000005", "1.234", ""),
            ("13800000006", "-3", ""),
        ]
    )
    rows, problems = precharge_sheet.read(data)
    assert [(r.row, r.phone, r.amount_fen) for r in rows] == [(2, "13800000001", 10_050)]
    assert {(p.row, p.column, p.message_key) for p in problems} == {
        (3, "手机号", "validation.phone_invalid"),
        (4, "金额", "validation.not_a_number"),
        (5, "手机号", "validation.duplicate"),
        (6, "金额", "validation.too_many_decimals"),
        (7, "金额", "validation.not_a_number"),
    }
    assert precharge_sheet.read(b"not a sheet")[1][0].message_key == "import.unreadable_file"
