"""Database plumbing: engine, unit of work, tenant-scoped base columns, outbox and
processed-event tables.

Each service declares its own `Base` (its own metadata, its own database) and adds the two
bookkeeping tables by subclassing the mixins here:

    class Base(DeclarativeBase): ...
    class Outbox(OutboxMixin, Base): ...
    class ProcessedEvent(ProcessedEventMixin, Base): ...
    db = Database(url, service="customers", outbox=Outbox, processed=ProcessedEvent)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    insert,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from crmkit.context import current_request_id
from crmkit.events import Event, Outgoing
from crmkit.settings import DEFAULT_GRPC_WORKERS, POOL_RESERVE


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def upsert_insert(bind, table):
    """An INSERT that takes `.on_conflict_do_update/nothing` on both databases we run on
    (PostgreSQL in a cluster, SQLite embedded); `bind` is a Session, Connection or Engine."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def row_values(obj: object) -> dict[str, Any]:
    """What was set on a transient ORM object, for one multi-row Core INSERT of many of them
    (columns left unset are absent, so their defaults still apply)."""
    return {k: v for k, v in vars(obj).items() if not k.startswith("_sa_")}


class UTCDateTime(TypeDecorator):
    """Aware UTC in Python on every backend (SQLite keeps no zone; PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TenantScoped:
    """Columns every business row carries. Queries filter on tenant_id from the Actor."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMixin:
    __tablename__ = "outbox"

    # BigInteger on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ProcessedEventMixin:
    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def normalize_url(url: str) -> str:
    # One driver everywhere: psycopg 3.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Execution option marking a reader's connections (see Database.reader).
READ_ONLY = "crm_read_only"


# A server process's pool with the default number of gRPC worker threads (Settings).
DEFAULT_POOL_SIZE = DEFAULT_GRPC_WORKERS + POOL_RESERVE
# Opened beyond pool_size only when every pooled connection is taken (a use case holding two at
# once) and closed again on return: never in steady state, but never a wait that cannot end.
POOL_OVERFLOW = 4


def make_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE, max_overflow: int = POOL_OVERFLOW) -> Engine:
    """`pool_size`: the connections kept open, opened as first needed and never closed in
    steady state; size it to the threads that use the database at once (Settings).

    No pre-ping (a round trip on every checkout): a connection found dead (the server restarted,
    a connection was cut) fails its statement with a disconnect error; SQLAlchemy then discards
    it and every connection the pool opened before it, and the call is answered UNAVAILABLE
    (crmkit.grpc_server), which clients retry where the proto allows."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE takes the write lock up front: a read-then-write transaction never
            # fails half-way with "database is locked" when two threads race (embedded mode).
            # A reader (Database.reader) begins DEFERRED: it reads a WAL snapshot beside the one
            # writer instead of queueing behind it, as a PostgreSQL read does.
            read_only = conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    size, overflow = pool_limits(pool_size, max_overflow)
    return create_engine(url, pool_size=size, max_overflow=overflow, pool_pre_ping=False)


def pool_limits(pool_size: int, max_overflow: int, environ=os.environ) -> tuple[int, int]:
    """(pool size, max overflow) of a process's database pool: the code's, unless the deployment
    fixes them with DATABASE_POOL_SIZE (and DATABASE_MAX_OVERFLOW, 0 when unset). The chart does,
    so that replicas x pools stay under the PostgreSQL server's max_connections
    (docs/capacity.md); threads beyond a fixed pool wait for a connection instead of opening one."""
    fixed = environ.get("DATABASE_POOL_SIZE")
    if not fixed:
        return pool_size, max_overflow
    return int(fixed), int(environ.get("DATABASE_MAX_OVERFLOW") or 0)


class Database:
    def __init__(self, url: str, *, service: str, outbox: type, processed: type, pool_size: int = DEFAULT_POOL_SIZE):
        self.service = service
        self.engine = make_engine(url, pool_size=pool_size)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        readers = self.engine.execution_options(**{READ_ONLY: True})
        if self.dialect == "postgresql":
            # One statement is consistent by itself: no BEGIN and ROLLBACK round trips around it.
            self._single_reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            readers = readers.execution_options(postgresql_readonly=True)
        else:
            self._single_reads = readers
        self.reader_factory = sessionmaker(readers, expire_on_commit=False)
        self.outbox_model = outbox
        # Built once: hot paths write their events with Core (publish_on).
        self._outbox_insert = insert(outbox.__table__)
        self.processed_model = processed
        self._after_commit: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_outbox_written(self, callback: Callable[[], None]) -> None:
        """The relay registers here to publish right after a commit instead of at its next poll."""
        self._after_commit.append(callback)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self)

    def reader(self) -> UnitOfWork:
        """A read-only unit of work: it never takes SQLite's write lock, so a read made while
        another transaction of this process writes (a handler's, say) does not wait for it,
        and PostgreSQL refuses any write in it."""
        return UnitOfWork(self, read_only=True)

    def single_read(self) -> Connection:
        """A connection for reads of one statement each (`with db.single_read() as conn`): on
        PostgreSQL in autocommit, so a statement costs one round trip; on SQLite a reader's
        (a deferred BEGIN beside the one writer)."""
        return self._single_reads.connect()

    def outbox_values(self, event: Outgoing, tenant_id: str) -> tuple[Event, dict[str, Any]]:
        """`event` (built by this service's events.py) enveloped, and its outbox row."""
        if not isinstance(event, Outgoing) or event.source != self.service:
            # Only the service's own catalogue lists what it may put on the wire.
            raise TypeError(f"{self.service} publishes only events built by its events.py, not {event!r}")
        evt = Event(
            type=event.type,
            source=self.service,
            tenant_id=tenant_id,
            data=event.data,
            request_id=current_request_id(),
        )
        row = {
            "event_id": evt.event_id,
            "type": evt.type,
            "tenant_id": evt.tenant_id,
            # As Event.to_json encodes it: the relay publishes the payload as it is.
            "payload": evt.to_json().decode(),
            "occurred_at": evt.occurred_at,
            "attempts": 0,
        }
        return evt, row

    def publish_on(self, conn: Connection, event: Outgoing, tenant_id: str) -> Event:
        """UnitOfWork.publish for a use case written in Core: the outbox row in the transaction
        of `conn`; call notify_outbox() once it has committed."""
        evt, row = self.outbox_values(event, tenant_id)
        conn.execute(self._outbox_insert, row)
        return evt

    def notify_outbox(self) -> None:
        for callback in self._after_commit:
            callback()

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """One transaction. Rolls back unless `commit()` was called; events added with `publish`
    are rows of the same transaction, so they exist exactly when the change does."""

    def __init__(self, db: Database, *, read_only: bool = False):
        self.db = db
        self.read_only = read_only
        self.session: Session | None = None
        self._published = False

    def __enter__(self) -> UnitOfWork:
        self.session = (self.db.reader_factory if self.read_only else self.db.session_factory)()
        self._published = False
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        if self._published:
            self._published = False
            self.db.notify_outbox()

    def rollback(self) -> None:
        self.session.rollback()

    def publish(self, event: Outgoing, tenant_id: str) -> Event:
        """Write `event` (built by this service's events.py) to the outbox of this transaction."""
        evt, row = self.db.outbox_values(event, tenant_id)
        self.session.add(self.db.outbox_model(**row))
        self._published = True
        return evt

    def claim_event(self, event_id: str, consumer: str) -> bool:
        """Record that `consumer` handles `event_id` in this transaction. False if it already
        did: the caller then does nothing, so a redelivered event changes nothing (H3)."""
        self.session.add(self.db.processed_model(event_id=event_id, consumer=consumer))
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            return False
        return True
