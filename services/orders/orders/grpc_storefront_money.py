"""The storefront's money and delivery RPCs (B6 B8 B12), a mixin of StorefrontServicer
(orders.grpc_storefront), which holds the ports: proto -> use case -> proto, no rules."""

from __future__ import annotations

from crm.orders.v1 import storefront_pb2 as pb
from crmkit.auth import require_actor
from orders.convert_storefront import order_proto
from orders.service import storefront_delivery, storefront_payment, storefront_refunds
from orders.service.storefront_callbacks import CallbackAnswer


def _answer(answer: CallbackAnswer) -> pb.ProviderCallbackAnswer:
    return pb.ProviderCallbackAnswer(accepted=answer.accepted, message=answer.message)


class StorefrontMoneyRpc:
    """Uses the servicer's self._db, self._coupons (the coupons service: its stored-value book
    too), self._payments (orders.providers.Payments or None), self._delivery
    (orders.providers.Delivery or None) and self._clock."""

    # --- Payment ---
    def StartPayment(self, request, context):
        view, pay_params = storefront_payment.start_payment(
            self._db.uow(),
            require_actor(),
            request.id,
            request.method,
            request.openid,
            payments=self._payments,
            stored_value=self._coupons,
            now=self._clock(),
        )
        return pb.StartStorefrontPaymentResponse(order=order_proto(view), pay_params=pay_params)

    def HandlePaymentNotification(self, request, context):
        answer = storefront_payment.handle_notification(
            self._db.uow(),
            require_actor(),
            dict(request.headers),
            request.body,
            payments=self._payments,
            stored_value=self._coupons,
            now=self._clock(),
        )
        return _answer(answer)

    # --- Refunds (B8) ---
    def RequestRefund(self, request, context):
        view = storefront_refunds.request_refund(
            self._db.uow(), require_actor(), request.id, request.amount.fen, request.reason, now=self._clock()
        )
        return order_proto(view)

    def DecideRefund(self, request, context):
        view = storefront_refunds.decide_refund(
            self._db.uow(),
            require_actor(),
            request.id,
            request.refund_id,
            approve=request.approve,
            amount_fen=request.amount.fen,
            reason=request.reason,
            payments=self._payments,
            stored_value=self._coupons,
            now=self._clock(),
        )
        return order_proto(view)

    # --- Delivery (B12) ---
    def HandToDelivery(self, request, context):
        view = storefront_delivery.hand_to_delivery(
            self._db.uow(),
            require_actor(),
            request.id,
            delivery=self._delivery,
            now=self._clock(),
        )
        return order_proto(view)

    def HandleDeliveryCallback(self, request, context):
        answer = storefront_delivery.handle_callback(
            self._db.uow(), require_actor(), request.body, delivery=self._delivery, now=self._clock()
        )
        return _answer(answer)
