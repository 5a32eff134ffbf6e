"""Document numbers per tenant per China day: unique and increasing, handed out under
concurrency by one upsert on a counter row per (tenant, prefix, day).

On PostgreSQL the upsert commits by itself, outside the document's transaction, so the counter's
row lock lasts one statement: if it were taken inside the document's transaction, every document
of a tenant would queue on it until the previous one committed, and a tenant's whole order intake
would be as fast as one transaction at a time. An order draws its number on its own connection
in autocommit before its write transaction begins (draw_number, orders.service.ordering); returns,
collections and storefront orders, which draw inside their transaction, use the counters' own
small pool (allocate_number). The price is that a submission failing after its number was drawn (a database
error, a racing repeat of its idempotency key) leaves a gap; numbers are drawn only after the
document has been checked and priced, so bad input never costs one. SQLite (the embedded default,
one process) bumps the counter inside the document's transaction: a second connection would wait
on the first's lock."""

from __future__ import annotations

import threading
import weakref
from datetime import datetime

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crmkit.db import new_id
from orders.domain.numbering import china_day, document_number
from orders.models import CounterRow

_TABLE = CounterRow.__table__


def _bump(insert):
    # The first document of the day inserts the counter; every later one (and a racing first)
    # lands on the unique constraint and bumps it.
    return (
        insert(_TABLE)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.tenant_id, _TABLE.c.prefix, _TABLE.c.day],
            set_={"last_seq": _TABLE.c.last_seq + 1},
        )
        .returning(_TABLE.c.last_seq)
    )


# Built once: this runs for every document.
_BUMP = {"postgresql": _bump(postgresql.insert), "sqlite": _bump(sqlite.insert)}

# Returns' and collections' counter connections: they draw while holding a connection of the
# service's pool, and drawing a second one from that same pool could starve when every worker
# thread holds one. Each is held for one autocommitted statement, so two are plenty and a wait
# for one is short.
COUNTER_POOL_SIZE = 2
_COUNTER_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _counter_engine(engine: Engine) -> Engine:
    with _LOCK:
        if engine not in _COUNTER_ENGINES:
            _COUNTER_ENGINES[engine] = create_engine(
                engine.url, pool_size=COUNTER_POOL_SIZE, max_overflow=0, isolation_level="AUTOCOMMIT"
            )
        return _COUNTER_ENGINES[engine]


def draw_number(conn: Connection, tenant_id: str, prefix: str, now: datetime) -> str:
    """The next number, drawn on `conn`: in autocommit on PostgreSQL (the caller's write
    transaction has not begun), inside the document's transaction on SQLite."""
    day = china_day(now)
    return document_number(prefix, day, _next_seq(conn, tenant_id, prefix, day, now))


def allocate_number(session: Session, tenant_id: str, prefix: str, now: datetime) -> str:
    """The next number for a document whose transaction `session` holds open."""
    day = china_day(now)
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        return document_number(prefix, day, _next_seq(session.connection(), tenant_id, prefix, day, now))
    with _counter_engine(engine).connect() as conn:
        return document_number(prefix, day, _next_seq(conn, tenant_id, prefix, day, now))


def _next_seq(conn: Connection, tenant_id: str, prefix: str, day: str, now: datetime) -> int:
    values = {"id": new_id(), "tenant_id": tenant_id, "prefix": prefix, "day": day, "last_seq": 1, "created_at": now}
    return conn.execute(_BUMP[conn.dialect.name], values).scalar_one()


def dispose_counter_engines() -> None:
    """Close the counters' pools (a test run dropping its databases)."""
    with _LOCK:
        for engine in list(_COUNTER_ENGINES.values()):
            engine.dispose()
