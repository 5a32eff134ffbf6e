"""gRPC servicer: proto -> command, actor from the token, use case, result -> proto. No rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import orders_pb2_grpc
from crmkit.auth import require_actor
from crmkit.changelog import changes_response
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from orders import convert
from orders.service import (
    catalogue,
    catalogue_import,
    changes,
    fulfilment,
    order_lookup,
    ordering,
    pricing,
    return_flow,
    returns,
    stock,
)
from orders.service import settings as order_settings
from orders.service.coupons import CouponRedeemer, CouponsNotConfigured
from orders.service.customers import CustomerDirectory
from orders.service.gift_stock import GiftStockCommand, hand_out_gift_stock

FULL_NAME = "crm.orders.v1.OrdersService"


class OrdersServicer(orders_pb2_grpc.OrdersServiceServicer):
    def __init__(
        self,
        db: Database,
        customers: CustomerDirectory,
        *,
        coupons: CouponRedeemer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.customers = customers
        self.coupons = coupons or CouponsNotConfigured()
        self.clock = clock

    # --- Catalogue (B1) ---
    def CreateCategory(self, request, context):
        view = catalogue.create_category(
            self.db.uow(), require_actor(), request.name, request.parent_id, now=self.clock()
        )
        return convert.category_to_proto(view)

    def ListCategories(self, request, context):
        views = catalogue.list_categories(self.db.uow(), require_actor())
        return pb.ListCategoriesResponse(categories=[convert.category_to_proto(c) for c in views])

    def CreateProduct(self, request, context):
        cmd = convert.product_input(request.product)
        return convert.product_to_proto(catalogue.create_product(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def UpdateProduct(self, request, context):
        cmd = convert.product_input(request.product)
        view = catalogue.update_product(self.db.uow(), require_actor(), request.id, cmd, now=self.clock())
        return convert.product_to_proto(view)

    def SetProductListed(self, request, context):
        view = catalogue.set_product_listed(
            self.db.uow(), require_actor(), request.id, request.listed, now=self.clock()
        )
        return convert.product_to_proto(view)

    def DeleteProduct(self, request, context):
        archived = catalogue.delete_product(self.db.uow(), require_actor(), request.id, now=self.clock())
        return pb.DeleteProductResponse(archived=archived)

    def GetProduct(self, request, context):
        return convert.product_to_proto(catalogue.get_product(self.db.uow(), require_actor(), request.id))

    def ListProducts(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        result = catalogue.list_products(
            self.db.uow(),
            actor,
            page,
            query=request.query,
            barcode=request.barcode,
            category_id=request.category_id,
            listed_only=request.listed_only,
        )
        return pb.ListProductsResponse(
            products=[convert.product_to_proto(p) for p in result.products], page=page.info(result.total)
        )

    def SetStock(self, request, context):
        level = stock.set_stock(
            self.db.uow(),
            require_actor(),
            request.product_id,
            request.store_id,
            request.quantity,
            request.reason,
            now=self.clock(),
        )
        return convert.stock_to_proto(level)

    def SetCustomerPrice(self, request, context):
        view = catalogue.set_customer_price(
            self.db.uow(),
            require_actor(),
            request.customer_id,
            request.product_id,
            request.price.fen if request.HasField("price") else -1,
            now=self.clock(),
        )
        return pb.CustomerPrice(
            customer_id=view.customer_id, product_id=view.product_id, price=convert.money(view.price_fen)
        )

    def ImportCatalogue(self, request, context):
        result = catalogue_import.import_catalogue(
            self.db.uow(), require_actor(), request.xlsx, dry_run=request.dry_run, now=self.clock()
        )
        return pb.ImportCatalogueResponse(
            created=result.created,
            updated=result.updated,
            problems=[pb.ImportProblem(row=p.row, column=p.column, message_key=p.message_key) for p in result.problems],
            dry_run=request.dry_run,
        )

    def ExportCatalogue(self, request, context):
        data, filename = catalogue_import.export_catalogue(self.db.uow(), require_actor(), now=self.clock())
        return pb.ExportCatalogueResponse(xlsx=data, filename=filename)

    # --- Ordering (B2) ---
    def QuotePrices(self, request, context):
        quotes = pricing.quote_prices(
            self.db.uow(), require_actor(), self.customers, request.customer_id, list(request.product_ids)
        )
        return pb.QuotePricesResponse(quotes=[convert.quote_to_proto(q) for q in quotes])

    def GetLastOrder(self, request, context):
        view = order_lookup.get_last_order(self.db.uow(), require_actor(), self.customers, request.customer_id)
        return convert.order_to_proto(view)

    def SubmitOrder(self, request, context):
        cmd = ordering.SubmitOrder(
            customer_id=request.customer_id,
            lines=convert.line_requests(request.lines),
            store_id=request.store_id,
            note=request.note,
            idempotency_key=request.idempotency_key,
            coupon_codes=tuple(request.coupon_codes),
        )
        view = ordering.submit_order(
            self.db.uow(), require_actor(), self.customers, cmd, coupons=self.coupons, now=self.clock()
        )
        return convert.order_to_proto(view)

    def VerifyOrder(self, request, context):
        view = fulfilment.verify_order(self.db.uow(), require_actor(), request.code, now=self.clock())
        return convert.order_to_proto(view)

    def ApproveOrder(self, request, context):
        return self._order_step(fulfilment.approve_order, request.id)

    def RejectOrder(self, request, context):
        view = fulfilment.reject_order(self.db.uow(), require_actor(), request.id, request.reason, now=self.clock())
        return convert.order_to_proto(view)

    def PickOrder(self, request, context):
        return self._order_step(fulfilment.pick_order, request.id)

    def ShipOrder(self, request, context):
        return self._order_step(fulfilment.ship_order, request.id)

    def _order_step(self, use_case, order_id: str):
        return convert.order_to_proto(use_case(self.db.uow(), require_actor(), order_id, now=self.clock()))

    def GetOrder(self, request, context):
        return convert.order_to_proto(order_lookup.get_order(self.db.uow(), require_actor(), request.id))

    def ListOrders(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        flt = order_lookup.OrderFilter(
            statuses=tuple(convert.ORDER_STATUS_FROM_PROTO.get(s, "") for s in request.statuses),
            customer_id=request.customer_id,
            date_from=request.date_from,
            date_to=request.date_to,
            query=request.query,
        )
        result = order_lookup.list_orders(self.db.uow(), actor, page, flt)
        return pb.ListOrdersResponse(
            orders=[convert.order_to_proto(o) for o in result.items], page=page.info(result.total)
        )

    # --- Returns (B3) ---
    def SubmitReturn(self, request, context):
        cmd = returns.SubmitReturn(
            customer_id=request.customer_id,
            lines=convert.line_requests(request.lines),
            store_id=request.store_id,
            note=request.note,
            idempotency_key=request.idempotency_key,
        )
        view = returns.submit_return(self.db.uow(), require_actor(), self.customers, cmd, now=self.clock())
        return convert.return_to_proto(view)

    def ApproveReturn(self, request, context):
        return self._return_step(return_flow.approve_return, request.id)

    def RejectReturn(self, request, context):
        view = return_flow.reject_return(self.db.uow(), require_actor(), request.id, request.reason, now=self.clock())
        return convert.return_to_proto(view)

    def ReceiveReturn(self, request, context):
        return self._return_step(return_flow.receive_return, request.id)

    def RefundReturn(self, request, context):
        method = convert.METHOD_FROM_PROTO.get(request.method, "")
        view = return_flow.refund_return(self.db.uow(), require_actor(), request.id, method, now=self.clock())
        return convert.return_to_proto(view)

    def _return_step(self, use_case, return_id: str):
        return convert.return_to_proto(use_case(self.db.uow(), require_actor(), return_id, now=self.clock()))

    def GetReturn(self, request, context):
        return convert.return_to_proto(returns.get_return(self.db.uow(), require_actor(), request.id))

    def ListReturns(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        result = returns.list_returns(
            self.db.uow(),
            actor,
            page,
            statuses=tuple(convert.RETURN_STATUS_FROM_PROTO.get(s, "") for s in request.statuses),
            customer_id=request.customer_id,
        )
        return pb.ListReturnsResponse(
            returns=[convert.return_to_proto(r) for r in result.items], page=page.info(result.total)
        )

    # --- Settings ---
    def ListProductChanges(self, request, context):
        return self._changes(changes.list_product_changes, request)

    def ListOrderChanges(self, request, context):
        return self._changes(changes.list_order_changes, request)

    def ListReturnChanges(self, request, context):
        return self._changes(changes.list_return_changes, request)

    def _changes(self, use_case, request):
        page = page_from_proto(request.page)
        found, total = use_case(self.db.uow(), require_actor(), request.object_id, page)
        return changes_response(found, total, page)

    def GetOrderSettings(self, request, context):
        current = order_settings.get_order_settings(self.db.uow(), require_actor())
        return pb.OrderSettings(
            allow_negative_stock=current.allow_negative_stock, credit_control=current.credit_control
        )

    def UpdateOrderSettings(self, request, context):
        wanted = order_settings.OrderSettings(
            allow_negative_stock=request.allow_negative_stock, credit_control=request.credit_control
        )
        saved = order_settings.update_order_settings(self.db.uow(), require_actor(), wanted, now=self.clock())
        return pb.OrderSettings(allow_negative_stock=saved.allow_negative_stock, credit_control=saved.credit_control)

    # --- Gift stock (E7) ---
    def HandOutGiftStock(self, request, context):
        cmd = GiftStockCommand(
            idempotency_key=request.idempotency_key,
            store_id=request.store_id,
            lines=[(line.product_id, line.quantity) for line in request.lines],
            reason=request.reason,
        )
        view = hand_out_gift_stock(self.db.uow(), require_actor(), cmd, now=self.clock())
        return pb.GiftStockResult(
            handout_id=view.handout_id,
            store_id=view.store_id,
            levels=[convert.stock_to_proto(level) for level in view.levels],
            replayed=view.replayed,
        )


def registration(
    db: Database,
    customers: CustomerDirectory,
    *,
    coupons: CouponRedeemer | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ServiceRegistration:
    return ServiceRegistration(
        orders_pb2_grpc.add_OrdersServiceServicer_to_server,
        OrdersServicer(db, customers, coupons=coupons, clock=clock),
        FULL_NAME,
    )
