"""The monthly sales ranking (B9): a Redis sorted set per tenant and China month, member staff
id, score net sales fen, fed by the worker from order_approved / return_approved and rebuilt
from the database (sales_facts) when missing (ADR 0003, decision 5).

Exactly-once without a distributed transaction: beside the sorted set lives a set of the
documents it already counts (`order:<id>`, `return:<id>`). A rebuild writes both from one
database snapshot, so an event whose approval the snapshot already saw is skipped when it
arrives (the "rebuild already includes the event being handled" ordering, whichever process
rebuilt), and an increment adds to both in one MULTI guarded by WATCH. A short SET NX EX lock
keeps two rebuilds from racing; the loser waits for the winner's result instead of writing an
older snapshot over increments made since.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import redis as redis_lib
from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import Unavailable
from crmkit.redis_client import Keys
from orders.domain.performance import parse_month, ranking_limit, require_staff
from orders.errors import ErrorCode
from orders.models_performance import SalesFactRow

LOCK_SECONDS = 30
WAIT_SECONDS = 10.0
# Past months are rebuilt on demand; this keeps Redis from holding every month forever.
TTL_SECONDS = 100 * 24 * 3600
PLACEHOLDER = "-"  # never a document name (those are kind:id)


@dataclass(frozen=True)
class RankingEntryView:
    rank: int
    staff_id: str
    net_sales_fen: int


@dataclass(frozen=True)
class RankingView:
    month: str
    entries: list[RankingEntryView]
    my_rank: int


class Ranking:
    def __init__(self, db: Database, redis: redis_lib.Redis, keys: Keys):
        self.db, self.redis, self.keys = db, redis, keys

    def _names(self, tenant_id: str, month: str) -> tuple[str, str, str]:
        return (
            self.keys("ranking", tenant_id, month),
            self.keys("ranking-docs", tenant_id, month),
            self.keys("ranking-lock", tenant_id, month),
        )

    def _present(self, board: str, docs: str) -> bool:
        # The document set always holds a placeholder, so it exists even for a month without
        # sales (no rebuild on every read). The board exists once anybody sold; a board evicted
        # on its own must not let its twin go on counting, so that case rebuilds both.
        if not self.redis.exists(docs):
            return False
        return bool(self.redis.exists(board)) or self.redis.scard(docs) == 1

    def ensure(self, tenant_id: str, month: str) -> None:
        """Make sure the month's set exists, rebuilding it from the database if not."""
        board, docs, lock = self._names(tenant_id, month)
        deadline = time.monotonic() + WAIT_SECONDS
        while not self._present(board, docs):
            token = secrets.token_hex(8)
            if self.redis.set(lock, token, nx=True, ex=LOCK_SECONDS):
                try:
                    if not self._present(board, docs):
                        self._rebuild(tenant_id, month, board, docs)
                finally:
                    # Release only our own lock (it may have expired and been taken by another).
                    if self.redis.get(lock) == token:
                        self.redis.delete(lock)
                return
            if time.monotonic() > deadline:
                # Raising requeues the event (worker) or asks the client to retry: better than a
                # second rebuild racing the first.
                raise Unavailable(ErrorCode.RANKING_REBUILDING)
            time.sleep(0.05)

    def _rebuild(self, tenant_id: str, month: str, board: str, docs: str) -> None:
        # A reader: the handler that may be rebuilding holds this database's write transaction
        # (its processed-event claim); on SQLite a second writer would wait for it forever.
        with self.db.reader() as uow:
            f = SalesFactRow
            facts = uow.session.execute(
                select(f.kind, f.document_id, f.salesperson_id, f.amount_fen).where(
                    f.tenant_id == tenant_id, f.month == month
                )
            ).all()
        scores: dict[str, int] = {}
        for _kind, _doc, staff_id, amount in facts:
            scores[staff_id] = scores.get(staff_id, 0) + amount
        members = [f"{kind}:{doc}" for kind, doc, _staff, _amount in facts]
        suffix = secrets.token_hex(6)
        tmp_board, tmp_docs = f"{board}:tmp:{suffix}", f"{docs}:tmp:{suffix}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(tmp_docs, PLACEHOLDER, *members)
        # RENAME swaps the complete sets in at once: no reader ever sees a half-built ranking.
        if scores:
            pipe.zadd(tmp_board, scores)
            pipe.rename(tmp_board, board)
        else:
            pipe.delete(board)
        pipe.rename(tmp_docs, docs)
        pipe.expire(board, TTL_SECONDS)
        pipe.expire(docs, TTL_SECONDS)
        pipe.execute()

    def add(self, tenant_id: str, month: str, document: str, staff_id: str, amount_fen: int) -> bool:
        """Count one approved document once; False when the set already counts it."""
        self.ensure(tenant_id, month)
        board, docs, _lock = self._names(tenant_id, month)
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(board, docs)
                    if not pipe.exists(docs):
                        # Expired or flushed since ensure(): rebuild, never start from empty.
                        pipe.unwatch()
                        self.ensure(tenant_id, month)
                        continue
                    if pipe.sismember(docs, document):
                        return False
                    pipe.multi()
                    pipe.sadd(docs, document)
                    pipe.zincrby(board, amount_fen, staff_id)
                    pipe.execute()
                    return True
                except redis_lib.WatchError:
                    continue  # another increment (or a rebuild) touched the set: look again

    def read(self, actor: Actor, month: str, limit: int, *, now) -> RankingView:
        me = require_staff(actor)
        month = parse_month(month, now)
        limit = ranking_limit(limit)
        self.ensure(actor.tenant_id, month)
        board, _docs, _lock = self._names(actor.tenant_id, month)
        rows = self.redis.zrevrange(board, 0, limit - 1, withscores=True)
        entries = [RankingEntryView(i + 1, member, int(score)) for i, (member, score) in enumerate(rows)]
        mine = self.redis.zrevrank(board, me)
        return RankingView(month, entries, 0 if mine is None else mine + 1)
