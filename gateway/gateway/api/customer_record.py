"""The customer record (C1), composed here from the services that own its parts, each asked with
the caller's own token so that each service applies its own scope (A1 A4): profile and tags from
customers, the owner's name from identity, trade history from orders, and points, stored-value
balance and coupons held from coupons.

The gateway holds no service token (only services do, ADR 0001), and needs none: the caller may
see the customer, and coupons asks the customers service the same question with the same token.
A part whose service cannot answer (UNAVAILABLE, or past the part's deadline) says so on its own,
`{"available": false, "reason": "service_unavailable"}`, never as zeros (a zero balance is a
fact, this is an absence) and never as an error of the whole record."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String

from crm.common.v1 import common_pb2
from crm.coupons.v1 import coupons_pb2 as cpb
from crm.coupons.v1 import stored_value_pb2 as svpb
from crm.identity.v1 import identity_pb2 as ipb
from crm.orders.v1 import orders_pb2 as opb
from crmkit.errors import DomainError, PermissionDenied, Unavailable
from crmkit.protos import datetime_of, fen_of
from gateway.api.calls import call
from gateway.api.coupon_schemas import CouponOut
from gateway.api.coupons import coupon_dict
from gateway.api.customer_schemas import CustomerOut
from gateway.api.fields import word
from gateway.api.order_schemas import ORDER_STATUSES

RECORD_ORDERS = 10
RECORD_COUPONS = 10
# A part of the record waits at most this long: the record opens without it rather than late.
PART_DEADLINE_SECONDS = 3.0
SERVICE_UNAVAILABLE = "service_unavailable"
NOT_PERMITTED = "not_permitted"


class Availability(Schema):
    available = Boolean(required=True)
    reason = String(metadata={"description": "Why the part is not shown: service_unavailable | not_permitted"})


class OrderSummaryOut(Schema):
    id = String()
    number = String()
    status = String()
    total_fen = Integer()
    debt_fen = Integer()
    submitted_at = DateTime(allow_none=True)


class TradeHistoryOut(Availability):
    orders = List(Nested(OrderSummaryOut))
    total = Integer()


class PointsOut(Availability):
    points = Integer(allow_none=True, metadata={"description": "Null when not available"})


class BalanceOut(Availability):
    balance_fen = Integer(allow_none=True, metadata={"description": "Stored value in fen; null when not available"})


class HeldCouponsOut(Availability):
    coupons = List(Nested(CouponOut), metadata={"description": f"The newest {RECORD_COUPONS} usable coupons"})
    total = Integer(allow_none=True, metadata={"description": "How many usable coupons the customer holds"})


class OwnerOut(Schema):
    id = String()
    name = String(allow_none=True)


class CustomerRecordOut(Schema):
    customer = Nested(CustomerOut)
    owner = Nested(OwnerOut, allow_none=True, metadata={"description": "Null in the public pool"})
    trade_history = Nested(TradeHistoryOut)
    points = Nested(PointsOut)
    balance = Nested(BalanceOut)
    coupons = Nested(HeldCouponsOut)


def _absent(reason: str, **empty) -> dict:
    return {"available": False, "reason": reason, **empty}


def trade_history(customer_id: str) -> dict:
    """The customer's latest orders (within the caller's scope of orders)."""
    empty = {"orders": [], "total": 0}
    try:
        page = common_pb2.PageRequest(page=1, page_size=RECORD_ORDERS)
        reply = call(
            "orders",
            "ListOrders",
            opb.ListOrdersRequest(customer_id=customer_id, page=page),
            timeout=PART_DEADLINE_SECONDS,
        )
    except Unavailable:
        return _absent(SERVICE_UNAVAILABLE, **empty)
    except PermissionDenied:
        return _absent(NOT_PERMITTED, **empty)
    orders = [
        {
            "id": o.id,
            "number": o.number,
            "status": word(ORDER_STATUSES, o.status),
            "total_fen": fen_of(o, "total"),
            "debt_fen": fen_of(o, "debt"),
            "submitted_at": datetime_of(o, "submitted_at"),
        }
        for o in reply.orders
    ]
    return {"available": True, "reason": "", "orders": orders, "total": reply.page.total}


def member_figures(customer_id: str) -> dict:
    """Points and balance (one account) and the coupons the customer can still use."""
    try:
        account = call(
            "stored_value",
            "GetAccount",
            svpb.GetAccountRequest(customer_id=customer_id),
            timeout=PART_DEADLINE_SECONDS,
        )
    except (Unavailable, PermissionDenied) as exc:
        reason = SERVICE_UNAVAILABLE if isinstance(exc, Unavailable) else NOT_PERMITTED
        points, balance = _absent(reason, points=None), _absent(reason, balance_fen=None)
    else:
        points = {"available": True, "reason": "", "points": account.points}
        balance = {"available": True, "reason": "", "balance_fen": account.balance.fen}
    try:
        request = cpb.ListCouponsRequest(
            customer_id=customer_id, held_only=True, page=common_pb2.PageRequest(page=1, page_size=RECORD_COUPONS)
        )
        held = call("coupons", "ListCoupons", request, timeout=PART_DEADLINE_SECONDS)
    except (Unavailable, PermissionDenied) as exc:
        reason = SERVICE_UNAVAILABLE if isinstance(exc, Unavailable) else NOT_PERMITTED
        coupons = _absent(reason, coupons=[], total=None)
    else:
        coupons = {
            "available": True,
            "reason": "",
            "coupons": [coupon_dict(c) for c in held.coupons],
            "total": held.page.total,
        }
    return {"points": points, "balance": balance, "coupons": coupons}


def owner(staff_id: str | None) -> dict | None:
    """The holding salesperson with their name from identity; the name stays None when identity
    cannot answer or the caller may not see that staff member (the id is still shown)."""
    if not staff_id:
        return None
    try:
        staff = call("identity", "GetStaff", ipb.GetStaffRequest(id=staff_id))
    except DomainError:
        return {"id": staff_id, "name": None}
    return {"id": staff_id, "name": staff.name}
