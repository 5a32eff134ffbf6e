"""The order half of crm.orders.v1.StorefrontService (B6, B7): placing, reading, stepping and
verifying storefront orders, and their change log. Proto -> use case -> proto, no rules; a mixin of
orders.grpc_storefront.StorefrontServicer, whose constructor holds what it uses."""

from __future__ import annotations

from crm.orders.v1 import storefront_pb2 as pb
from crmkit.auth import require_actor
from crmkit.changelog import changes_response
from crmkit.paging import page_from_proto
from orders import convert_storefront as convert
from orders.service import storefront_orders, storefront_reads, storefront_steps


class StorefrontOrdersRpc:
    def PlaceOrder(self, request, context):
        view = storefront_orders.place_order(
            self._db.uow(),
            require_actor(),
            self._customers,
            convert.placement(request),
            stores=self._stores,
            coupons=self._coupons,
            unpaid_minutes=self._config.unpaid_minutes,
            now=self._clock(),
        )
        return convert.order_proto(view)

    def GetOrder(self, request, context):
        return convert.order_proto(storefront_reads.get_order(self._db.uow(), require_actor(), request.id))

    def ListOrders(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        f = storefront_reads.StorefrontFilter(
            store_id=request.store_id,
            kind=request.kind,
            state=request.state,
            day=request.day,
            refund_pending=request.refund_pending,
        )
        result = storefront_reads.list_orders(self._db.uow(), actor, page, f)
        return pb.ListStorefrontOrdersResponse(
            orders=[convert.order_proto(v) for v in result.orders], total=result.total
        )

    def ListStorefrontOrderChanges(self, request, context):
        page = page_from_proto(request.page)
        found, total = storefront_reads.list_order_changes(self._db.uow(), require_actor(), request.object_id, page)
        return changes_response(found, total, page)

    def SummarizeDay(self, request, context):
        summary = storefront_reads.summarize_day(
            self._db.uow(), require_actor(), request.store_id, request.day, now=self._clock()
        )
        return convert.summary_proto(summary)

    def TakeAction(self, request, context):
        view = storefront_steps.take_action(
            self._db.uow(), require_actor(), convert.step(request), coupons=self._coupons, now=self._clock()
        )
        return convert.order_proto(view)

    def VerifyByCode(self, request, context):
        view = storefront_steps.verify_by_code(
            self._db.uow(), require_actor(), request.code, request.store_id, now=self._clock()
        )
        return convert.order_proto(view)
