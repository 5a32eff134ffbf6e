"""The merchant's reports (E6): the member report — new members per China day (customers
service) beside recharges, stored value spent and points (coupons service's ledger), and what
members hold now.

Who may read it: the owner, store managers and finance (the coupons service decides). The money
figures are asked for first, so a salesperson gets 403 without any figure being read; a
salesperson's own registrations are the customers service's GetNewCustomerReport, not this
page."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.coupons.v1 import stored_value_pb2 as sv_pb
from crm.customers.v1 import customers_pb2 as customers_pb
from gateway.api.calls import call
from gateway.api.common import SECURED
from gateway.api.reports_schemas import MemberReportOut, MemberReportQuery
from gateway.auth import staff_only

bp = APIBlueprint("reports", __name__, tag="Reports", url_prefix="/api/v1")
READ_ERRORS = [400, 401, 403, 429, 503]


@bp.get("/reports/members")
@bp.doc(operation_id="getMemberReport", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(MemberReportQuery, location="query", arg_name="query")
@bp.output(MemberReportOut)
def member_report(query):
    """New members, recharges, stored value spent and points per China day, and the balances
    and points members hold now (owner, store manager, finance; at most 366 days)"""
    money = call(
        "stored_value",
        "GetMemberReport",
        sv_pb.GetMemberReportRequest(
            date_from=query["date_from"].isoformat() if query["date_from"] else "",
            date_to=query["date_to"].isoformat() if query["date_to"] else "",
        ),
    )
    # The period as the coupons service settled it (defaults from its clock): the customers
    # service counts exactly the same days, even across midnight.
    members = call(
        "customers",
        "GetNewCustomerReport",
        customers_pb.GetNewCustomerReportRequest(
            date_from=money.date_from, date_to=money.date_to, store_id=query["store_id"]
        ),
    )
    new = {d.date: d.new_customers for d in members.days}
    return {
        "date_from": money.date_from,
        "date_to": money.date_to,
        "store_id": query["store_id"],
        "days": [
            {
                "date": d.date,
                "new_members": new.get(d.date, 0),
                "recharges": d.recharges,
                "recharge_paid_fen": d.recharge_paid_fen,
                "recharge_bonus_fen": d.recharge_bonus_fen,
                "stored_value_spent_fen": d.stored_value_spent_fen,
                "points_earned": d.points_earned,
                "points_spent": d.points_spent,
            }
            for d in money.days
        ],
        "totals": {
            "balance_fen": money.balance_fen,
            "accounts_with_balance": money.accounts_with_balance,
            "points_outstanding": money.points_outstanding,
        },
    }
