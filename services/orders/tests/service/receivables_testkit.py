"""Helpers of the B4 service tests: a fresh database and orders server per test module, with a
local file store in a temporary folder and a clock the tests move (term states depend on it)."""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orders_testkit import ISSUER, PUBLIC, call, line, product
from PIL import Image

from crm.common.v1 import common_pb2
from crm.orders.v1 import orders_pb2 as opb
from crm.orders.v1 import orders_pb2_grpc, receivables_pb2_grpc
from crm.orders.v1 import receivables_pb2 as pb
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.filestore.local import LocalFileStore
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from orders import migrate, server
from orders.grpc_receivables import FULL_NAME

# 10:00 China time: far from midnight, so "today" is the same day in UTC and in China.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = START):
        self.now = now
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now


@dataclass
class Stack:
    orders: ServiceClient
    receivables: ServiceClient
    clock: Clock
    store: LocalFileStore
    db: object


@contextmanager
def receivables_stack(customers, files: Path):
    """Its own database (migrations applied), the service's composition root with a file store
    under `files`, and a real gRPC server hosting both orders services."""
    url = testing.create_database("orders_b4")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        clock = Clock()
        store = LocalFileStore(files, signing_secret="test-secret")
        settings = Settings(
            service="orders",
            database_url=url,
            jwt_public_key=PUBLIC,
            peers={"customers": customers.address},
            service_token=ISSUER.service_token("orders"),
        )
        runtime = server.build(settings, file_store=store, clock=clock)
        grpc_server, port, _ = build_server(
            "orders", runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1", max_workers=32
        )
        grpc_server.start()
        address = f"127.0.0.1:{port}"
        orders = ServiceClient(address, orders_pb2_grpc.OrdersServiceStub, "crm.orders.v1.OrdersService")
        receivables = ServiceClient(address, receivables_pb2_grpc.ReceivablesServiceStub, FULL_NAME)
        try:
            yield Stack(orders, receivables, clock, store, runtime.db)
        finally:
            orders.close()
            receivables.close()
            grpc_server.stop(0)
            runtime.close()
    finally:
        testing.drop_database(url)


def png_bytes(size=(4, 3), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def approved_order(stack: Stack, owner, seller, customer_id: str, total_fen: int):
    """An order of `total_fen` (one line at that price), submitted by `seller`, approved."""
    item = product(stack.orders, owner, f"Item {total_fen}", wholesale=total_fen)
    order = call(
        stack.orders, seller, "SubmitOrder", opb.SubmitOrderRequest(customer_id=customer_id, lines=[line(item.id, 1)])
    )
    return call(stack.orders, owner, "ApproveOrder", opb.OrderActionRequest(id=order.id))


def allocation(order_id: str, fen: int) -> pb.Allocation:
    return pb.Allocation(order_id=order_id, amount=common_pb2.Money(fen=fen))


def file_request(customer_id, allocations, *, method=pb.COLLECTION_METHOD_CASH, proofs=(), key="", note=""):
    return pb.FileCollectionRequest(
        customer_id=customer_id,
        allocations=[allocation(o, f) for o, f in allocations],
        method=method,
        proof_keys=list(proofs),
        note=note,
        idempotency_key=key,
    )


def debt_orders(stack: Stack, actor, customer_id: str) -> dict[str, tuple[int, int]]:
    """{order number: (debt, pending)} as ListDebtOrders reports them."""
    got = call(stack.receivables, actor, "ListDebtOrders", pb.ListDebtOrdersRequest(customer_id=customer_id))
    return {o.number: (o.debt.fen, o.pending.fen) for o in got.orders}
