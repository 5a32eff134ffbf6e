"""Ordering on site (B2): price quotes, copying the last order, submitting, the back-office steps
(approve, reject, pick, ship), reading and listing orders; and the tenant's order settings."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.orders.v1 import orders_pb2 as pb
from gateway.api.calls import call
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, STEP_ERRORS, page_out, page_request
from gateway.api.order_schemas import (
    ORDER_STATUSES,
    IdempotencyKeyHeader,
    OrderIn,
    OrderListOut,
    OrderOut,
    OrderQuery,
    OrderSettingsIO,
    QuoteIn,
    QuotesOut,
    ReasonIn,
    VerifyIn,
    lines_pb,
    order_dict,
    quote_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("orders", __name__, tag="Orders", url_prefix="/api/v1")


@bp.post("/orders/quote")
@bp.doc(operation_id="quotePrices", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(QuoteIn, arg_name="body")
@bp.output(QuotesOut)
def quote_prices(body):
    """The prices of products for a customer, and the default one

    Price tracking: the last price the customer paid, else the customer price, else the level
    price, else the wholesale price. Absent prices are `null`.
    """
    request = pb.QuotePricesRequest(customer_id=body["customer_id"], product_ids=body["product_ids"])
    return {"quotes": [quote_dict(q) for q in call("orders", "QuotePrices", request).quotes]}


@bp.get("/customers/<string:customer_id>/last-order")
@bp.doc(operation_id="getLastOrder", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(OrderOut)
def get_last_order(customer_id):
    """The customer's most recent order, to copy its lines"""
    return order_dict(call("orders", "GetLastOrder", pb.GetLastOrderRequest(customer_id=customer_id)))


@bp.post("/orders")
@bp.doc(operation_id="submitOrder", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(IdempotencyKeyHeader, location="headers", arg_name="headers")
@bp.input(OrderIn, arg_name="body")
@bp.output(OrderOut, status_code=201)
def submit_order(headers, body):
    """Submit an order for a customer (Idempotency-Key required)

    A line without `price_source` takes the tracked default price; `manual` with `price_fen`
    needs the `change_price` switch. The key is also deduplicated by the service itself.
    """
    request = pb.SubmitOrderRequest(
        customer_id=body["customer_id"],
        store_id=body.get("store_id", ""),
        lines=lines_pb(body["lines"]),
        note=body["note"],
        idempotency_key=headers["idempotency_key"],
        coupon_codes=body["coupon_codes"],
    )
    return order_dict(call("orders", "SubmitOrder", request))


@bp.post("/orders/verify")
@bp.doc(operation_id="verifyOrder", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(VerifyIn, arg_name="body")
@bp.output(OrderOut)
def verify_order(body):
    """Verify the code a customer shows to collect an order (B7): typed or the scanned QR
    payload; hands the goods over (stock out), once (owner, store manager, warehouse)"""
    return order_dict(call("orders", "VerifyOrder", pb.VerifyOrderRequest(code=body["code"])))


def _step(method: str, order_id: str) -> dict:
    return order_dict(call("orders", method, pb.OrderActionRequest(id=order_id)))


@bp.post("/orders/<string:order_id>/approve")
@bp.doc(operation_id="approveOrder", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(OrderOut)
def approve_order(order_id):
    """Approve a submitted order (owner, store manager, warehouse)"""
    return _step("ApproveOrder", order_id)


@bp.post("/orders/<string:order_id>/reject")
@bp.doc(operation_id="rejectOrder", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(ReasonIn, arg_name="body")
@bp.output(OrderOut)
def reject_order(order_id, body):
    """Reject a submitted order, with the reason"""
    return order_dict(call("orders", "RejectOrder", pb.RejectOrderRequest(id=order_id, reason=body["reason"])))


@bp.post("/orders/<string:order_id>/pick")
@bp.doc(operation_id="pickOrder", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(OrderOut)
def pick_order(order_id):
    """Mark an approved order as picked"""
    return _step("PickOrder", order_id)


@bp.post("/orders/<string:order_id>/ship")
@bp.doc(operation_id="shipOrder", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(OrderOut)
def ship_order(order_id):
    """Ship a picked order: stock goes out

    409 `INSUFFICIENT_STOCK` unless the tenant allows negative stock.
    """
    return _step("ShipOrder", order_id)


@bp.get("/orders/<string:order_id>")
@bp.doc(operation_id="getOrder", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(OrderOut)
def get_order(order_id):
    """Get one order"""
    return order_dict(call("orders", "GetOrder", pb.GetOrderRequest(id=order_id)))


@bp.get("/orders")
@bp.doc(operation_id="listOrders", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(OrderQuery, location="query", arg_name="query")
@bp.output(OrderListOut)
def list_orders(query):
    """List orders, newest first

    A salesperson sees the orders of customers they can see.
    """
    request = pb.ListOrdersRequest(
        page=page_request(query),
        statuses=[ORDER_STATUSES[s] for s in query.get("status", [])],
        customer_id=query["customer_id"],
        date_from=query["date_from"].isoformat() if query.get("date_from") else "",
        date_to=query["date_to"].isoformat() if query.get("date_to") else "",
        query=query["q"].strip(),
    )
    reply = call("orders", "ListOrders", request)
    return {"orders": [order_dict(o) for o in reply.orders], "page": page_out(reply.page)}


@bp.get("/order-settings")
@bp.doc(operation_id="getOrderSettings", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(OrderSettingsIO)
def get_order_settings():
    """The tenant's order settings"""
    reply = call("orders", "GetOrderSettings", pb.GetOrderSettingsRequest())
    return {"allow_negative_stock": reply.allow_negative_stock, "credit_control": reply.credit_control}


@bp.put("/order-settings")
@bp.doc(operation_id="updateOrderSettings", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(OrderSettingsIO, arg_name="body")
@bp.output(OrderSettingsIO)
def update_order_settings(body):
    """Change the tenant's order settings (owner)"""
    wanted = pb.OrderSettings(allow_negative_stock=body["allow_negative_stock"], credit_control=body["credit_control"])
    reply = call("orders", "UpdateOrderSettings", wanted)
    return {"allow_negative_stock": reply.allow_negative_stock, "credit_control": reply.credit_control}


@bp.get("/orders/<string:order_id>/changes")
@bp.doc(operation_id="listOrderChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_order_changes(order_id, query):
    """Who changed the order, what and when (A1 change log)

    Newest first, paged; each entry names who (staff, service or a scheduled job), when, and the
    changed fields before and after. Scoped like the order itself: one the caller may not see is 404.
    """
    return changes_of("orders", "ListOrderChanges", order_id, query)
