"""The shop (B6 B7 B8): a merchant's customers log in by SMS code, see its stores and listed
products, place and pay their own orders, take their own steps and ask for refunds.

Login is public (limited per address like staff login, identity limits per phone and address
too). Everything else takes the customer token it answers, and only that: the tenant is the
token's; staff tokens are 403 (staff work on these orders under /storefront/). The stores and
products are read by the gateway as itself for the customer's tenant: a customer token opens no
staff method of identity or orders (crmkit.grpc_server), and the shop shows only what every
customer may see. The orders are the StorefrontService's, called with the customer's token.
"""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as ipb
from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import storefront_pb2 as pb
from gateway.api.calls import call, call_public
from gateway.api.common import READ_ERRORS, SECURED, STEP_ERRORS, WRITE_ERRORS, config, page_request
from gateway.api.order_schemas import IdempotencyKeyHeader
from gateway.api.shop_schemas import (
    SHOP_ACTIONS,
    ShopCodeIn,
    ShopCodeOut,
    ShopLoginIn,
    ShopLoginOut,
    ShopOrderQuery,
    ShopPayIn,
    ShopPaymentOut,
    ShopProductQuery,
    ShopProductsOut,
    ShopRefundIn,
    ShopStepIn,
    ShopStoresOut,
)
from gateway.api.storefront_schemas import (
    StorefrontOrderIn,
    StorefrontOrderListOut,
    StorefrontOrderOut,
    check_step,
    place_request,
    storefront_list_dict,
    storefront_order_dict,
)
from gateway.auth import current_actor, customer_only
from gateway.idempotency import idempotent
from gateway.ratelimit import public_limit

bp = APIBlueprint("shop", __name__, tag="Shop", url_prefix="/api/v1/shop")
LOGIN_ERRORS = [400, 401, 404, 429, 503]


def order_out(method: str, request_message) -> dict:
    return storefront_order_dict(call("storefront", method, request_message))


# --- login ---


@bp.post("/login/code")
@bp.doc(operation_id="requestShopLoginCode", responses=LOGIN_ERRORS)
@public_limit
@bp.input(ShopCodeIn, arg_name="body")
@bp.output(ShopCodeOut, status_code=202)
def request_login_code(body):
    """Send a customer's login code to the phone (public)

    Any well-formed phone; one a minute per merchant and phone, 10 a day per phone. An unknown
    merchant is 404 `TENANT_NOT_FOUND`.
    """
    request = ipb.RequestCustomerCodeRequest(tenant_id=body["tenant_id"], phone=body["phone"])
    reply = call_public("identity", "RequestCustomerCode", request)
    return {"expires_in_seconds": reply.expires_in_seconds, "resend_after_seconds": reply.resend_after_seconds}


@bp.post("/login")
@bp.doc(operation_id="loginToShop", responses=LOGIN_ERRORS)
@public_limit
@bp.input(ShopLoginIn, arg_name="body")
@bp.output(ShopLoginOut)
def login(body):
    """Log a customer in with the code (public)

    The merchant's customer with the phone (registered the first time) and a customer token for
    the shop's endpoints; 401 `INVALID_CODE` / `CODE_EXPIRED` as for staff. A staff login code
    does not work here.
    """
    request = ipb.LoginCustomerRequest(tenant_id=body["tenant_id"], phone=body["phone"], code=body["code"])
    reply = call_public("identity", "LoginCustomer", request)
    return {"access_token": reply.access_token, "expires_in": reply.expires_in, "customer_id": reply.customer_id}


@bp.post("/logout")
@bp.doc(operation_id="shopLogout", security=SECURED, responses=[401, 403, 429, 503])
@customer_only
@bp.output({}, status_code=204)
def logout():
    """Log the customer out

    Ends the token's login session: the token, and any other this login issued, is refused at
    once here and by every service; the customer's logins on other phones stay.
    """
    call("identity", "LogoutCustomer", ipb.LogoutCustomerRequest())
    return ""


# --- what the shop shows ---


@bp.get("/stores")
@bp.doc(operation_id="listShopStores", security=SECURED, responses=[401, 403, 429, 503])
@customer_only
@bp.output(ShopStoresOut)
def list_stores():
    """The merchant's stores, the head store first"""
    tenant_id = current_actor().tenant_id
    reply = config().identity.call("ListStores", ipb.ListStoresRequest(), as_service=True, tenant_id=tenant_id)
    return {"items": [{"id": s.id, "name": s.name, "address": s.address} for s in reply.stores]}


@bp.get("/products")
@bp.doc(operation_id="listShopProducts", security=SECURED, responses=[400, 401, 403, 429, 503])
@customer_only
@bp.input(ShopProductQuery, location="query", arg_name="query")
@bp.output(ShopProductsOut)
def list_products(query):
    """The merchant's listed products, newest first, by part of the name; with `store_id`, each
    one's stock there"""
    request = opb.ListProductsRequest(page=page_request(query), query=query["query"].strip(), listed_only=True)
    tenant_id = current_actor().tenant_id
    reply = config().orders.call("ListProducts", request, as_service=True, tenant_id=tenant_id)
    return {"items": [_product(p, query["store_id"]) for p in reply.products], "total": reply.page.total}


def _product(p: opb.Product, store_id: str) -> dict:
    stock = next((s.quantity for s in p.stock if store_id and s.store_id == store_id), None)
    return {
        "id": p.id,
        "name": p.name,
        "category_id": p.category_id,
        "unit": p.unit,
        "price_fen": p.wholesale_price.fen,
        "stock": stock,
    }


# --- my orders ---


@bp.post("/orders")
@bp.doc(operation_id="placeShopOrder", security=SECURED, responses=WRITE_ERRORS)
@customer_only
@idempotent
@bp.input(IdempotencyKeyHeader, location="headers", arg_name="headers")
@bp.input(StorefrontOrderIn, arg_name="body")
@bp.output(StorefrontOrderOut, status_code=201)
def place_order(headers, body):
    """Place my order (Idempotency-Key required)

    Lines are priced from the catalogue and stock is taken; face_to_face and top_up carry
    `amount_fen` and no lines. It waits for payment and closes unpaid after the merchant's minutes.
    """
    return order_out("PlaceOrder", place_request(body, headers["idempotency_key"]))


@bp.get("/orders")
@bp.doc(operation_id="listShopOrders", security=SECURED, responses=READ_ERRORS)
@customer_only
@bp.input(ShopOrderQuery, location="query", arg_name="query")
@bp.output(StorefrontOrderListOut)
def list_orders(query):
    """My orders, newest first"""
    request = pb.ListStorefrontOrdersRequest(state=query["state"], page=page_request(query))
    return storefront_list_dict(call("storefront", "ListOrders", request))


@bp.get("/orders/<string:order_id>")
@bp.doc(operation_id="getShopOrder", security=SECURED, responses=READ_ERRORS)
@customer_only
@bp.output(StorefrontOrderOut)
def get_order(order_id):
    """One of my orders (another's is 404)"""
    return order_out("GetOrder", pb.GetStorefrontOrderRequest(id=order_id))


@bp.post("/orders/<string:order_id>/pay")
@bp.doc(operation_id="payShopOrder", security=SECURED, responses=[400, *STEP_ERRORS])
@customer_only
@bp.input(ShopPayIn, arg_name="body")
@bp.output(ShopPaymentOut)
def pay(order_id, body):
    """Pay my order: `wechat` answers the parameters of wx.requestPayment (paid when WeChat Pay
    tells us), `stored_value` debits my balance and the order is paid at once"""
    request = pb.StartStorefrontPaymentRequest(id=order_id, method=body["method"], openid=body["openid"].strip())
    reply = call("storefront", "StartPayment", request)
    return {"order": storefront_order_dict(reply.order), "pay_params": dict(reply.pay_params)}


@bp.post("/orders/<string:order_id>/actions/<string:action>")
@bp.doc(operation_id="takeShopAction", security=SECURED, responses=[400, *STEP_ERRORS])
@customer_only
@bp.input(ShopStepIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def take_action(order_id, action, body):
    """Take my step: cancel (before payment), confirm_receipt, complete

    A step the order's kind or state does not allow is 409.
    """
    check_step(action, SHOP_ACTIONS, body)
    return order_out("TakeAction", pb.StorefrontActionRequest(id=order_id, action=action, reason=body["reason"]))


@bp.post("/orders/<string:order_id>/refunds")
@bp.doc(operation_id="requestShopRefund", security=SECURED, responses=[400, *STEP_ERRORS])
@customer_only
@idempotent
@bp.input(ShopRefundIn, arg_name="body")
@bp.output(StorefrontOrderOut)
def request_refund(order_id, body):
    """Ask for all or part of what is left back (B8); one request at a time

    Kinds that take no refunds (in_store, face_to_face, top_up) are 409 `REFUND_NOT_ACCEPTED`.
    """
    request = pb.RequestStorefrontRefundRequest(id=order_id, reason=body["reason"])
    request.amount.fen = body["amount_fen"]
    return order_out("RequestRefund", request)
