"""Composition root of the orders gRPC server: `python -m orders.server`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from crmkit.db import utcnow
from crmkit.filestore import FileStore
from crmkit.filestore.factory import file_store_from_env
from crmkit.redis_client import Keys, make_redis
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings
from orders import grpc_performance, grpc_receivables, grpc_storefront
from orders.declaration import DECLARATION
from orders.grpc_api import registration
from orders.providers import Delivery, Payments, delivery_from_env, payments_from_env
from orders.service.coupons import CouponRedeemer, CouponsNotConfigured, GrpcCoupons
from orders.service.customers import CustomerDirectory, customer_directory
from orders.service.storefront_closing import StorefrontLoop
from orders.service.storefront_config import StorefrontConfig, storefront_config_from_env
from orders.service.stores import IdentityStores, StoreDirectory

SERVICE = DECLARATION.name
# Proof images on local disk when FILE_STORE_ROOT is not set (relative to the working directory).
DEFAULT_FILE_ROOT = Path("var/files")


def build(
    settings: Settings,
    *,
    customers: CustomerDirectory | None = None,
    coupons: CouponRedeemer | None = None,
    stores: StoreDirectory | None = None,
    file_store: FileStore | None = None,
    storefront: StorefrontConfig | None = None,
    payments: Payments | None = None,
    delivery: Delivery | None = None,
    clock: Callable[[], datetime] = utcnow,
    storefront_interval: float = 15.0,
) -> ServiceRuntime:
    """Wire the database, the customers client and the servicer; connects to nothing until the
    first call (a gRPC channel dials lazily). Without `file_store` the receivables service runs
    but refuses proof images (Unavailable): the store is never guessed here. Without `payments`
    (WeChat Pay) or `delivery` (Dada) the storefront refuses those with a clear code. The
    storefront loop (unpaid orders closing, top-ups credited) runs beside the server."""
    settings.require("database_url")
    db = DECLARATION.open_database(settings.database_url, pool_size=settings.database_pool_size)
    closers = []
    if customers is None:
        directory = customer_directory(settings.peer("customers"), settings.service_token)
        closers.append(directory.close)
        customers = directory
    if coupons is None and "coupons" in settings.peers:
        # Redeemed with this service's own token (the coupons service trusts orders' staff check).
        adapter = GrpcCoupons(settings.peer("coupons"), settings.service_token)
        closers.append(adapter.close)
        coupons = adapter
    if stores is None and "identity" in settings.peers:
        # The stores a storefront order may name, asked with this service's own token.
        directory = IdentityStores(settings.peer("identity"), settings.service_token)
        closers.append(directory.close)
        stores = directory
    registrations = [
        registration(db, customers, coupons=coupons, clock=clock),
        grpc_receivables.registration(db, file_store, customers, clock=clock),
        grpc_storefront.registration(
            db,
            customers,
            stores=stores,
            coupons=coupons,
            payments=payments,
            delivery=delivery,
            config=storefront,
            clock=clock,
        ),
    ]
    # The sales ranking (B9): real Redis with REDIS_URL, crmkit's shared fakeredis in embedded mode.
    redis = make_redis(settings.redis_url)
    closers.append(redis.close)
    registrations.append(grpc_performance.registration(db, redis, Keys(settings.redis_prefix, SERVICE), clock=clock))
    book = coupons or CouponsNotConfigured()
    loop = StorefrontLoop(
        db, payments=payments, coupons=book, stored_value=book, clock=clock, interval=storefront_interval
    )
    return ServiceRuntime(service=SERVICE, db=db, registrations=registrations, closers=closers, background=[loop])


def ports_from_env(environ: Mapping[str, str]) -> dict:
    # FILE_STORE=local needs FILE_STORE_SIGNING_SECRET, s3 its S3_* settings: MissingSetting here.
    return {
        "file_store": file_store_from_env(environ, default_root=DEFAULT_FILE_ROOT),
        "storefront": storefront_config_from_env(environ),
        # WECHATPAY_* and DADA_* (with PUBLIC_BASE_URL): each provider, or None when not set up.
        "payments": payments_from_env(environ),
        "delivery": delivery_from_env(environ),
    }


def main() -> None:
    settings = DECLARATION.settings_from_env()
    # Check everything before opening anything: a missing setting must stop startup, not the first call.
    # REDIS_URL too: the worker feeds the ranking in the shared Redis; a process-private fakeredis
    # would serve a ranking nobody updates.
    settings.require("database_url", "jwt_public_key", "redis_url")
    settings.peer("customers")
    # Orders with coupons (E4) redeem them in the coupons service with orders' own token.
    settings.peer("coupons")
    # A storefront order's store is one of the tenant's, as the identity service keeps them.
    settings.peer("identity")
    settings.require("service_token")
    serve(build(settings, **ports_from_env(os.environ)), settings)


if __name__ == "__main__":
    main()
