"""Everything the gateway needs, built once by the composition root (serve.py or the launcher)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import redis
from grpc_health.v1 import health_pb2_grpc

from crm.coupons.v1 import coupons_pb2_grpc, stored_value_pb2_grpc
from crm.customers.v1 import activity_pb2_grpc, customers_pb2_grpc, ownership_pb2_grpc, segments_pb2_grpc
from crm.identity.v1 import identity_pb2_grpc, stores_pb2_grpc
from crm.marketing.v1 import marketing_pb2_grpc
from crm.messaging.v1 import messaging_pb2_grpc
from crm.orders.v1 import orders_pb2_grpc, performance_pb2_grpc, receivables_pb2_grpc, storefront_pb2_grpc
from crm.printing.v1 import printing_pb2_grpc
from crmkit.alerts import AlertFeed
from crmkit.auth import TokenVerifier
from crmkit.grpc_client import ServiceClient
from crmkit.reading_beats import BeatStream
from crmkit.redis_client import Keys, make_redis
from crmkit.revocation import RevokedSessions
from crmkit.settings import Settings, env, env_fraction, env_int

IDENTITY = "crm.identity.v1.IdentityService"
CUSTOMERS = "crm.customers.v1.CustomersService"
MESSAGING = "crm.messaging.v1.MessagingService"
ORDERS = "crm.orders.v1.OrdersService"
RECEIVABLES = "crm.orders.v1.ReceivablesService"
PERFORMANCE = "crm.orders.v1.PerformanceService"
STOREFRONT = "crm.orders.v1.StorefrontService"
COUPONS = "crm.coupons.v1.CouponsService"
STORES = "crm.identity.v1.StoresService"
ACTIVITY = "crm.customers.v1.ActivityService"
OWNERSHIP = "crm.customers.v1.CustomerOwnershipService"
SEGMENTS = "crm.customers.v1.SegmentsService"
STORED_VALUE = "crm.coupons.v1.StoredValueService"
MARKETING = "crm.marketing.v1.MarketingService"
PRINTING = "crm.printing.v1.PrintingService"


@dataclass
class GatewayConfig:
    identity: ServiceClient
    customers: ServiceClient
    messaging: ServiceClient
    orders: ServiceClient
    # The orders deployable's second service (B4), on ORDERS_ADDR too.
    receivables: ServiceClient
    # The third (B9-B11), on ORDERS_ADDR as well.
    performance: ServiceClient
    # The fourth: the merchant's storefront orders (B6 B8 B12), on ORDERS_ADDR too.
    storefront: ServiceClient
    # The customers deployable's other services, on CUSTOMERS_ADDR: leads, follow-ups, visits,
    # duplicates (C6-C9); tags, QR registration, ownership, pool, near me (C2 C3 C5 C12);
    # segments (C4).
    activity: ServiceClient
    ownership: ServiceClient
    segments: ServiceClient
    # Identity's second service (A4, multi-store), on IDENTITY_ADDR.
    stores: ServiceClient
    # The coupons service (E1-E6, B7), on COUPONS_ADDR.
    coupons: ServiceClient
    # The coupons deployable's second service (E7 E8 E9, C11), on COUPONS_ADDR too.
    stored_value: ServiceClient
    # The marketing service (D1 D2), on MARKETING_ADDR: the article library and readers' pages.
    marketing: ServiceClient
    # The printing service (G1 G2 G4 G5), on PRINTING_ADDR: printers, tickets and the print queue.
    printing: ServiceClient
    redis: redis.Redis
    keys: Keys
    verifier: TokenVerifier
    # The staff's real-time alert streams, written by messaging in the same Redis under the same
    # prefix (F4, ADR 0016): GET /api/v1/alerts reads them without a gRPC call.
    alerts: AlertFeed
    # Readers' reading beats, queued for marketing's drainers in the same Redis (P7, ADR 0017).
    beats: BeatStream
    # Requests per minute: per client IP on the public auth endpoints, per staff member elsewhere.
    rate_limit_public_per_min: int = 20
    rate_limit_actor_per_min: int = 600
    # Per client IP on the payment and delivery providers' callbacks: a busy merchant's
    # notifications all come from a few of WeChat Pay's or Dada's addresses.
    rate_limit_callbacks_per_min: int = 600
    # The alert poll's own bucket per staff member: one open app asks about 60 times a minute.
    rate_limit_alerts_per_min: int = 240
    # How long an Idempotency-Key and its stored response live.
    idempotency_ttl_seconds: int = 24 * 3600
    # A key still marked "processing" after this long belongs to a request whose gateway died
    # (no request runs longer: every service call has a shorter deadline); a retry may claim it.
    idempotency_processing_seconds: int = 120
    # Deadline of one readiness probe of a peer; Kubernetes' probe itself times out at 2 s.
    ready_check_timeout: float = 0.5
    # Proxies in front of us that append to X-Forwarded-For (1 behind the Ingress). 0 trusts
    # none: a client could otherwise pick any IP and escape the per-IP limits.
    trusted_proxy_hops: int = 0
    # Where those proxies are (TRUSTED_PROXIES, CIDRs): X-Forwarded-For is read only on requests
    # coming from one of them, so a pod that reaches the gateway past the Ingress cannot pick its
    # address. Empty: the hop count alone decides (any peer is taken for a proxy).
    trusted_proxies: tuple = field(default_factory=tuple)

    # The access log (gateway.access): every answer of 400 or more and every request slower than
    # access_log_slow_ms is logged; of the others, this share, chosen at random (issue 16: a JSON
    # line per request was a visible part of the gateway's CPU). 1.0 logs every request.
    access_log_sample_rate: float = 0.01
    access_log_slow_ms: int = 500

    # Every service the deployer names (PEERS, <NAME>_ADDR: each declared service), for /readyz.
    peers: dict[str, ServiceClient] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        redis: redis.Redis | None = None,
        rate_limit_public_per_min: int | None = None,
        rate_limit_actor_per_min: int | None = None,
    ) -> GatewayConfig:
        """Clients on the addresses of `settings.peers` (<NAME>_ADDR); a service the gateway calls
        that has none stops startup. SERVICE_TOKEN is required: with it the gateway calls
        identity's public methods (login, SMS codes, sign-up) on the person's behalf and names their
        address, which identity's per-source limits count (issue 11); without it every person would
        share the gateway's own address."""
        settings.require("jwt_public_key", "service_token")
        store = redis if redis is not None else make_redis(settings.redis_url)
        clients = {
            attribute: client(settings.peer(peer), stub, full_name, **options)
            for attribute, (peer, stub, full_name, options) in clients_of(settings).items()
        }
        return cls(
            **clients,
            peers=readiness_peers(settings, clients),
            redis=store,
            keys=Keys(settings.redis_prefix, "gateway"),
            # Revoked sessions (logout, refresh reuse, a switch taken away) are refused here too,
            # before any gRPC call (issue 11).
            verifier=TokenVerifier(settings.jwt_public_key, revoked=RevokedSessions(store, settings.redis_prefix)),
            alerts=AlertFeed(store, settings.redis_prefix),
            beats=BeatStream(store, settings.redis_prefix),
            rate_limit_public_per_min=rate_limit_public_per_min or env_int("RATE_LIMIT_PUBLIC_PER_MIN", 20),
            rate_limit_actor_per_min=rate_limit_actor_per_min or env_int("RATE_LIMIT_ACTOR_PER_MIN", 600),
            rate_limit_alerts_per_min=env_int("RATE_LIMIT_ALERTS_PER_MIN", 240),
            rate_limit_callbacks_per_min=env_int("RATE_LIMIT_CALLBACKS_PER_MIN", 600),
            trusted_proxy_hops=env_int("TRUSTED_PROXY_HOPS", 0),
            trusted_proxies=proxy_networks(env("TRUSTED_PROXIES", "")),
            access_log_sample_rate=env_fraction("ACCESS_LOG_SAMPLE_RATE", 0.01),
            access_log_slow_ms=env_int("ACCESS_LOG_SLOW_MS", 500),
        )

    def close(self) -> None:
        closed = set()
        for name in CLIENT_ATTRIBUTES:
            getattr(self, name).close()
            closed.add(id(getattr(self, name)))
        for peer in self.peers.values():
            if id(peer) not in closed:
                peer.close()


def clients_of(settings: Settings) -> dict[str, tuple]:
    """attribute -> (deployable, stub, gRPC service, options): the gateway reaches a service only
    through its stub, and one deployable serves several gRPC services on its one address."""
    return {
        # identity with the gateway's service token: it names the client's address (issue 11).
        "identity": (
            "identity",
            identity_pb2_grpc.IdentityServiceStub,
            IDENTITY,
            {"service_token": settings.service_token},
        ),
        "stores": ("identity", stores_pb2_grpc.StoresServiceStub, STORES, {}),
        "customers": ("customers", customers_pb2_grpc.CustomersServiceStub, CUSTOMERS, {}),
        "activity": ("customers", activity_pb2_grpc.ActivityServiceStub, ACTIVITY, {}),
        "ownership": ("customers", ownership_pb2_grpc.CustomerOwnershipServiceStub, OWNERSHIP, {}),
        "segments": ("customers", segments_pb2_grpc.SegmentsServiceStub, SEGMENTS, {}),
        "messaging": ("messaging", messaging_pb2_grpc.MessagingServiceStub, MESSAGING, {}),
        # With the gateway's service token: the shop's catalogue is read for the customer's tenant (B6).
        "orders": ("orders", orders_pb2_grpc.OrdersServiceStub, ORDERS, {"service_token": settings.service_token}),
        "receivables": ("orders", receivables_pb2_grpc.ReceivablesServiceStub, RECEIVABLES, {}),
        "performance": ("orders", performance_pb2_grpc.PerformanceServiceStub, PERFORMANCE, {}),
        # With the gateway's service token: the providers' callbacks reach it as the gateway (B6 B12).
        "storefront": (
            "orders",
            storefront_pb2_grpc.StorefrontServiceStub,
            STOREFRONT,
            {"service_token": settings.service_token},
        ),
        "coupons": ("coupons", coupons_pb2_grpc.CouponsServiceStub, COUPONS, {}),
        # A pre-charge sheet (E8) is checked and applied in one call: a longer deadline.
        "stored_value": ("coupons", stored_value_pb2_grpc.StoredValueServiceStub, STORED_VALUE, {"timeout": 30.0}),
        # With the gateway's service token: readers' pages are public (ADR 0015).
        "marketing": (
            "marketing",
            marketing_pb2_grpc.MarketingServiceStub,
            MARKETING,
            {"service_token": settings.service_token},
        ),
        "printing": ("printing", printing_pb2_grpc.PrintingServiceStub, PRINTING, {}),
    }


CLIENT_ATTRIBUTES = tuple(clients_of(Settings(service="gateway")))


def readiness_peers(settings: Settings, clients: dict[str, ServiceClient]) -> dict[str, ServiceClient]:
    """One channel per peer to probe with grpc.health.v1: the first client the gateway has on
    that address, else (a service it has no routes for yet) a client of the health service."""
    by_address: dict[str, ServiceClient] = {}
    for c in clients.values():
        by_address.setdefault(c.address, c)
    return {
        name: by_address.get(address) or ServiceClient(address, health_pb2_grpc.HealthStub, "grpc.health.v1.Health")
        for name, address in settings.peers.items()
    }


def client(
    address: str, stub_class, full_name: str, *, timeout: float = 5.0, service_token: str | None = None
) -> ServiceClient:
    # Which methods gRPC may retry is in the proto (idempotency_level), read by ServiceClient.
    return ServiceClient(address, stub_class, full_name, timeout=timeout, service_token=service_token)


def proxy_networks(text: str) -> tuple:
    """'10.0.0.0/8, 192.168.1.5' -> networks; a bad entry stops startup naming it."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an address or CIDR") from None
    return tuple(networks)
