"""Issue 16 (P1): placing orders in steady state opens no database connection, and an order costs
a fixed, small number of statements whatever the customer's history."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
from orders_testkit import call, line, product, staff
from sqlalchemy import event
from sqlalchemy.pool import Pool

from crm.orders.v1 import orders_pb2 as pb

# More callers than the old pool kept (10): every one of them is served at once.
CALLERS = 16


def _place(client, seller, customer, lines, n):
    def one(_):
        request = pb.SubmitOrderRequest(customer_id=customer, lines=lines, idempotency_key=uuid.uuid4().hex)
        call(client, seller, "SubmitOrder", request)

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        list(pool.map(one, range(n)))


class Counted:
    """Connections opened by any pool of the process (the service's, a counter pool...) and
    statements run on the service's engine."""

    def __init__(self, engine):
        self.connects = 0
        self.statements = 0
        self._lock = threading.Lock()
        self.engine = engine
        event.listen(Pool, "connect", self._connect)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _connect(self, *_):
        with self._lock:
            self.connects += 1

    def _statement(self, *_):
        with self._lock:
            self.statements += 1

    def close(self):
        event.remove(Pool, "connect", self._connect)
        event.remove(self.engine, "before_cursor_execute", self._statement)


def _sessions_since(url, since):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_start > %s AND pid <> pg_backend_pid()",
            (since,),
        ).fetchone()[0]


def test_p1_orders_placed_in_steady_state_open_no_database_connection(client, db, customers, tenant, database_url):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id)
    lines = [line(product(client, owner, f"Item {i}", wholesale=100 + i).id, 1 + i) for i in range(5)]
    counted = Counted(db.engine)
    try:
        _place(client, seller, customer, lines, 4 * CALLERS)  # warm-up: the pool opens what it needs
        warmed = counted.connects
        with psycopg.connect(database_url) as conn:
            since = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        _place(client, seller, customer, lines, 10 * CALLERS)
        assert counted.connects == warmed
        assert _sessions_since(database_url, since) == 0
    finally:
        counted.close()


def test_p1_an_order_costs_the_same_few_statements_whatever_the_history(client, db, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id)
    lines = [line(product(client, owner, f"Item {i}", wholesale=100 + i).id, 1 + i) for i in range(5)]
    _place(client, seller, customer, lines, 20)
    counted = Counted(db.engine)
    try:
        _place(client, seller, customer, lines, 10)
    finally:
        counted.close()
    # Products with both prices, credit mode and position, the number, then the order, its lines
    # (one executemany), its change-log row and its event: BEGIN and COMMIT aside.
    assert counted.statements == 7 * 10
