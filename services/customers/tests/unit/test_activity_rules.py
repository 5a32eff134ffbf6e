"""C6-C9 pure rules: lead input, follow-up input, days, routes, duplicate kinds, the leads sheet."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook

from crmkit.auth import STAFF, Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain import activity as rules
from customers.leads_sheet import read_leads

NOW = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)  # already 6 January in China


def actor(*roles, sid="s1"):
    return Actor(kind=STAFF, subject_id=sid, tenant_id="t", roles=frozenset(roles), store_ids=("st",))


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_c7_lead_needs_name_and_phone_or_union_id():
    _, errors = rules.lead_problems(rules.LeadInput(name=""))
    assert errors == {"name": "validation.required", "phone": "validation.phone_or_union_id_required"}
    clean, errors = rules.lead_problems(rules.LeadInput(name=" 王 ", union_id="oABC_123-xyz", tags=("a", " a ", "")))
    assert errors == {} and clean.name == "王" and clean.tags == ("a",)
    assert rules.lead_problems(rules.LeadInput(name="x", phone="123"))[1] == {"phone": "validation.phone_invalid"}


def test_c8_followup_checks_status_content_and_next_time():
    with pytest.raises(InvalidInput) as err:
        rules.check_followup(rules.FollowupInput("bogus", "", NOW - timedelta(minutes=1)), now=NOW)
    assert err.value.fields == {
        "status": "validation.invalid_choice",
        "content": "validation.required",
        "next_followup_at": "validation.not_in_future",
    }
    ok = rules.check_followup(rules.FollowupInput(" interested ", " 想要样品 ", NOW + timedelta(days=1)), now=NOW)
    assert (ok.status, ok.content) == ("interested", "想要样品")


def test_c8_only_owner_or_manager_follows_a_customer_and_only_assignee_a_lead():
    assert rules.may_follow_customer(actor("salesperson"), "s1")
    assert not rules.may_follow_customer(actor("salesperson"), "s2")
    assert not rules.may_follow_customer(actor("salesperson"), None)
    assert rules.may_follow_customer(actor("store_manager"), "s2")
    assert rules.may_follow_lead(actor("salesperson"), "s1")
    assert not rules.may_follow_lead(actor("store_manager"), "s2")
    assert not rules.may_follow_lead(actor("salesperson"), None)


def test_c6_days_are_china_days():
    assert rules.china_day(NOW) == date(2026, 1, 6)
    assert rules.parse_day("", now=NOW) == date(2026, 1, 6)
    assert rules.parse_day("2026-02-01", now=NOW) == date(2026, 2, 1)
    for bad in ("2026-02-30", "1/2/2026", "2026-2-1"):
        with pytest.raises(InvalidInput) as err:
            rules.parse_day(bad, now=NOW)
        assert err.value.fields == {"day": "validation.invalid_date"}


def test_c6_salesperson_plans_own_day_manager_any():
    assert rules.visit_staff(actor("salesperson"), "") == "s1"
    assert rules.visit_staff(actor("store_manager", sid="m"), "s9") == "s9"
    with pytest.raises(PermissionDenied):
        rules.visit_staff(actor("salesperson"), "s9")
    with pytest.raises(PermissionDenied):
        rules.visit_staff(actor("finance"), "")


def test_c6_route_is_nearest_neighbour_with_unlocated_last():
    start = (31.2300, 121.4700)
    places = [
        rules.Place("far", 31.3000, 121.4700),
        rules.Place("none", None, None),
        rules.Place("near", 31.2310, 121.4700),
        rules.Place("mid", 31.2500, 121.4700),
    ]
    route = rules.nearest_neighbour_route(start, places)
    assert [p.key for p, _ in route] == ["near", "mid", "far", "none"]
    distances = [d for _, d in route]
    assert 100 < distances[0] < 125 and distances[-1] == -1
    # each leg is measured from the previous stop, not from the start
    assert abs(distances[1] - rules.distance_m(31.2310, 121.47, 31.25, 121.47)) < 1


def test_c6_route_goes_greedy_not_by_distance_from_start():
    # B is nearer the start than C, but after A, C is nearer than B.
    start = (0.0, 0.001)
    places = [rules.Place("B", 0.0, -0.02), rules.Place("A", 0.0, 0.01), rules.Place("C", 0.0, 0.025)]
    assert [p.key for p, _ in rules.nearest_neighbour_route(start, places)] == ["A", "C", "B"]


def test_c6_position_is_checked():
    with pytest.raises(InvalidInput) as err:
        rules.check_position(91, 200)
    assert err.value.fields == {"latitude": "validation.invalid", "longitude": "validation.invalid"}
    with pytest.raises(InvalidInput):
        rules.check_position(0, 0)
    rules.check_position(31.2, 121.4)


def test_c9_duplicate_kind():
    assert rules.duplicate_kind("a", "a") == rules.MERGEABLE
    assert rules.duplicate_kind(None, "a") == rules.MERGEABLE
    assert rules.duplicate_kind("a", None) == rules.MERGEABLE
    assert rules.duplicate_kind("a", "b") == rules.COLLISION


def test_c7_sheet_reports_bad_rows_by_row_and_column():
    data = xlsx(
        [
            ["姓名", "手机号", "微信unionID", "公司", "标签"],
            ["王芳", 13800001111, "", "芳芳超市", "大客户，零售"],
            ["", "12345", "", "", ""],
            [None, None, None, None, None],
            ["李雷", "", "", "", ""],
            ["韩梅", "", "oUnion_0001", "", "A、B"],
        ]
    )
    read = read_leads(data)
    assert [(r.row, r.lead.name, r.lead.phone, r.lead.tags) for r in read.rows] == [
        (2, "王芳", "13800001111", ("大客户", "零售")),
        (6, "韩梅", "", ("A", "B")),
    ]
    assert [(p.row, p.column, p.message_key) for p in read.problems] == [
        (3, "姓名", "validation.required"),
        (3, "手机号", "validation.phone_invalid"),
        (5, "手机号", "validation.phone_or_union_id_required"),
    ]


def test_c7_sheet_header_problems_and_unreadable_file():
    read = read_leads(xlsx([["名字", "手机号"], ["x", "13800001111"]]))
    assert [(p.row, p.column, p.message_key) for p in read.problems] == [
        (1, "名字", "import.unknown_column"),
        (1, "姓名", "import.missing_column"),
    ]
    assert read.rows == []
    assert [p.message_key for p in read_leads(b"not a workbook").problems] == ["import.unreadable_file"]
