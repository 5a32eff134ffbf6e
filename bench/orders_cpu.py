"""CPU, statements and new connections per order of the orders service's submit use case, and per
customer lookup of the customers service, measured in one process against PostgreSQL (issue 16,
P1): `python -m bench.orders_cpu [orders] [customers]`.

The figures do not depend on what else runs on the machine: CPU is this process's own
(`time.process_time`, one thread calling), statements and connections are counted by SQLAlchemy
events. The gRPC edge (about 0.5 ms a call each side, measured apart) is left out: what is
measured is the use case as its servicer calls it. Each run makes its own databases and drops
them. Environment: ORDERS_CPU_N (measured calls, default 500), ORDERS_CPU_WARM (default 200).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from crmkit import testing
from crmkit.auth import STAFF, Actor


@dataclass
class Figures:
    calls: int
    cpu_ms: float
    statements: float
    round_trips: float
    connections: float
    kinds: dict[str, float]
    # PostgreSQL: the CPU of the backends serving this process, per call, in all and while each
    # kind of statement ran (the rest is commits, and the work a backend does between statements).
    pg_cpu_ms: float = 0.0
    pg_kinds_ms: dict[str, float] = field(default_factory=dict)
    # The whole PostgreSQL server's tree (WAL writer, checkpointer, autovacuum too).
    pg_server_ms: float = 0.0

    def print(self, title: str) -> None:
        print(f"{title}: {self.calls} calls")
        print(f"  CPU per call (ms)                {self.cpu_ms:8.3f}")
        print(f"  statements per call              {self.statements:8.2f}")
        print(f"  round trips per call             {self.round_trips:8.2f}")
        print(f"  new connections per call        {self.connections:8.3f}")
        for kind, n in sorted(self.kinds.items()):
            print(f"    {kind:<30}{n:8.2f}")
        print(f"  PostgreSQL server CPU per call (ms) {self.pg_server_ms:5.3f}")
        print(f"    its backends serving the calls  {self.pg_cpu_ms:8.3f}")
        for kind, ms in sorted(self.pg_kinds_ms.items(), key=lambda kv: -kv[1]):
            print(f"      while {kind:<24}{ms:8.3f}")


def _transaction_round_trip(conn) -> bool:
    """Whether BEGIN, COMMIT or ROLLBACK on this connection goes to the server: not in psycopg's
    autocommit, and (COMMIT, ROLLBACK) only with a transaction open (psycopg skips it otherwise)."""
    dbapi = conn.connection.dbapi_connection
    info = getattr(dbapi, "info", None)
    if info is None:  # sqlite3: our BEGIN is a statement of its own, counted as one
        return False
    return not dbapi.autocommit


class Counting:
    """Round trips of every engine in the process (orders' counter engine included): statements
    by their first word, and BEGIN / COMMIT / ROLLBACK psycopg actually sends; and new DBAPI
    connections."""

    def __init__(self):
        self.kinds: Counter[str] = Counter()
        self.connections = 0
        # Nanoseconds of backend CPU while each kind of statement ran, read from the kernel's
        # scheduler statistics of the backend (exact, unlike /proc/<pid>/stat's 10 ms ticks).
        self.backend_ns: Counter[str] = Counter()
        self.backends: set[int] = set()
        self._started: dict[int, tuple[str, int, int]] = {}
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "after_cursor_execute", self._statement_done)
        event.listen(Engine, "begin", self._begin)
        event.listen(Engine, "commit", self._commit)
        event.listen(Engine, "rollback", self._rollback)
        event.listen(Pool, "connect", self._connect)
        event.listen(Pool, "checkout", self._checkout)

    def _checkout(self, dbapi_conn, record, proxy):
        # A pool that pings before handing a connection out sends a statement of its own.
        if getattr(getattr(proxy, "_pool", None), "_pre_ping", False):
            self.kinds["SELECT 1 (pre-ping)"] += 1

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        word = statement.lstrip().split(None, 1)[0].upper()
        kind = f"{word}{' (many)' if executemany else ''}"
        self.kinds[kind] += 1
        pid = _backend_pid(conn)
        if pid:
            self._started[id(cursor)] = (_statement_kind(statement, kind), pid, backend_cpu_ns(pid))

    def _statement_done(self, conn, cursor, statement, parameters, context, executemany):
        started = self._started.pop(id(cursor), None)
        if started:
            kind, pid, ns = started
            self.backend_ns[kind] += backend_cpu_ns(pid) - ns

    def _begin(self, conn):
        if _transaction_round_trip(conn):
            self.kinds["BEGIN"] += 1

    def _open(self, conn) -> bool:
        from psycopg.pq import TransactionStatus

        dbapi = conn.connection.dbapi_connection
        return _transaction_round_trip(conn) and dbapi.info.transaction_status != TransactionStatus.IDLE

    def _commit(self, conn):
        if self._open(conn):
            self.kinds["COMMIT"] += 1

    def _rollback(self, conn):
        if self._open(conn):
            self.kinds["ROLLBACK"] += 1

    def _connect(self, dbapi_conn, record):
        self.connections += 1
        pid = getattr(getattr(dbapi_conn, "info", None), "backend_pid", None)
        if pid:
            self.backends.add(pid)

    def reset(self) -> None:
        self.kinds.clear()
        self.backend_ns.clear()
        self.connections = 0

    def backends_ns(self) -> int:
        return sum(backend_cpu_ns(pid) for pid in self.backends)

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "after_cursor_execute", self._statement_done)
        event.remove(Engine, "begin", self._begin)
        event.remove(Engine, "commit", self._commit)
        event.remove(Engine, "rollback", self._rollback)
        event.remove(Pool, "connect", self._connect)
        event.remove(Pool, "checkout", self._checkout)


def backend_cpu_ns(pid: int) -> int:
    """CPU time of a process so far, in nanoseconds (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _backend_pid(conn) -> int | None:
    info = getattr(conn.connection.dbapi_connection, "info", None)
    return getattr(info, "backend_pid", None)


def _statement_kind(statement: str, kind: str) -> str:
    """The statement's first word and the table it names first: enough to tell an order's
    statements apart."""
    words = statement.replace("(", " ").replace(",", " ").split()
    upper = [w.upper() for w in words]
    for marker in ("INTO", "UPDATE", "FROM"):
        if marker in upper[:40]:
            at = upper.index(marker)
            if at + 1 < len(words):
                return f"{kind} {words[at + 1].strip(chr(34))}"
    return kind


def _server_cpu_ns() -> int:
    from bench.cpu import postmaster, snapshot, tree_cpu

    procs = snapshot()
    root = postmaster(procs)
    return int(tree_cpu(root, procs) * 1e9) if root else 0


def measure(call, *, warm: int, n: int, counting: Counting) -> Figures:
    for i in range(warm):
        call(i)
    counting.reset()
    backends, server = counting.backends_ns(), _server_cpu_ns()
    start = time.process_time()
    for i in range(warm, warm + n):
        call(i)
    cpu = time.process_time() - start
    backends, server = counting.backends_ns() - backends, _server_cpu_ns() - server
    kinds = {k: v / n for k, v in counting.kinds.items()}
    statements = sum(v for k, v in kinds.items() if k not in ("BEGIN", "COMMIT", "ROLLBACK"))
    return Figures(
        n,
        cpu * 1000 / n,
        statements,
        sum(kinds.values()),
        counting.connections / n,
        kinds,
        pg_cpu_ms=backends / n / 1e6,
        pg_kinds_ms={k: v / n / 1e6 for k, v in counting.backend_ns.items()},
        pg_server_ms=server / n / 1e6,
    )


def staff(tenant: str, *roles: str) -> Actor:
    return Actor(
        kind=STAFF,
        subject_id=f"s-{uuid.uuid4().hex[:8]}",
        tenant_id=tenant,
        roles=frozenset(roles),
        permissions=frozenset(),
        store_ids=("store-1",),
    )


def orders_figures(counting: Counting, *, warm: int, n: int) -> Figures:
    from crmkit.peers.customers import CustomerInfo
    from orders import migrate
    from orders.declaration import DECLARATION
    from orders.domain.lines import LineRequest
    from orders.models import ProductRow
    from orders.service.ordering import SubmitOrder, submit_order

    url = testing.create_database("orders_cpu")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        db = DECLARATION.open_database(url)
        tenant = f"t-{uuid.uuid4().hex[:12]}"
        seller = staff(tenant, "salesperson")
        now = datetime.now(UTC)
        product_ids = [str(uuid.uuid4()) for _ in range(5)]
        with db.uow() as uow:
            for i, pid in enumerate(product_ids):
                uow.session.add(
                    ProductRow(
                        id=pid,
                        tenant_id=tenant,
                        name=f"product {i}",
                        barcode=f"69{i:011d}",
                        brand="",
                        unit="box",
                        wholesale_price_fen=1000 + i,
                        level_prices={},
                        kind="goods",
                        listed=True,
                        archived=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
            uow.commit()
        customers = [
            CustomerInfo(f"c-{i}", f"customer {i}", "13800000000", seller.subject_id, "store-1") for i in range(50)
        ]

        class Directory:
            def get(self, customer_id: str) -> CustomerInfo:
                return customers[int(customer_id[2:])]

            def require_in_tenant(self, tenant_id: str, customer_id: str) -> None:
                pass

        directory = Directory()
        lines = tuple(LineRequest(pid, 1 + i) for i, pid in enumerate(product_ids))

        def call(i: int) -> None:
            cmd = SubmitOrder(customer_id=f"c-{i % 50}", lines=lines, idempotency_key=uuid.uuid4().hex)
            submit_order(db.uow(), seller, directory, cmd, now=datetime.now(UTC))

        figures = measure(call, warm=warm, n=n, counting=counting)
        db.dispose()
        return figures
    finally:
        _dispose_counter_engines()
        testing.drop_database(url)


def _dispose_counter_engines() -> None:
    from orders.service import numbers

    # Absent before issue 16 (this loop also measures the code before it, for the comparison).
    dispose = getattr(numbers, "dispose_counter_engines", None)
    for engine in [] if dispose else list(numbers._COUNTER_ENGINES.values()):
        engine.dispose()
    if dispose:
        dispose()


def customers_figures(counting: Counting, *, warm: int, n: int) -> Figures:
    from customers import migrate
    from customers.declaration import DECLARATION
    from customers.domain.registration import RegisterCustomer
    from customers.service.queries import get_customer
    from customers.service.registration import register_customer

    url = testing.create_database("customers_cpu")
    try:
        migrate.upgrade(migrate.MIGRATIONS, url)
        db = DECLARATION.open_database(url)
        tenant = f"t-{uuid.uuid4().hex[:12]}"
        seller = staff(tenant, "salesperson")
        now = datetime.now(UTC)
        ids = [
            register_customer(
                db.uow(), seller, RegisterCustomer(name=f"customer {i}", phone=f"1380000{i:04d}", fields={}), now=now
            ).id
            for i in range(50)
        ]

        def call(i: int) -> None:
            get_customer(db.uow(), seller, ids[i % 50])

        figures = measure(call, warm=warm, n=n, counting=counting)
        db.dispose()
        return figures
    finally:
        testing.drop_database(url)


def main(argv: list[str]) -> None:
    which = argv or ["orders", "customers"]
    n = int(os.environ.get("ORDERS_CPU_N", "500"))
    warm = int(os.environ.get("ORDERS_CPU_WARM", "200"))
    counting = Counting()
    try:
        if "orders" in which:
            orders_figures(counting, warm=warm, n=n).print("orders SubmitOrder use case (5 lines, idempotency key)")
        if "customers" in which:
            customers_figures(counting, warm=warm, n=n).print("customers GetCustomer use case")
    finally:
        counting.close()


if __name__ == "__main__":
    main(sys.argv[1:])
