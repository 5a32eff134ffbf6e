"""gRPC servicer of crm.orders.v1.StorefrontService (B6-B8, B12): one class made of the mixins of
each half (orders, then money and delivery), served by the orders server beside OrdersService."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.orders.v1 import storefront_pb2_grpc
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from orders.convert_storefront import order_proto
from orders.grpc_storefront_money import StorefrontMoneyRpc
from orders.grpc_storefront_orders import StorefrontOrdersRpc
from orders.service.coupons import CouponRedeemer, CouponsNotConfigured
from orders.service.customers import CustomerDirectory
from orders.service.storefront_config import StorefrontConfig
from orders.service.stores import StoreDirectory, StoresNotConfigured

FULL_NAME = "crm.orders.v1.StorefrontService"

__all__ = ["FULL_NAME", "StorefrontServicer", "order_proto", "registration"]


class StorefrontServicer(StorefrontOrdersRpc, StorefrontMoneyRpc, storefront_pb2_grpc.StorefrontServiceServicer):
    """`stores` (the identity service's) checks the store an order names; `payments` (the WeChat
    Pay port) and `delivery` (the Dada port) are for the money half (payment, refunds, delivery);
    `config` holds the storefront's settings."""

    def __init__(
        self,
        db: Database,
        customers: CustomerDirectory,
        *,
        stores: StoreDirectory | None = None,
        coupons: CouponRedeemer | None = None,
        payments=None,
        delivery=None,
        config: StorefrontConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self._db = db
        self._customers = customers
        self._stores = stores or StoresNotConfigured()
        self._coupons = coupons or CouponsNotConfigured()
        self._payments = payments
        self._delivery = delivery
        self._config = config or StorefrontConfig()
        self._clock = clock


# What a shop customer's token may call (crmkit.grpc_server refuses it on every other method); each
# use case keeps a customer to their own orders.
CUSTOMER_METHODS = frozenset({"PlaceOrder", "GetOrder", "ListOrders", "TakeAction", "StartPayment", "RequestRefund"})


def registration(
    db: Database,
    customers: CustomerDirectory,
    *,
    stores: StoreDirectory | None = None,
    coupons: CouponRedeemer | None = None,
    payments=None,
    delivery=None,
    config: StorefrontConfig | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ServiceRegistration:
    servicer = StorefrontServicer(
        db, customers, stores=stores, coupons=coupons, payments=payments, delivery=delivery, config=config, clock=clock
    )
    return ServiceRegistration(
        storefront_pb2_grpc.add_StorefrontServiceServicer_to_server,
        servicer,
        FULL_NAME,
        customer_methods=CUSTOMER_METHODS,
    )
