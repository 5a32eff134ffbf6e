"""The port through which identity reads store takings (A4), and its adapter to the orders
service's PerformanceService.GetStoreDashboard (B10). identity never reads orders' tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm.orders.v1 import performance_pb2, performance_pb2_grpc
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings


@dataclass(frozen=True)
class DailyTakings:
    date: str
    store_id: str
    orders: int
    sales_fen: int
    returns_fen: int


class TakingsSource(Protocol):
    def daily_takings(self, tenant_id: str, date_from: str, date_to: str) -> list[DailyTakings]: ...


class OrdersTakings:
    """Asks orders with identity's service token on behalf of one tenant: which stores the
    caller may see is identity's decision (it knows the store tree), taken before this call."""

    def __init__(self, client: ServiceClient):
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> OrdersTakings:
        settings.require("service_token")
        client = ServiceClient(
            settings.peer("orders"),
            performance_pb2_grpc.PerformanceServiceStub,
            "crm.orders.v1.PerformanceService",
            service_token=settings.service_token,
        )
        return cls(client)

    def daily_takings(self, tenant_id: str, date_from: str, date_to: str) -> list[DailyTakings]:
        reply = self._client.call(
            "GetStoreDashboard",
            performance_pb2.GetStoreDashboardRequest(date_from=date_from, date_to=date_to),
            as_service=True,
            tenant_id=tenant_id,
        )
        return [DailyTakings(d.date, d.store_id, d.orders, d.sales.fen, d.returns.fen) for d in reply.days]

    def close(self) -> None:
        self._client.close()
