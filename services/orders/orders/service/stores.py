"""The tenant's stores as orders sees them: the port a storefront order's store is checked against
(a customer's shop names its store by id, and any id can be sent), and its gRPC adapter on the
identity service, which keeps the stores, with this service's own token."""

from __future__ import annotations

from typing import Protocol

from crm.identity.v1 import identity_pb2
from crmkit.errors import Unavailable
from crmkit.peers.identity import identity_client
from orders.errors import ErrorCode


class StoreDirectory(Protocol):
    def exists(self, tenant_id: str, store_id: str) -> bool:
        """Whether the tenant has this store; Unavailable when that cannot be told now."""


class IdentityStores:
    def __init__(self, address: str, service_token: str):
        self._client = identity_client(address, service_token)

    def exists(self, tenant_id: str, store_id: str) -> bool:
        # A merchant has a handful of stores: the list is one small answer, and never stale.
        # As this service, for the tenant: the caller may be a customer, whom identity shows nothing.
        reply = self._client.call("ListStores", identity_pb2.ListStoresRequest(), as_service=True, tenant_id=tenant_id)
        return any(store.id == store_id for store in reply.stores)

    def close(self) -> None:
        self._client.close()


class StoresNotConfigured:
    """No IDENTITY_ADDR (a process built without the identity peer): a storefront order, whose
    store must be checked, is refused as the service being unavailable."""

    def exists(self, tenant_id: str, store_id: str) -> bool:
        raise Unavailable(ErrorCode.STORES_UNAVAILABLE)
