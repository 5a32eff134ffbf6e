"""Recommended products on a reader's page (D1, D14), from the orders service's catalogue: the
port, and its gRPC adapter with this service's own token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from crm.orders.v1 import orders_pb2, orders_pb2_grpc
from crmkit.errors import DomainError
from crmkit.grpc_client import ServiceClient
from crmkit.protos import fen_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    unit: str
    price_fen: int


class Catalogue(Protocol):
    def products(self, tenant_id: str, ids: tuple[str, ...]) -> list[Product]: ...


class OrdersCatalogue:
    """Listed, live products in the order asked; a product gone or a catalogue that does not
    answer leaves the page without it rather than failing the reader's page."""

    def __init__(self, address: str, service_token: str):
        self._client = ServiceClient(
            address, orders_pb2_grpc.OrdersServiceStub, "crm.orders.v1.OrdersService", service_token=service_token
        )

    def products(self, tenant_id: str, ids: tuple[str, ...]) -> list[Product]:
        found = []
        for product_id in ids:
            try:
                p = self._client.call("GetProduct", orders_pb2.GetProductRequest(id=product_id), tenant_id=tenant_id)
            except DomainError as err:
                log.info("recommended product %s left out: %s", product_id, err.code)
                continue
            if p.listed and not p.archived:
                found.append(Product(p.id, p.name, p.unit, fen_of(p, "wholesale_price") or 0))
        return found

    def close(self) -> None:
        self._client.close()
