"""A fake of crm.orders.v1.StorefrontService (B6 B8 B12) served beside the orders fake, as the
orders server serves the real one: records every call and answers fixed, recognisable orders
(or the error a test sets in `rec.fail`). Registered with the methods customers may call, as the
real registration must be: a customer token is no actor on the others (crmkit.grpc_server)."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder, changes_reply

from crm.common.v1 import common_pb2
from crm.orders.v1 import storefront_pb2 as pb
from crm.orders.v1 import storefront_pb2_grpc
from crmkit.grpc_server import ServiceRegistration

CUSTOMER_METHODS = frozenset({"PlaceOrder", "GetOrder", "ListOrders", "TakeAction", "StartPayment", "RequestRefund"})


def money(fen: int) -> common_pb2.Money:
    return common_pb2.Money(fen=fen)


def order_pb(order_id: str = "sf-1", **overrides) -> pb.StorefrontOrder:
    fields = {
        "id": order_id,
        "number": "SF20261205-0001",
        "store_id": "st-1",
        "kind": "takeaway",
        "state": "awaiting_payment",
        "customer_id": "c-1",
        "customer_name": "张三",
        "customer_phone": "13912345678",
        "lines": [
            pb.StorefrontLine(
                product_id="p-1",
                category_id="cat-hot",
                name="宫保鸡丁",
                quantity=2,
                unit_price=money(1800),
                amount=money(3600),
                spec="少辣",
            )
        ],
        "goods_total": money(3600),
        "discount": money(500),
        "delivery_fee": money(400),
        "total": money(3500),
        "paid": money(0),
        "refunded": money(0),
        "contact_name": "张三",
        "contact_phone": "13912345678",
        "address": "人民路 1 号",
        "actions": ["cancel"],
        "placed_at": CREATED,
        "updated_at": CREATED,
        "closes_at": CREATED,
    }
    return pb.StorefrontOrder(**{**fields, **overrides})


class FakeStorefront(storefront_pb2_grpc.StorefrontServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        # What the callbacks answer (tests change it).
        self.callback_answer = pb.ProviderCallbackAnswer(accepted=True, message="ok")

    def PlaceOrder(self, request, context):
        self.rec.record("PlaceOrder", request, context)
        return order_pb(kind=request.kind, store_id=request.store_id, customer_id=request.customer_id or "c-1")

    def GetOrder(self, request, context):
        self.rec.record("GetOrder", request, context)
        refund = pb.StorefrontRefund(
            id="rf-1", state="requested", requested=money(1000), reason="少了一份", requested_at=CREATED
        )
        delivery = pb.StorefrontDelivery(
            provider="dada",
            status="delivering",
            rider_name="李骑手",
            fee=money(600),
            distance_m=1200,
            updated_at=CREATED,
        )
        return order_pb(
            request.id,
            state="delivering",
            paid=money(3500),
            payment_method="wechat",
            paid_at=CREATED,
            refunds=[refund],
            delivery=delivery,
            actions=["deliver", "delivery_failed"],
            refundable=True,
        )

    def ListOrders(self, request, context):
        self.rec.record("ListOrders", request, context)
        return pb.ListStorefrontOrdersResponse(orders=[order_pb(), order_pb("sf-2", kind="in_store")], total=7)

    def ListStorefrontOrderChanges(self, request, context):
        self.rec.record("ListStorefrontOrderChanges", request, context)
        return changes_reply(request, "storefront_order")

    def SummarizeDay(self, request, context):
        self.rec.record("SummarizeDay", request, context)
        counts = [
            pb.StorefrontCount(kind="takeaway", state="paid", count=3, paid=money(9000)),
            pb.StorefrontCount(kind="in_store", state="done", count=1, paid=money(2000)),
        ]
        return pb.StorefrontDaySummary(
            store_id=request.store_id,
            day=request.day or "2026-12-05",
            counts=counts,
            orders=4,
            paid=money(11000),
            refunds_pending=1,
        )

    def TakeAction(self, request, context):
        self.rec.record("TakeAction", request, context)
        return order_pb(request.id, state="accepted", carrier=request.carrier, tracking_no=request.tracking_no)

    def VerifyByCode(self, request, context):
        self.rec.record("VerifyByCode", request, context)
        return order_pb(kind="in_store", state="done", verification_code="12345678")

    def StartPayment(self, request, context):
        self.rec.record("StartPayment", request, context)
        params = {"appId": "wx1", "package": "prepay_id=wx2", "signType": "RSA"} if request.method == "wechat" else {}
        return pb.StartStorefrontPaymentResponse(order=order_pb(request.id), pay_params=params)

    def RequestRefund(self, request, context):
        self.rec.record("RequestRefund", request, context)
        refund = pb.StorefrontRefund(id="rf-2", state="requested", requested=request.amount, reason=request.reason)
        return order_pb(request.id, state="paid", paid=money(3500), refunds=[refund])

    def DecideRefund(self, request, context):
        self.rec.record("DecideRefund", request, context)
        state = "approved" if request.approve else "rejected"
        refund = pb.StorefrontRefund(
            id=request.refund_id, state=state, approved=request.amount, reject_reason=request.reason
        )
        return order_pb(request.id, state="paid", refunds=[refund])

    def HandToDelivery(self, request, context):
        self.rec.record("HandToDelivery", request, context)
        return order_pb(
            request.id, state="delivering", delivery=pb.StorefrontDelivery(provider="dada", status="accepted")
        )

    def HandlePaymentNotification(self, request, context):
        self.rec.record("HandlePaymentNotification", request, context)
        return self.callback_answer

    def HandleDeliveryCallback(self, request, context):
        self.rec.record("HandleDeliveryCallback", request, context)
        return self.callback_answer


def registration(fake: FakeStorefront) -> ServiceRegistration:
    return ServiceRegistration(
        storefront_pb2_grpc.add_StorefrontServiceServicer_to_server,
        fake,
        "crm.orders.v1.StorefrontService",
        customer_methods=CUSTOMER_METHODS,
    )
