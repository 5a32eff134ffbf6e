"""Composition root of identity: `python -m identity.server`."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import redis as redis_lib
from cryptography.hazmat.primitives import serialization

from crmkit.auth import TokenIssuer
from crmkit.redis_client import Keys, make_redis
from crmkit.revocation import RevokedSessions
from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings, env_int
from identity.choice_tickets import ChoiceTickets
from identity.declaration import DECLARATION
from identity.domain.sessions import CUSTOMER_ACCESS_TTL
from identity.domain.throttling import Limit, Limits
from identity.grpc_api import IdentityServicer, registration
from identity.grpc_api_stores import StoresServicer
from identity.grpc_api_stores import registration as stores_registration
from identity.service.ports import LoginPorts
from identity.shoppers import CustomersShoppers, ShopperDirectory
from identity.sms import CodeSender, MessagingCodeSender
from identity.sms_store import SmsCodeStore
from identity.takings import OrdersTakings, TakingsSource
from identity.throttle import PasswordAttempts, WindowCounters

SERVICE = DECLARATION.name


def build(
    settings: Settings,
    *,
    redis: redis_lib.Redis | None = None,
    code_sender: CodeSender | None = None,
    takings: TakingsSource | None = None,
    shoppers: ShopperDirectory | None = None,
    limits: Limits | None = None,
) -> ServiceRuntime:
    # identity alone signs tokens: it cannot start without the private key.
    settings.require("jwt_private_key", "database_url")
    db = DECLARATION.open_database(settings.database_url, pool_size=settings.database_pool_size)
    closers = []
    if redis is None:
        redis = make_redis(settings.redis_url)
        closers.append(redis.close)
    if code_sender is None:
        sender = MessagingCodeSender.from_settings(settings)
        closers.append(sender.close)
        code_sender = sender
    if takings is None:
        # Sub-store figures (A4) come from orders: ORDERS_ADDR and SERVICE_TOKEN are required.
        orders = OrdersTakings.from_settings(settings)
        closers.append(orders.close)
        takings = orders
    if shoppers is None:
        # Storefront customers (B6) are the customers service's: CUSTOMERS_ADDR is required.
        customers = CustomersShoppers.from_settings(settings)
        closers.append(customers.close)
        shoppers = customers
    keys = Keys(settings.redis_prefix, SERVICE)
    limits = limits or limits_from_env()
    ports = LoginPorts(
        issuer=TokenIssuer(settings.jwt_private_key),
        attempts=PasswordAttempts(redis, keys, limits),
        codes=SmsCodeStore(redis, keys),
        sender=code_sender,
        counters=WindowCounters(redis, keys),
        tickets=ChoiceTickets(settings.jwt_private_key, redis, keys),
        # Read by every verifier (crmkit.runtime, the gateway) under the same prefix.
        revoked=RevokedSessions(redis, settings.redis_prefix),
        shoppers=shoppers,
        limits=limits,
        customer_token_ttl=timedelta(days=env_int("CUSTOMER_TOKEN_DAYS", CUSTOMER_ACCESS_TTL.days)),
    )
    registrations = [
        registration(IdentityServicer(db, ports)),
        stores_registration(StoresServicer(db, ports.issuer, takings)),
    ]
    return ServiceRuntime(service=SERVICE, db=db, registrations=registrations, closers=closers)


def limits_from_env() -> Limits:
    """The per-source limits may be raised where many people share one address (a carrier NAT)."""
    default = Limits()
    hour = 3600
    return Limits(
        sms_codes_per_source=Limit(env_int("SMS_CODES_PER_SOURCE_PER_HOUR", default.sms_codes_per_source.count), hour),
        signups_per_source=Limit(env_int("SIGNUPS_PER_SOURCE_PER_HOUR", default.signups_per_source.count), hour),
    )


def public_key_of(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def main() -> None:
    settings = DECLARATION.settings_from_env()
    if settings.jwt_private_key and not settings.jwt_public_key:
        # identity verifies its own tokens (GetMe, CreateStaff...): the public half follows from the private one.
        settings = dataclasses.replace(settings, jwt_public_key=public_key_of(settings.jwt_private_key))
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
