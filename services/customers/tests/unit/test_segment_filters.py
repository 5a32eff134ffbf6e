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
