"""What coupons need from the orders service, as ports with their gRPC adapters (service token):
the worker deducts a recharge's gift products from stock (E7, HandOutGiftStock); the sweep of
coupons redeemed on orders asks whether such an order exists (E4, GetOrder of a wholesale order,
else of a storefront order, B6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from coupons.errors import ErrorCode
from crm.orders.v1 import orders_pb2, orders_pb2_grpc, storefront_pb2, storefront_pb2_grpc
from crmkit.errors import NotFound, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings


class GiftStock(Protocol):
    def hand_out(self, tenant_id: str, idempotency_key: str, store_id: str, lines: Sequence[tuple[str, int]]) -> None:
        """Deducts every line or none; raises crmkit.errors (Unavailable when orders cannot answer)."""


class GrpcOrders:
    """Both ports over one channel to orders, with this service's token (a service sees every
    order of the tenant it names)."""

    def __init__(self, address: str, service_token: str):
        self.client = ServiceClient(
            address,
            orders_pb2_grpc.OrdersServiceStub,
            "crm.orders.v1.OrdersService",
            service_token=service_token,
        )
        # Storefront orders redeem coupons too: the same server, its own service.
        self.storefront = ServiceClient(
            address,
            storefront_pb2_grpc.StorefrontServiceStub,
            "crm.orders.v1.StorefrontService",
            service_token=service_token,
        )

    def hand_out(self, tenant_id: str, idempotency_key: str, store_id: str, lines: Sequence[tuple[str, int]]) -> None:
        request = orders_pb2.HandOutGiftStockRequest(
            idempotency_key=idempotency_key,
            store_id=store_id,
            lines=[orders_pb2.GiftStockLine(product_id=p, quantity=q) for p, q in lines],
            reason="recharge_gift",
        )
        self.client.call("HandOutGiftStock", request, as_service=True, tenant_id=tenant_id)

    def exists(self, tenant_id: str, order_id: str) -> bool:
        """A wholesale order (E4) or a storefront order (B6) with this id: both redeem coupons."""
        asked = (
            (self.client, orders_pb2.GetOrderRequest(id=order_id)),
            (self.storefront, storefront_pb2.GetStorefrontOrderRequest(id=order_id)),
        )
        for client, request in asked:
            try:
                client.call("GetOrder", request, as_service=True, tenant_id=tenant_id)
            except NotFound:
                continue
            return True
        return False

    def close(self) -> None:
        self.client.close()
        self.storefront.close()


class OrdersNotConfigured:
    """Stands in when ORDERS_ADDR or SERVICE_TOKEN is missing: every hand-out fails as
    Unavailable, so the event waits in its queue instead of being recorded as refused."""

    def hand_out(self, tenant_id: str, idempotency_key: str, store_id: str, lines: Sequence[tuple[str, int]]) -> None:
        raise Unavailable(ErrorCode.PEER_NOT_CONFIGURED, params={"setting": "ORDERS_ADDR, SERVICE_TOKEN"})

    def close(self) -> None:
        pass


def gift_stock_from_settings(settings: Settings) -> GiftStock:
    """The orders adapter when ORDERS_ADDR and SERVICE_TOKEN are set, else OrdersNotConfigured."""
    if "orders" in settings.peers and settings.service_token:
        return GrpcOrders(settings.peer("orders"), settings.service_token)
    return OrdersNotConfigured()
