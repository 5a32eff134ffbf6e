"""A small fake of the orders service (B1-B3) behind the real crmkit gRPC server, like the fakes in
gateway_fakes.py: it records every call and answers with fixed, recognisable values, so tests can
check both the gRPC request the gateway built and the JSON it made of the answer."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder, changes_reply

from crm.common.v1 import common_pb2
from crm.orders.v1 import orders_pb2 as pb
from crm.orders.v1 import orders_pb2_grpc
from crmkit.grpc_server import ServiceRegistration
from crmkit.protos import money

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_BYTES = b"PK\x03\x04 fake xlsx bytes"


def product_pb(product_id="p-1", **overrides) -> pb.Product:
    product = pb.Product(
        id=product_id,
        name="可乐 330ml×24",
        barcode="6901234567890",
        category_id="cat-2",
        brand="可口可乐",
        unit="箱",
        wholesale_price=money(4850),
        level_prices=[pb.LevelPrice(level="A", price=money(4600))],
        kind=pb.PRODUCT_KIND_GOODS,
        listed=True,
        stock=[pb.StockLevel(product_id=product_id, store_id="st-1", quantity=100)],
        created_at=CREATED,
    )
    for name, value in overrides.items():
        if hasattr(value, "CopyFrom"):
            getattr(product, name).CopyFrom(value)
        else:
            setattr(product, name, value)
    return product


def line_pb(product_id="p-1", quantity=10, unit_price=4500, source=pb.PRICE_SOURCE_MANUAL) -> pb.OrderLine:
    return pb.OrderLine(
        product_id=product_id,
        product_name="可乐 330ml×24",
        barcode="6901234567890",
        unit="箱",
        quantity=quantity,
        unit_price=money(unit_price),
        price_source=source,
        amount=money(quantity * unit_price),
    )


def order_pb(order_id="o-1", status=pb.ORDER_STATUS_SUBMITTED, lines=None) -> pb.Order:
    lines = lines if lines is not None else [line_pb()]
    total = sum(line.amount.fen for line in lines)
    return pb.Order(
        id=order_id,
        number="XS20260101-0001",
        customer_id="c-1",
        customer_name="万家超市",
        salesperson_id="s-1",
        submitted_by_staff_id="s-1",
        store_id="st-1",
        status=status,
        lines=lines,
        total=money(total),
        debt=money(total),
        submitted_at=CREATED,
    )


def return_pb(return_id="r-1", status=pb.RETURN_STATUS_SUBMITTED, **overrides) -> pb.ReturnOrder:
    ret = pb.ReturnOrder(
        id=return_id,
        number="TH20260101-0001",
        customer_id="c-1",
        customer_name="万家超市",
        salesperson_id="s-1",
        store_id="st-1",
        status=status,
        lines=[line_pb(quantity=2)],
        total=money(9000),
        submitted_at=CREATED,
    )
    for name, value in overrides.items():
        if name == "lines":
            ret.ClearField("lines")
            ret.lines.extend(value)
        elif hasattr(value, "CopyFrom"):
            getattr(ret, name).CopyFrom(value)
        else:
            setattr(ret, name, value)
    return ret


def lines_from(request) -> list[pb.OrderLine]:
    return [
        line_pb(
            line.product_id,
            line.quantity,
            line.price.fen if line.price_source == pb.PRICE_SOURCE_MANUAL else 2400,
            line.price_source or pb.PRICE_SOURCE_WHOLESALE,
        )
        for line in request.lines
    ]


class FakeOrders(orders_pb2_grpc.OrdersServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        self.reset()

    def reset(self) -> None:
        # What the next ImportCatalogue answers with (tests set problems on it).
        self.import_reply = pb.ImportCatalogueResponse(created=2, updated=1)
        self.allow_negative_stock = False
        self.credit_control = "warn"

    # --- A1 change logs ---
    def ListProductChanges(self, request, context):
        self.rec.record("ListProductChanges", request, context)
        return changes_reply(request, "product")

    def ListOrderChanges(self, request, context):
        self.rec.record("ListOrderChanges", request, context)
        return changes_reply(request, "order")

    def ListReturnChanges(self, request, context):
        self.rec.record("ListReturnChanges", request, context)
        return changes_reply(request, "return")

    # --- B1 catalogue ---
    def CreateCategory(self, request, context):
        self.rec.record("CreateCategory", request, context)
        return pb.Category(id="cat-new", name=request.name, parent_id=request.parent_id)

    def ListCategories(self, request, context):
        self.rec.record("ListCategories", request, context)
        return pb.ListCategoriesResponse(
            categories=[
                pb.Category(id="cat-1", name="饮料"),
                pb.Category(id="cat-2", name="碳酸饮料", parent_id="cat-1"),
            ]
        )

    def CreateProduct(self, request, context):
        self.rec.record("CreateProduct", request, context)
        given = request.product
        return product_pb(
            "p-new",
            name=given.name,
            barcode=given.barcode,
            kind=given.kind,
            listed=given.listed,
            wholesale_price=given.wholesale_price,
        )

    def UpdateProduct(self, request, context):
        self.rec.record("UpdateProduct", request, context)
        return product_pb(request.id, name=request.product.name)

    def SetProductListed(self, request, context):
        self.rec.record("SetProductListed", request, context)
        return product_pb(request.id, listed=request.listed)

    def DeleteProduct(self, request, context):
        self.rec.record("DeleteProduct", request, context)
        return pb.DeleteProductResponse(archived=request.id == "p-ordered")

    def GetProduct(self, request, context):
        self.rec.record("GetProduct", request, context)
        return product_pb(request.id)

    def ListProducts(self, request, context):
        self.rec.record("ListProducts", request, context)
        return pb.ListProductsResponse(
            products=[product_pb()],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    def SetStock(self, request, context):
        self.rec.record("SetStock", request, context)
        return pb.StockLevel(product_id=request.product_id, store_id=request.store_id, quantity=request.quantity)

    def SetCustomerPrice(self, request, context):
        self.rec.record("SetCustomerPrice", request, context)
        return pb.CustomerPrice(customer_id=request.customer_id, product_id=request.product_id, price=request.price)

    def ImportCatalogue(self, request, context):
        self.rec.record("ImportCatalogue", request, context)
        reply = pb.ImportCatalogueResponse()
        reply.CopyFrom(self.import_reply)
        reply.dry_run = request.dry_run
        return reply

    def ExportCatalogue(self, request, context):
        self.rec.record("ExportCatalogue", request, context)
        return pb.ExportCatalogueResponse(xlsx=EXPORT_BYTES, filename="商品目录-20260101.xlsx")

    # --- B2 orders ---
    def QuotePrices(self, request, context):
        self.rec.record("QuotePrices", request, context)
        quotes = [
            pb.PriceQuote(
                product_id=product_id,
                level_price=money(4600),
                wholesale_price=money(4850),
                default_price=money(4600),
                default_source=pb.PRICE_SOURCE_LEVEL,
            )
            for product_id in request.product_ids
        ]
        return pb.QuotePricesResponse(quotes=quotes)

    def GetLastOrder(self, request, context):
        self.rec.record("GetLastOrder", request, context)
        return order_pb("o-last", pb.ORDER_STATUS_SHIPPED)

    def SubmitOrder(self, request, context):
        self.rec.record("SubmitOrder", request, context)
        return order_pb(f"o-{len(self.rec.named('SubmitOrder'))}", lines=lines_from(request))

    def _advance(self, method, request, context, status):
        self.rec.record(method, request, context)
        order = order_pb(request.id, status)
        if method == "RejectOrder":
            order.reject_reason = request.reason
        return order

    def ApproveOrder(self, request, context):
        return self._advance("ApproveOrder", request, context, pb.ORDER_STATUS_APPROVED)

    def RejectOrder(self, request, context):
        return self._advance("RejectOrder", request, context, pb.ORDER_STATUS_REJECTED)

    def PickOrder(self, request, context):
        return self._advance("PickOrder", request, context, pb.ORDER_STATUS_PICKED)

    def ShipOrder(self, request, context):
        order = self._advance("ShipOrder", request, context, pb.ORDER_STATUS_SHIPPED)
        order.approved_at.CopyFrom(CREATED)
        order.shipped_at.CopyFrom(CREATED)
        return order

    def GetOrder(self, request, context):
        self.rec.record("GetOrder", request, context)
        order = order_pb(request.id, pb.ORDER_STATUS_SHIPPED)
        # What GetOrder alone fills: a collection and a return paid on it, oldest first.
        order.credits.extend(
            [
                pb.OrderCredit(
                    kind="collection", document_id="col-1", number="SK20260101-0001", amount=money(20000), at=CREATED
                ),
                pb.OrderCredit(
                    kind="return", document_id="r-1", number="TH20260101-0001", amount=money(9000), at=CREATED
                ),
            ]
        )
        order.debt.fen = order.total.fen - 29000
        return order

    def ListOrders(self, request, context):
        self.rec.record("ListOrders", request, context)
        return pb.ListOrdersResponse(
            orders=[order_pb("o-1", pb.ORDER_STATUS_APPROVED), order_pb("o-2", pb.ORDER_STATUS_SHIPPED)],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=2),
        )

    # --- B3 returns ---
    def SubmitReturn(self, request, context):
        self.rec.record("SubmitReturn", request, context)
        return return_pb(f"r-{len(self.rec.named('SubmitReturn'))}", lines=lines_from(request))

    def ApproveReturn(self, request, context):
        self.rec.record("ApproveReturn", request, context)
        return return_pb(request.id, pb.RETURN_STATUS_APPROVED)

    def RejectReturn(self, request, context):
        self.rec.record("RejectReturn", request, context)
        return return_pb(request.id, pb.RETURN_STATUS_REJECTED, reject_reason=request.reason)

    def ReceiveReturn(self, request, context):
        self.rec.record("ReceiveReturn", request, context)
        return return_pb(request.id, pb.RETURN_STATUS_RECEIVED)

    def RefundReturn(self, request, context):
        self.rec.record("RefundReturn", request, context)
        reduced = request.method == pb.REFUND_METHOD_REDUCE_DEBT
        return return_pb(
            request.id,
            pb.RETURN_STATUS_REFUNDED,
            refund_method=request.method,
            debt_reduced=money(9000 if reduced else 0),
            paid_back=money(0 if reduced else 9000),
        )

    def GetReturn(self, request, context):
        self.rec.record("GetReturn", request, context)
        return return_pb(request.id)

    def ListReturns(self, request, context):
        self.rec.record("ListReturns", request, context)
        return pb.ListReturnsResponse(
            returns=[return_pb()],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    # --- settings ---
    def GetOrderSettings(self, request, context):
        self.rec.record("GetOrderSettings", request, context)
        return pb.OrderSettings(allow_negative_stock=self.allow_negative_stock, credit_control=self.credit_control)

    def UpdateOrderSettings(self, request, context):
        self.rec.record("UpdateOrderSettings", request, context)
        self.allow_negative_stock = request.allow_negative_stock
        self.credit_control = request.credit_control or self.credit_control
        return pb.OrderSettings(allow_negative_stock=self.allow_negative_stock, credit_control=self.credit_control)


def registration(orders: FakeOrders) -> ServiceRegistration:
    return ServiceRegistration(
        orders_pb2_grpc.add_OrdersServiceServicer_to_server, orders, "crm.orders.v1.OrdersService"
    )
