"""Document numbers per tenant per China day: unique and increasing, handed out under
concurrency by one upsert on a counter row per (tenant, prefix, day).

On PostgreSQL the upsert runs in its own short transaction on its own connection, so the
counter's row lock lasts one statement: if it were taken inside the document's transaction,
every document of a tenant would queue on it until the previous one committed, and a tenant's
whole order intake would be as fast as one transaction at a time. The price is that a
submission failing after its number was drawn (a database error, a racing repeat of its
idempotency key) leaves a gap; numbers are drawn only after the document has been checked and
priced, so bad input never costs one. SQLite (the embedded default, one process) bumps the
counter inside the document's transaction: a second connection would wait on the first's lock."""

from __future__ import annotations

import threading
import weakref
from datetime import datetime

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from crmkit.db import new_id, upsert_insert
from orders.domain.numbering import china_day, document_number
from orders.models import CounterRow

# The counters' own small pool: a submission already holds a connection of the service's pool,
# and drawing the second one from that same pool could starve when every worker thread holds one.
_COUNTER_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _counter_engine(engine: Engine) -> Engine:
    with _LOCK:
        if engine not in _COUNTER_ENGINES:
            _COUNTER_ENGINES[engine] = create_engine(engine.url, pool_size=2, max_overflow=14, pool_pre_ping=True)
        return _COUNTER_ENGINES[engine]


def allocate_number(session: Session, tenant_id: str, prefix: str, now: datetime) -> str:
    day = china_day(now)
    table = CounterRow.__table__
    engine = session.get_bind()
    stmt = upsert_insert(engine, table).values(
        id=new_id(), tenant_id=tenant_id, prefix=prefix, day=day, last_seq=1, created_at=now
    )
    # The first document of the day inserts the counter; every later one (and a racing first)
    # lands on the unique constraint and bumps it.
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.prefix, table.c.day],
        set_={"last_seq": table.c.last_seq + 1},
    ).returning(table.c.last_seq)
    if engine.dialect.name == "sqlite":
        return document_number(prefix, day, session.execute(stmt).scalar_one())
    with _counter_engine(engine).connect() as conn:
        seq = conn.execute(stmt).scalar_one()
        conn.commit()
    return document_number(prefix, day, seq)
