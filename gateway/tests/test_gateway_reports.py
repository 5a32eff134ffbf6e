"""E6 member report over HTTP at the gateway, in front of fake coupons and customers servers:
both answers merged per day, the period the coupons service settled passed on to the customers
service, bad input named, and a refusal of the money figures is a 403 with no customer call."""

from __future__ import annotations

import pytest

from crm.coupons.v1 import stored_value_pb2 as sv_pb
from crm.coupons.v1 import stored_value_pb2_grpc
from crm.customers.v1 import customers_pb2 as customers_pb
from crm.customers.v1 import customers_pb2_grpc
from crmkit.auth import TokenVerifier, require_actor
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.grpc_server import ServiceRegistration, build_server

REPORTS_PATHS = {("get", "/api/v1/reports/members")}


class FakeStoredValue(stored_value_pb2_grpc.StoredValueServiceServicer):
    def __init__(self):
        self.requests = []

    def GetMemberReport(self, request, context):
        self.requests.append(request)
        if not require_actor().has_role("owner", "store_manager", "finance"):
            raise PermissionDenied("STORED_VALUE_DENIED", "error.permission_denied")
        if request.date_from < "2025-06-01" and request.date_from:
            raise InvalidInput("STORED_VALUE_INPUT_INVALID", fields={"date_to": "validation.invalid"})
        day = sv_pb.MemberReportDay
        return sv_pb.MemberReport(
            date_from="2026-11-22",
            date_to="2026-11-23",
            days=[
                day(date="2026-11-22"),
                day(
                    date="2026-11-23",
                    recharges=2,
                    recharge_paid_fen=60_000,
                    recharge_bonus_fen=8_000,
                    stored_value_spent_fen=3_000,
                    points_earned=246,
                    points_spent=46,
                ),
            ],
            balance_fen=65_000,
            accounts_with_balance=2,
            points_outstanding=200,
        )


class FakeNewCustomers(customers_pb2_grpc.CustomersServiceServicer):
    def __init__(self):
        self.requests = []

    def GetNewCustomerReport(self, request, context):
        self.requests.append(request)
        return customers_pb.NewCustomerReport(
            date_from=request.date_from,
            date_to=request.date_to,
            days=[
                customers_pb.NewCustomerDay(date="2026-11-22", new_customers=1),
                customers_pb.NewCustomerDay(date="2026-11-23", new_customers=3),
            ],
            total=4,
        )


@pytest.fixture(scope="module")
def report_fakes(keys):
    money, members = FakeStoredValue(), FakeNewCustomers()
    regs = [
        ServiceRegistration(
            stored_value_pb2_grpc.add_StoredValueServiceServicer_to_server, money, "crm.coupons.v1.StoredValueService"
        ),
        ServiceRegistration(
            customers_pb2_grpc.add_CustomersServiceServicer_to_server, members, "crm.customers.v1.CustomersService"
        ),
    ]
    server, port, _ = build_server("reports", regs, verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1")
    server.start()
    yield money, members, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture
def report_client(make_app, report_fakes):
    money, members, address = report_fakes
    money.requests.clear()
    members.requests.clear()
    return make_app(peers={"coupons": address, "customers": address}).test_client()


def test_e6_member_report_merges_new_members_and_money_per_day(report_client, report_fakes, token):
    headers = {"Authorization": f"Bearer {token(roles=('finance',))}"}
    response = report_client.get("/api/v1/reports/members?store_id=store-1", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["days"] == [
        {
            "date": "2026-11-22",
            "new_members": 1,
            "recharges": 0,
            "recharge_paid_fen": 0,
            "recharge_bonus_fen": 0,
            "stored_value_spent_fen": 0,
            "points_earned": 0,
            "points_spent": 0,
        },
        {
            "date": "2026-11-23",
            "new_members": 3,
            "recharges": 2,
            "recharge_paid_fen": 60_000,
            "recharge_bonus_fen": 8_000,
            "stored_value_spent_fen": 3_000,
            "points_earned": 246,
            "points_spent": 46,
        },
    ]
    assert body["totals"] == {"balance_fen": 65_000, "accounts_with_balance": 2, "points_outstanding": 200}
    assert (body["date_from"], body["date_to"], body["store_id"]) == ("2026-11-22", "2026-11-23", "store-1")
    money, members, _ = report_fakes
    # No dates given: the coupons service settles the default, the customers service counts those days.
    assert (money.requests[0].date_from, money.requests[0].date_to) == ("", "")
    asked = members.requests[0]
    assert (asked.date_from, asked.date_to, asked.store_id) == ("2026-11-22", "2026-11-23", "store-1")


def test_e6_member_report_is_403_for_a_salesperson_without_counting_members(report_client, report_fakes, token):
    headers = {"Authorization": f"Bearer {token(roles=('salesperson',))}"}
    response = report_client.get("/api/v1/reports/members", headers=headers)
    assert response.status_code == 403
    assert report_fakes[1].requests == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("date_from=2026-13-01", "date_from"), ("date_to=soon", "date_to"), ("store_id=" + "x" * 37, "store_id")],
)
def test_e6_member_report_bad_query_names_the_field(report_client, auth, query, field):
    response = report_client.get(f"/api/v1/reports/members?{query}", headers=auth)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_e6_member_report_passes_on_the_services_field_errors(report_client, auth):
    # More than 366 days: the services own that rule; the gateway shows their field, in Chinese.
    response = report_client.get("/api/v1/reports/members?date_from=2025-01-01&date_to=2026-06-01", headers=auth)
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["date_to"]
