"""Schemas of the merchant's reports (E6 member report). Money is integer fen (`*_fen`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, Integer, List, Nested, String
from apiflask.validators import Length

MAX_REPORT_DAYS = 366


class MemberReportQuery(Schema):
    date_from = Date(
        load_default=None, metadata={"description": "YYYY-MM-DD, inclusive, China time; default 29 days before date_to"}
    )
    date_to = Date(
        load_default=None,
        metadata={"description": f"YYYY-MM-DD, inclusive, China time; default today; at most {MAX_REPORT_DAYS} days"},
    )
    store_id = String(
        load_default="",
        validate=Length(max=36),
        metadata={
            "description": "Optional: count only new members registered in this store (money figures stay tenant-wide)"
        },
    )


class MemberDayOut(Schema):
    date = String(required=True, metadata={"description": "YYYY-MM-DD, China time"})
    new_members = Integer(required=True, metadata={"description": "Customers registered that day"})
    recharges = Integer(required=True)
    recharge_paid_fen = Integer(required=True)
    recharge_bonus_fen = Integer(required=True, metadata={"description": "Recharge bonuses credited that day"})
    stored_value_spent_fen = Integer(required=True, metadata={"description": "Every stored-value debit that day"})
    points_earned = Integer(required=True)
    points_spent = Integer(required=True)


class MemberTotalsOut(Schema):
    balance_fen = Integer(required=True, metadata={"description": "Stored value members hold now"})
    accounts_with_balance = Integer(required=True, metadata={"description": "Members with a positive balance now"})
    points_outstanding = Integer(required=True, metadata={"description": "Points members hold now"})


class MemberReportOut(Schema):
    date_from = String(required=True)
    date_to = String(required=True)
    store_id = String(required=True)
    days = List(Nested(MemberDayOut), required=True, metadata={"description": "Every day of the period, oldest first"})
    totals = Nested(MemberTotalsOut, required=True)
