"""SendSms (F1): validate, claim the idempotency key, call the provider, record the outcome.

Unlike most use cases this one is not a single transaction, on purpose: the provider call can
take seconds, and no database transaction (or row lock) may wait on the network. The key is
claimed in a short transaction first (a `pending` row, unique on the key, so two concurrent
requests cannot both send), the provider is called with no transaction open, and the outcome is
written in a second short transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import Database, utcnow
from crmkit.errors import Conflict, PermissionDenied, Unavailable

from ..domain.sms import validate_send
from ..errors import ErrorCode
from ..models import SMS_FAILED, SMS_PENDING, SMS_SENT, SmsMessage
from ..sms.port import SmsMessage as OutgoingSms
from ..sms.port import SmsRejected, SmsSender, SmsUnavailable

log = logging.getLogger(__name__)

# A pending row older than this belongs to an attempt that died mid-call (the adapter gives up
# after 8 s), so a retry may take the key over instead of waiting forever.
STALE_PENDING = timedelta(seconds=30)


@dataclass(frozen=True)
class SendSms:
    phone: str
    template: str
    params: Mapping[str, str]
    idempotency_key: str


@dataclass(frozen=True)
class SmsResult:
    provider: str
    provider_message_id: str
    # True when this answer is the stored outcome of an earlier call with the same key.
    replayed: bool


def _rejected(provider_code: str) -> Conflict:
    return Conflict(ErrorCode.SMS_REJECTED, params={"provider_code": provider_code})


def send_sms(
    db: Database, actor: Actor, cmd: SendSms, *, sender: SmsSender, now: Callable[[], datetime] = utcnow
) -> SmsResult:
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.SERVICE_ONLY)
    params = dict(cmd.params)
    validate_send(cmd.phone, cmd.template, params, cmd.idempotency_key)
    params_json = json.dumps(params, ensure_ascii=False, sort_keys=True)

    earlier = _claim_key(db, actor.tenant_id, cmd, params_json, now())
    if earlier is not None:
        if earlier.status == SMS_FAILED:
            raise _rejected(earlier.error_code)
        return SmsResult(earlier.provider, earlier.provider_message_id, replayed=True)

    outgoing = OutgoingSms(cmd.phone, cmd.template, params, cmd.idempotency_key)
    try:
        receipt = sender.send(outgoing)
    except SmsRejected as exc:
        log.warning("SMS rejected by provider: %s", exc.code)
        _finish(db, cmd.idempotency_key, status=SMS_FAILED, error_code=exc.code)
        raise _rejected(exc.code) from None
    except SmsUnavailable as exc:
        # Free the key so the caller's retry sends again. After a read timeout the provider may
        # in fact have sent it: a rare second text beats a login code that never arrives.
        log.warning("SMS provider unavailable: %s", exc)
        _release(db, cmd.idempotency_key)
        raise Unavailable(ErrorCode.SMS_PROVIDER_UNAVAILABLE) from None
    except BaseException:
        _release(db, cmd.idempotency_key)
        raise
    _finish(
        db,
        cmd.idempotency_key,
        status=SMS_SENT,
        provider=receipt.provider,
        provider_message_id=receipt.provider_message_id,
    )
    return SmsResult(receipt.provider, receipt.provider_message_id, replayed=False)


@dataclass(frozen=True)
class _Outcome:
    status: str
    provider: str
    provider_message_id: str
    error_code: str


def _claim_key(db: Database, tenant_id: str, cmd: SendSms, params_json: str, now: datetime) -> _Outcome | None:
    """None when this call now holds the key and must send; the outcome of an earlier call
    with the same key otherwise."""
    with db.uow() as uow:
        row = uow.session.scalar(
            select(SmsMessage).where(SmsMessage.idempotency_key == cmd.idempotency_key).with_for_update()
        )
        if row is None:
            uow.session.add(
                SmsMessage(
                    tenant_id=tenant_id,
                    phone=cmd.phone,
                    template=cmd.template,
                    params=params_json,
                    idempotency_key=cmd.idempotency_key,
                    status=SMS_PENDING,
                    attempted_at=now,
                )
            )
            try:
                uow.commit()
            except IntegrityError:
                # a concurrent request inserted the same key between our read and our insert
                raise Conflict(ErrorCode.SMS_SEND_IN_PROGRESS) from None
            return None
        if (row.tenant_id, row.phone, row.template, row.params) != (tenant_id, cmd.phone, cmd.template, params_json):
            # Replaying the first answer for a different message would report a text as sent
            # that never was; another tenant's key must not reveal anything either.
            raise Conflict(ErrorCode.IDEMPOTENCY_KEY_REUSED)
        if row.status != SMS_PENDING:
            return _Outcome(row.status, row.provider, row.provider_message_id, row.error_code)
        if now - row.attempted_at < STALE_PENDING:
            raise Conflict(ErrorCode.SMS_SEND_IN_PROGRESS)
        row.attempted_at = now
        uow.commit()
        return None


def _finish(db: Database, key: str, *, status: str, **values: str) -> None:
    with db.uow() as uow:
        row = uow.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key).with_for_update())
        row.status = status
        for name, value in values.items():
            setattr(row, name, value)
        uow.commit()


def _release(db: Database, key: str) -> None:
    with db.uow() as uow:
        uow.session.execute(
            delete(SmsMessage).where(SmsMessage.idempotency_key == key, SmsMessage.status == SMS_PENDING)
        )
        uow.commit()
