"""Texts queued by event handlers, sent in batches (E2 E5, P2; ADR 0021).

A coupon holder's text used to cost four transactions and one provider request per coupon in the
handler. Now the handler writes the text as a `queued` sms_messages row (unique on its idempotency
key, in the same transaction as the event's processed mark) and the batch sender beside the
messaging server sends what is queued: it takes up to MAX_BATCH rows of one template in one short
transaction (`sending`, skipping rows another sender holds), sends them in one provider request
with no transaction open, and records every outcome in a second transaction.

Per message, exactly as SendSms: the row's key is the idempotency key, so a text is queued once
however often its event arrives; a refusal is recorded and never retried; an unavailable provider
puts the batch back in the queue. A sender that dies mid-request leaves its rows `sending`; after
STALE_PENDING another sender takes them again (a rare second text beats one never sent, as for
SendSms).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from crmkit.db import Database, utcnow

from ..metrics import HOLDER_NOTIFICATIONS
from ..models import SMS_FAILED, SMS_QUEUED, SMS_SENDING, SMS_SENT, SmsMessage
from ..sms.port import MAX_BATCH, SmsRejected, SmsSender
from ..sms.port import SmsMessage as OutgoingSms
from .sms import STALE_PENDING

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queued:
    """A text for the batch sender (its row is written by the caller's transaction)."""

    tenant_id: str
    phone: str
    template: str
    params: dict[str, str]
    idempotency_key: str


def queue_sms(session, text: Queued, *, now: datetime) -> bool:
    """Add the text to the queue in the caller's transaction. False when its key is taken: the
    same text was queued (or sent) before, or the key names another text (logged)."""
    params = json.dumps(text.params, ensure_ascii=False, sort_keys=True)
    row = session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == text.idempotency_key))
    if row is not None:
        if (row.tenant_id, row.phone, row.template, row.params) != (text.tenant_id, text.phone, text.template, params):
            log.warning("SMS key %s already names another text; not queued", text.idempotency_key)
        return False
    session.add(
        SmsMessage(
            tenant_id=text.tenant_id,
            phone=text.phone,
            template=text.template,
            params=params,
            idempotency_key=text.idempotency_key,
            status=SMS_QUEUED,
            attempted_at=now,
        )
    )
    return True


@dataclass(frozen=True)
class BatchResult:
    sent: int = 0
    rejected: int = 0
    requeued: int = 0  # the provider was unavailable: back in the queue

    @property
    def taken(self) -> int:
        return self.sent + self.rejected + self.requeued


def send_queued(
    db: Database, sender: SmsSender, *, now: Callable[[], datetime] = utcnow, batch: int = MAX_BATCH
) -> BatchResult:
    """Send one batch of queued texts (one template, oldest first). Raises SmsUnavailable after
    putting the batch back, so the caller can wait before the next."""
    # SmsUnavailable comes from the sender; see the module's docstring for what happens then.
    taken = _take(db, min(batch, MAX_BATCH), now())
    if not taken:
        return BatchResult()
    msgs = [OutgoingSms(r.phone, r.template, json.loads(r.params), r.idempotency_key) for r in taken]
    try:
        outcomes = sender.send_batch(msgs)
    except BaseException:
        # SmsUnavailable (nothing decided) or our own failure: the texts wait for the next try.
        _requeue(db, [r.id for r in taken])
        raise
    sent = rejected = 0
    with db.uow() as uow:
        for row, outcome in zip(taken, outcomes, strict=True):
            values: dict
            if isinstance(outcome, SmsRejected):
                rejected += 1
                values = {"status": SMS_FAILED, "error_code": outcome.code}
                log.warning("text %s refused by the provider: %s", row.idempotency_key, outcome.code)
            else:
                sent += 1
                values = {
                    "status": SMS_SENT,
                    "provider": outcome.provider,
                    "provider_message_id": outcome.provider_message_id,
                }
            uow.session.execute(update(SmsMessage).where(SmsMessage.id == row.id).values(**values))
            HOLDER_NOTIFICATIONS.labels(row.template, "rejected" if isinstance(outcome, SmsRejected) else "sent").inc()
        uow.commit()
    return BatchResult(sent=sent, rejected=rejected)


@dataclass(frozen=True)
class _Taken:
    id: str
    phone: str
    template: str
    params: str
    idempotency_key: str


def _take(db: Database, limit: int, now: datetime) -> list[_Taken]:
    """Up to `limit` texts of the oldest waiting template, marked `sending`: queued ones, and
    ones a dead sender left `sending` for longer than STALE_PENDING."""
    waiting = (SmsMessage.status == SMS_QUEUED) | (
        (SmsMessage.status == SMS_SENDING) & (SmsMessage.attempted_at < now - STALE_PENDING)
    )
    # A read first: the sender polls, and an empty queue must not take SQLite's write lock.
    with db.reader() as reader:
        first = reader.session.scalar(
            select(SmsMessage.template).where(waiting).order_by(SmsMessage.attempted_at).limit(1)
        )
    if first is None:
        return []
    with db.uow() as uow:
        session = uow.session
        query = (
            select(SmsMessage)
            .where(waiting, SmsMessage.template == first)
            .order_by(SmsMessage.attempted_at)
            .limit(limit)
        )
        if db.dialect == "postgresql":
            # Several server replicas send: each takes rows no other one holds.
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        taken = [_Taken(r.id, r.phone, r.template, r.params, r.idempotency_key) for r in rows]
        if taken:
            session.execute(
                update(SmsMessage)
                .where(SmsMessage.id.in_([t.id for t in taken]))
                .values(status=SMS_SENDING, attempted_at=now)
            )
        uow.commit()
    return taken


def _requeue(db: Database, ids: list[str]) -> None:
    with db.uow() as uow:
        uow.session.execute(
            update(SmsMessage).where(SmsMessage.id.in_(ids), SmsMessage.status == SMS_SENDING).values(status=SMS_QUEUED)
        )
        uow.commit()
