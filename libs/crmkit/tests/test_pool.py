"""Issue 16 item 2 (P1, P2): a server process keeps one database connection per gRPC worker thread
and opens none per call once warm; without pre-ping, a connection PostgreSQL dropped is thrown
away and its call answered UNAVAILABLE (which clients retry where the proto allows), and the
next call is served on a fresh connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
import psycopg
import pytest
from crmkit_fixtures import Base, Outbox, ProcessedEvent
from sqlalchemy import event, select

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit import testing
from crmkit.db import Database
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server
from crmkit.settings import POOL_RESERVE, Settings

FULL_NAME = "crm.messaging.v1.MessagingService"
WORKERS = 4


class TouchesTheDatabase(messaging_pb2_grpc.MessagingServiceServicer):
    """SendSms: a unit of work as use cases open it; MarkNotificationsRead: a one-statement read."""

    def __init__(self, db: Database):
        self.db = db

    def SendSms(self, request, context):
        with self.db.uow() as uow:
            uow.session.execute(select(1))
            uow.commit()
        return messaging_pb2.SendSmsResponse(provider="db")

    def MarkNotificationsRead(self, request, context):
        with self.db.single_read() as conn:
            conn.execute(select(1))
        return messaging_pb2.MarkNotificationsReadResponse()


class Connects:
    """New DBAPI connections the engine's pool opened."""

    def __init__(self, db: Database):
        self.count = 0
        self._lock = threading.Lock()
        event.listen(db.engine, "connect", self._connected)

    def _connected(self, dbapi_conn, record):
        with self._lock:
            self.count += 1


@pytest.fixture
def served():
    url = testing.create_database("crmkit_pool")
    db = Database(
        url,
        service="kit",
        outbox=Outbox,
        processed=ProcessedEvent,
        pool_size=Settings("kit", grpc_workers=WORKERS).database_pool_size,
    )
    Base.metadata.create_all(db.engine)
    db.engine.dispose()  # the pool starts empty, as in a server process
    connects = Connects(db)
    registration = ServiceRegistration(
        messaging_pb2_grpc.add_MessagingServiceServicer_to_server, TouchesTheDatabase(db), FULL_NAME
    )
    server, port, _ = build_server("kit", [registration], verifier=None, port=0, host="127.0.0.1", max_workers=WORKERS)
    server.start()
    client = ServiceClient(f"127.0.0.1:{port}", messaging_pb2_grpc.MessagingServiceStub, FULL_NAME)
    try:
        yield db, connects, client, port, url
    finally:
        client.close()
        server.stop(0)
        db.dispose()
        testing.drop_database(url)


def _calls(client: ServiceClient, n: int, *, clients: int) -> None:
    def one(i: int) -> None:
        if i % 2:
            client.call("SendSms", messaging_pb2.SendSmsRequest(phone="13800000000"), timeout=10)
        else:
            client.call("MarkNotificationsRead", messaging_pb2.MarkNotificationsReadRequest(), timeout=10)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(n)))


def _backends_since(url: str, since) -> int:
    """PostgreSQL's own count of the database's sessions begun after `since` (this one aside)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_start > %s AND pid <> pg_backend_pid()",
            (since,),
        ).fetchone()[0]


def _terminate_sessions(url: str) -> int:
    with psycopg.connect(testing.PG_ADMIN_URL, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (url.rsplit("/", 1)[1],),
        ).fetchone()[0]


def _now(url: str):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def test_p1_steady_state_calls_open_no_database_connection(served):
    db, connects, client, _, url = served
    # Twice as many callers as worker threads: every thread is busy at once.
    _calls(client, 200, clients=2 * WORKERS)
    warmed = connects.count
    assert 0 < warmed <= WORKERS
    since = _now(url)
    _calls(client, 400, clients=2 * WORKERS)
    assert connects.count == warmed
    assert _backends_since(url, since) == 0
    # The pool keeps what it opened: nothing was closed and opened again.
    assert db.engine.pool.checkedin() == warmed


def test_p1_pool_keeps_a_connection_per_worker_thread_and_the_relays(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)  # the code's own sizing (conftest.py)
    settings = Settings("kit", grpc_workers=12)
    assert settings.database_pool_size == 12 + POOL_RESERVE
    db = Database(
        "postgresql://nobody@127.0.0.1:1/none",
        service="kit",
        outbox=Outbox,
        processed=ProcessedEvent,
        pool_size=settings.database_pool_size,
    )
    try:
        assert db.engine.pool.size() == 12 + POOL_RESERVE
    finally:
        db.dispose()


def test_h2_a_dropped_connection_is_discarded_and_its_call_unavailable(served):
    db, connects, client, port, url = served
    _calls(client, 40, clients=2 * WORKERS)
    opened = connects.count
    # PostgreSQL ends every session of the database (a restart, a failover, an idle cut).
    assert _terminate_sessions(url) == opened
    # Without the client's retries: the first call on a dead connection is UNAVAILABLE, not INTERNAL.
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = messaging_pb2_grpc.MessagingServiceStub(channel)
        with pytest.raises(grpc.RpcError) as failed:
            stub.MarkNotificationsRead(messaging_pb2.MarkNotificationsReadRequest(), timeout=10)
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
        # The disconnect discarded every connection the pool held: the next call opens a new one.
        stub.MarkNotificationsRead(messaging_pb2.MarkNotificationsReadRequest(), timeout=10)
    assert connects.count == opened + 1
    # The connections left in the pool are replaced as they are next taken: calls go on.
    _calls(client, 40, clients=2 * WORKERS)
    assert connects.count <= opened + WORKERS


def test_h2_a_caller_that_retries_never_sees_the_drop(served):
    db, connects, client, _, url = served
    _calls(client, 40, clients=2 * WORKERS)
    _terminate_sessions(url)
    # SendSms is IDEMPOTENT in its proto: the client retries the UNAVAILABLE answer.
    assert client.call("SendSms", messaging_pb2.SendSmsRequest(phone="13800000000"), timeout=10).provider == "db"
