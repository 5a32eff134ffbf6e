"""The merchant's side of the storefront orders (B6 B7 B8 B12, F4's workbench): the orders of the
caller's stores, the day's summary, the steps (accept, confirm, ship, verify...), refund decisions,
handing a takeaway to the delivery company, and an order's change log (A1). Staff tokens only;
which store and step a person may touch is the orders service's StorefrontService to decide."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.orders.v1 import storefront_pb2 as pb
from gateway.api.calls import call
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, STEP_ERRORS, WRITE_ERRORS, page_request
from gateway.api.order_schemas import IdempotencyKeyHeader
from gateway.api.storefront_schemas import (
    RefundApproveIn,
    RefundRejectIn,
    StaffStorefrontOrderIn,
    StorefrontOrderListOut,
    StorefrontOrderOut,
    StorefrontOrderQuery,
    StorefrontStepIn,
    StorefrontSummaryOut,
    StorefrontSummaryQuery,
    StorefrontVerifyIn,
    check_step,
    place_request,
    storefront_list_dict,
    storefront_order_dict,
    summary_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("storefront", __name__, tag="Storefront", url_prefix="/api/v1/storefront")

# The merchant's steps of orders.domain.storefront.STEPS (the service checks who may take each).
MERCHANT_ACTIONS = ("accept", "confirm", "ship", "dispatch", "deliver", "delivery_failed", "verify")


def storefront(method: str, request_message):
    return call("storefront", method, request_message)


def order_out(method: str, request_message) -> dict:
    return storefront_order_dict(storefront(method, request_message))


@bp.get("/orders")
@bp.doc(operation_id="listStorefrontOrders", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StorefrontOrderQuery, location="query", arg_name="query")
@bp.output(StorefrontOrderListOut)
def list_orders(query):
    """The storefront orders of my stores, newest first, by store, kind, state, China day or a
    refund request waiting"""
    request = pb.ListStorefrontOrdersRequest(
        store_id=query["store_id"],
        kind=query["kind"],
        state=query["state"],
        day=query["day"].isoformat() if query["day"] else "",
        refund_pending=query["refund_pending"],
        page=page_request(query),
    )
    return storefront_list_dict(storefront("ListOrders", request))


@bp.get("/summary")
@bp.doc(operation_id="summarizeStorefrontDay", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StorefrontSummaryQuery, location="query", arg_name="query")
@bp.output(StorefrontSummaryOut)
def summarize_day(query):
    """One China day of a store's orders, counted by kind and state (the workbench's head)"""
    day = query["day"].isoformat() if query["day"] else ""
    request = pb.SummarizeStorefrontDayRequest(store_id=query["store_id"], day=day)
    return summary_dict(storefront("SummarizeDay", request))


@bp.post("/orders")
@bp.doc(operation_id="placeStorefrontOrderForCustomer", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(IdempotencyKeyHeader, location="headers", arg_name="headers")
@bp.input(StaffStorefrontOrderIn, arg_name="body")
@bp.output(StorefrontOrderOut, status_code=201)
def place_order(headers, body):
    """Place a storefront order for a customer at the counter (Idempotency-Key required)

    Lines are priced from the catalogue; face_to_face and top_up carry `amount_fen` and no lines.
    The order waits for payment; unpaid, it closes after the tenant's minutes.
    """
    request = place_request(body, headers["idempotency_key"], customer_id=body["customer_id"])
    return order_out("PlaceOrder", request)


@bp.get("/orders/<string:order_id>")
@bp.doc(operation_id="getStorefrontOrder", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(StorefrontOrderOut)
def get_order(order_id):
    """One storefront order of my stores, with what I may do now"""
    return order_out("GetOrder", pb.GetStorefrontOrderRequest(id=order_id))


@bp.get("/orders/<string:order_id>/changes")
@bp.doc(operation_id="listStorefrontOrderChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_order_changes(order_id, query):
    """Who changed the storefront order, what and when (A1 change log)

    Newest first, paged; each entry names who (staff, the customer, a service, or the system job
    or provider callback that did it), when, and the changed fields before and after. Scoped like
    the order itself: one the caller may not see is 404.
    """
    return changes_of("storefront", "ListStorefrontOrderChanges", order_id, query)


@bp.post("/orders/<string:order_id>/actions/<string:action>")
@bp.doc(operation_id="takeStorefrontAction", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(StorefrontStepIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def take_action(order_id, action, body):
    """Take a step: accept, confirm, ship (carrier, tracking_no), dispatch, deliver,
    delivery_failed (reason), verify (code)

    A step the order's kind or state does not allow is 409; one I may not take, 403.
    """
    check_step(action, MERCHANT_ACTIONS, body)
    return order_out("TakeAction", pb.StorefrontActionRequest(id=order_id, action=action, **body))


@bp.post("/verify")
@bp.doc(operation_id="verifyStorefrontCode", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(StorefrontVerifyIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def verify_code(body):
    """Verify the code a customer shows (B7), typed or scanned; each code verifies once"""
    return order_out("VerifyByCode", pb.VerifyStorefrontCodeRequest(code=body["code"], store_id=body["store_id"]))


@bp.post("/orders/<string:order_id>/refunds/<string:refund_id>/approve")
@bp.doc(operation_id="approveStorefrontRefund", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(RefundApproveIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def approve_refund(order_id, refund_id, body):
    """Approve a refund request (B8): `amount_fen` at most what is left, 0 for what was asked

    The money goes back the way it came (WeChat Pay or stored value).
    """
    request = pb.DecideStorefrontRefundRequest(id=order_id, refund_id=refund_id, approve=True)
    request.amount.fen = body["amount_fen"]
    return order_out("DecideRefund", request)


@bp.post("/orders/<string:order_id>/refunds/<string:refund_id>/reject")
@bp.doc(operation_id="rejectStorefrontRefund", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(RefundRejectIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def reject_refund(order_id, refund_id, body):
    """Reject a refund request, with the reason the customer sees"""
    request = pb.DecideStorefrontRefundRequest(id=order_id, refund_id=refund_id, approve=False, reason=body["reason"])
    return order_out("DecideRefund", request)


@bp.post("/orders/<string:order_id>/delivery")
@bp.doc(operation_id="handStorefrontOrderToDelivery", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(StorefrontOrderOut)
def hand_to_delivery(order_id):
    """Hand an accepted takeaway order to the delivery company (B12); the order dispatches"""
    return order_out("HandToDelivery", pb.HandToDeliveryRequest(id=order_id))
