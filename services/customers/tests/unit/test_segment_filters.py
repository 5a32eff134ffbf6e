"""C4 filter rules without a database: validation names the field, the JSON form round-trips,
windows and cut-offs follow `as_of`."""

from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit.errors import InvalidInput
from customers.domain.fields import CHOICE, DATE, NUMBER, TEXT, FieldDefinition
from customers.domain.segments import (
    PRESETS,
    FieldCondition,
    Purchase,
    SegmentFilter,
    check_filter,
    check_name,
    filter_from_json,
    filter_to_json,
    sleeping_members,
)

AS_OF = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
DEFS = [
    FieldDefinition("shop_type", "类型", CHOICE, options=("超市", "便利店")),
    FieldDefinition("area", "面积", NUMBER),
    FieldDefinition("opened", "开业", DATE),
    FieldDefinition("note", "备注", TEXT),
]


def invalid(f: SegmentFilter) -> dict:
    with pytest.raises(InvalidInput) as err:
        check_filter(f, DEFS)
    return err.value.fields


def test_c4_empty_filter_is_valid_and_means_everyone():
    assert check_filter(SegmentFilter(), DEFS) == SegmentFilter()


def test_c4_unknown_custom_field_is_named():
    assert invalid(SegmentFilter(fields=(FieldCondition("colour", "eq", ("red",)),))) == {
        "filter.fields.colour": "validation.unknown_field"
    }


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (FieldCondition("shop_type", "gte", ("超市",)), "validation.invalid"),
        (FieldCondition("shop_type", "eq", ("饭店",)), "validation.invalid_choice"),
        (FieldCondition("area", "gte", ("big",)), "validation.not_a_number"),
        (FieldCondition("opened", "lte", ("2026-13-01",)), "validation.invalid_date"),
        (FieldCondition("note", "contains", ()), "validation.required"),
        (FieldCondition("note", "contains", ("a", "b")), "validation.invalid"),
    ],
)
def test_c4_field_conditions_are_checked_by_kind(condition, message):
    assert invalid(SegmentFilter(fields=(condition,))) == {f"filter.fields.{condition.key}": message}


def test_c4_bounds_and_periods_are_checked():
    fields = invalid(
        SegmentFilter(
            no_purchase_days=0,
            period_days=30,
            period_from=date(2026, 1, 1),
            min_amount_fen=10,
            max_amount_fen=5,
            max_order_count=-1,
            region_prefixes=("31 01",),
        )
    )
    assert fields == {
        "filter.no_purchase_days": "validation.invalid",
        "filter.period_days": "validation.invalid",
        "filter.min_amount_fen": "validation.invalid",
        "filter.max_order_count": "validation.invalid",
        "filter.region_prefixes": "validation.invalid",
    }


def test_c4_name_is_required_and_short():
    assert check_name(" 沉睡 ") == "沉睡"
    with pytest.raises(InvalidInput):
        check_name("x" * 31)


def test_c4_json_form_round_trips():
    f = SegmentFilter(
        fields=(FieldCondition("area", "gte", ("10",)),),
        tag_ids=("t1",),
        levels=("gold",),
        region_prefixes=("3101",),
        last_purchase_before=AS_OF,
        no_purchase_days=30,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 2, 1),
        min_amount_fen=100,
        brands=("伊利",),
    )
    assert filter_from_json(filter_to_json(f)) == f
    assert filter_to_json(SegmentFilter()) == {}


def test_c4_window_and_cutoff_follow_as_of():
    assert SegmentFilter(period_days=7).window(AS_OF) == (date(2026, 3, 4), date(2026, 3, 10))
    assert SegmentFilter().window(AS_OF) == (None, None)
    assert sleeping_members(30).sleeping_cutoff(AS_OF) == AS_OF - timedelta(days=30)
    assert SegmentFilter(max_order_count=2).zero_buyer_matches()
    assert not SegmentFilter(min_amount_fen=1).zero_buyer_matches()


def test_c4_sleeping_members_is_a_ready_made_filter():
    assert PRESETS[0].key == "sleeping_members"
    assert PRESETS[0].filter == sleeping_members()


def test_c4_purchase_day_is_the_china_day():
    shanghai_morning = datetime.fromisoformat("2026-03-09T23:00:00+00:00")  # 07:00 on the 10th in China
    assert Purchase("c", shanghai_morning, 1, 100).day == date(2026, 3, 10)


def test_c4_last_n_days_end_on_the_china_day():
    late_evening_utc = datetime.fromisoformat("2026-03-09T17:00:00+00:00")  # 01:00 on the 10th in China
    assert SegmentFilter(period_days=7).window(late_evening_utc) == (date(2026, 3, 4), date(2026, 3, 10))


# --- coupon behaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "fields"),
    [
        (SegmentFilter(coupons_unused_min=0), {"filter.coupons_unused_min": "validation.invalid"}),
        (SegmentFilter(coupons_unused_min=1001), {"filter.coupons_unused_min": "validation.invalid"}),
        (SegmentFilter(coupon_redeemed_within_days=0), {"filter.coupon_redeemed_within_days": "validation.invalid"}),
        (
            SegmentFilter(no_coupon_redeemed_within_days=3651),
            {"filter.no_coupon_redeemed_within_days": "validation.invalid"},
        ),
        (
            SegmentFilter(coupons_unused_min=1, coupon_template_ids=("tpl 1",)),
            {"filter.coupon_template_ids": "validation.invalid"},
        ),
        # Templates alone say neither "holds" nor "redeemed".
        (
            SegmentFilter(coupon_template_ids=("tpl-1",)),
            {"filter.coupon_template_ids": "validation.coupon_condition_required"},
        ),
        # Redeemed in the last 30 days but none in the last 30 (or 90): nobody, ever.
        (
            SegmentFilter(coupon_redeemed_within_days=30, no_coupon_redeemed_within_days=30),
            {"filter.no_coupon_redeemed_within_days": "validation.invalid"},
        ),
        (
            SegmentFilter(coupon_redeemed_within_days=30, no_coupon_redeemed_within_days=90, levels=("",)),
            {"filter.no_coupon_redeemed_within_days": "validation.invalid", "filter.levels": "validation.invalid"},
        ),
    ],
)
def test_c4_coupon_conditions_are_checked_and_named(f, fields):
    assert invalid(f) == fields


def test_c4_coupon_conditions_that_can_match_are_valid():
    f = SegmentFilter(
        coupons_unused_min=2,
        coupon_template_ids=("tpl-1", "tpl-1", " tpl-2 "),
        coupon_redeemed_within_days=90,
        no_coupon_redeemed_within_days=30,
    )
    checked = check_filter(f, DEFS)
    assert checked.coupon_template_ids == ("tpl-1", "tpl-2")
    assert checked.has_coupon_condition
    assert check_filter(SegmentFilter(no_coupon_redeemed_within_days=30), DEFS).has_coupon_condition
    assert not SegmentFilter(coupon_template_ids=("tpl-1",)).has_coupon_condition


def test_c4_coupon_conditions_round_trip_the_json_form():
    f = SegmentFilter(
        coupons_unused_min=1,
        coupon_template_ids=("tpl-1",),
        coupon_redeemed_within_days=30,
        no_coupon_redeemed_within_days=7,
        levels=("gold",),
    )
    data = filter_to_json(f)
    assert data == {
        "levels": ["gold"],
        "coupon_template_ids": ["tpl-1"],
        "coupons_unused_min": 1,
        "coupon_redeemed_within_days": 30,
        "no_coupon_redeemed_within_days": 7,
    }
    assert filter_from_json(data) == f
    # Segments saved before coupon conditions existed read back without them.
    assert filter_from_json({"levels": ["gold"]}) == SegmentFilter(levels=("gold",))


def test_c4_coupon_redemption_windows_follow_as_of():
    f = SegmentFilter(coupon_redeemed_within_days=30, no_coupon_redeemed_within_days=7)
    assert f.coupon_redeemed_since(AS_OF) == AS_OF - timedelta(days=30)
    assert f.no_coupon_redeemed_since(AS_OF) == AS_OF - timedelta(days=7)
    assert SegmentFilter().coupon_redeemed_since(AS_OF) is None
