"""Helpers shared by the orders service tests (a uniquely named module, not conftest, so it
never clashes with another service's test helpers in one pytest run)."""

import threading
import uuid
from datetime import timedelta

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crm.orders.v1 import orders_pb2 as pb
from crmkit.auth import STAFF, Actor, TokenIssuer, generate_keypair, require_actor
from crmkit.errors import NotFound
from crmkit.protos import money

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)


def staff(tenant, *roles, sid=None, stores=("store-1",), perms=()) -> Actor:
    return Actor(
        kind=STAFF,
        subject_id=sid or f"s-{uuid.uuid4().hex[:8]}",
        tenant_id=tenant,
        roles=frozenset(roles),
        permissions=frozenset(perms),
        store_ids=tuple(stores),
    )


def token_for(actor: Actor) -> str:
    return ISSUER.issue(
        kind=actor.kind,
        subject_id=actor.subject_id,
        tenant_id=actor.tenant_id,
        roles=actor.roles,
        permissions=actor.permissions,
        store_ids=actor.store_ids,
        current_store_id=actor.current_store_id,
        ttl=timedelta(minutes=5),
    )[0]


def call(client, actor, method, request):
    return client.call(method, request, token=token_for(actor), timeout=30)


def product(client, owner, name="Cola", *, barcode="", wholesale=1000, levels=None, listed=True, **kw):
    data = pb.ProductInput(
        name=name,
        barcode=barcode,
        wholesale_price=money(wholesale),
        level_prices=[pb.LevelPrice(level=k, price=money(v)) for k, v in (levels or {}).items()],
        listed=listed,
        **kw,
    )
    return call(client, owner, "CreateProduct", pb.CreateProductRequest(product=data))


def line(product_id, quantity=1, source=pb.PRICE_SOURCE_UNSPECIFIED, price=None):
    return pb.LineInput(
        product_id=product_id, quantity=quantity, price_source=source, price=money(price) if price is not None else None
    )


class MerchantStores:
    """The stores as the identity service answers orders: every tenant of these tests keeps
    store-1 and store-2; any other id is no store of the merchant's."""

    STORES = frozenset({"store-1", "store-2"})

    def exists(self, tenant_id: str, store_id: str) -> bool:
        return store_id in self.STORES


class FakeCustomers(customers_pb2_grpc.CustomersServiceServicer):
    """A stand-in for the customers service at the edge of this service's tests: answers
    GetCustomer from a dict within the caller's scope, as the real one's contract says (the
    owner and see_all_customers: all; store roles: their current store's, else their stores';
    anyone: their own), and NOT_FOUND otherwise. The real one is used in the integration
    journeys."""

    def __init__(self):
        self.customers: dict[tuple[str, str], customers_pb2.Customer] = {}
        self.lock = threading.Lock()

    def add(self, tenant, owner_staff_id="", *, name=None, level="", store_id="store-1", phone="") -> str:
        cid = f"c-{uuid.uuid4().hex[:10]}"
        with self.lock:
            self.customers[(tenant, cid)] = customers_pb2.Customer(
                id=cid,
                tenant_id=tenant,
                name=name or f"Customer {cid[-4:]}",
                phone=phone or "13800000000",
                owner_staff_id=owner_staff_id,
                store_id=store_id,
                level=level,
            )
        return cid

    def GetCustomer(self, request, context):
        actor = require_actor()
        customer = self.customers.get((actor.tenant_id, request.id))
        if customer is None or not self.visible(actor, customer):
            raise NotFound("CUSTOMER_NOT_FOUND", "error.customer_not_found")
        return customer

    @staticmethod
    def visible(actor, customer) -> bool:
        if actor.is_service or actor.has_role("owner") or actor.can("see_all_customers"):
            return True
        if customer.owner_staff_id and customer.owner_staff_id == actor.staff_id:
            return True
        stores = (actor.current_store_id,) if actor.current_store_id else actor.store_ids
        return actor.has_role("store_manager", "finance", "warehouse") and customer.store_id in stores
