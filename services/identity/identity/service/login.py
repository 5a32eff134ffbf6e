"""Login by password and by SMS code (A2), and the SMS codes themselves (login and sign-up).

Both logins end in identity.service.tenant_choice: tokens, or the merchants to pick from.
`source` is the caller's address as crmkit's interceptor gives it (vouched for by the gateway),
reduced to one source per address by identity.domain.throttling.source_key.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.db import UnitOfWork
from crmkit.errors import DomainError, QuotaExceeded, Unauthenticated
from identity.domain import sms_codes
from identity.domain.validation import clean_text, phone_problem, raise_if_any
from identity.errors import ErrorCode
from identity.models import Staff
from identity.passwords import verify_password
from identity.service import commands
from identity.service.ports import LoginPorts
from identity.service.tenant_choice import LoginOutcome, log_in_one_of
from identity.sms_store import CODE_GONE, CODE_WRONG, DAILY_LIMIT, TOO_SOON

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsCodeSent:
    expires_in_seconds: int
    resend_after_seconds: int


def _invalid_credentials() -> Unauthenticated:
    return Unauthenticated(ErrorCode.INVALID_CREDENTIALS)


def _too_many_attempts(retry_after: int) -> QuotaExceeded:
    return QuotaExceeded(ErrorCode.TOO_MANY_ATTEMPTS, params={"retry_after": retry_after})


def _staff_with_phone(uow: UnitOfWork, phone: str, tenant_id: str) -> list[Staff]:
    query = select(Staff).where(Staff.phone == phone)
    if tenant_id:
        query = query.where(Staff.tenant_id == tenant_id)
    return list(uow.session.scalars(query.order_by(Staff.created_at)))


def login_with_password(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.LoginWithPassword, *, now: datetime, source: str
) -> LoginOutcome:
    phone, tenant_id = clean_text(cmd.phone), clean_text(cmd.tenant_id)
    raise_if_any({"phone": phone_problem(phone), "password": None if cmd.password else "validation.required"})
    # Per (phone, source): a stranger's guesses lock out only the stranger (issue 11).
    verdict = ports.attempts.attempt(phone, source)
    if not verdict.allowed:
        raise _too_many_attempts(verdict.retry_after)
    with uow:
        accounts = _staff_with_phone(uow, phone, tenant_id)
        if not accounts:
            verify_password(None, cmd.password)  # same cost as a wrong password: no phone probing
        # The password is checked before any merchant is named, so the list of merchants is only
        # ever shown to someone who knows the password of each account listed.
        matched = [a for a in accounts if verify_password(a.password_hash, cmd.password)]
        if not matched:
            raise _invalid_credentials()
        ports.attempts.succeeded(phone, source, counted=True)
        return log_in_one_of(uow, ports, matched, now=now)


def request_sms_code(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.RequestSmsCode, *, now: datetime, source: str
) -> SmsCodeSent:
    phone = clean_text(cmd.phone)
    purpose = clean_text(cmd.purpose) or sms_codes.LOGIN
    raise_if_any(
        {
            "phone": phone_problem(phone),
            "purpose": None if purpose in sms_codes.PURPOSES else "validation.invalid_choice",
        }
    )
    # Per source inside the service: a caller reaching the gRPC port directly cannot skip the
    # gateway's per-address limit. Per phone: the cooldown and daily limit below.
    wait = ports.counters.hit("sms", source, ports.limits.sms_codes_per_source)
    if wait:
        raise QuotaExceeded(ErrorCode.SMS_TOO_FREQUENT, params={"retry_after": wait})
    code = sms_codes.generate_code()
    # Limits and the stored code apply to every well-formed phone, known or not, so neither the
    # answer nor a later wrong-code reply tells whether the phone belongs to anyone.
    issued = ports.codes.issue(phone, purpose, sms_codes.hash_code(phone, code), now=now)
    if issued.status == TOO_SOON:
        raise QuotaExceeded(ErrorCode.SMS_TOO_FREQUENT, params={"retry_after": issued.retry_after})
    if issued.status == DAILY_LIMIT:
        raise QuotaExceeded(ErrorCode.SMS_DAILY_LIMIT, params={"retry_after": issued.retry_after})
    if purpose == sms_codes.SIGNUP or _is_active_staff(uow, phone):
        # Sign-up codes go to any phone (a new merchant is nobody's staff yet); login codes only
        # to staff. The answer is the same either way.
        try:
            ports.sender.send_login_code(phone, code, f"{purpose}_code:{phone}:{uuid.uuid4().hex}")
        except DomainError:
            # Failing the call only for known phones would tell callers which phones exist; the
            # user asks again after the cooldown, and the error rate shows in logs and metrics.
            log.exception("sending an SMS code failed")
    return SmsCodeSent(sms_codes.CODE_TTL_SECONDS, sms_codes.RESEND_AFTER_SECONDS)


def _is_active_staff(uow: UnitOfWork, phone: str) -> bool:
    with uow:
        return (
            uow.session.scalar(select(Staff.id).where(Staff.phone == phone, Staff.active.is_(True)).limit(1))
            is not None
        )


def login_with_sms_code(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.LoginWithSmsCode, *, now: datetime, source: str
) -> LoginOutcome:
    phone, code, tenant_id = clean_text(cmd.phone), clean_text(cmd.code), clean_text(cmd.tenant_id)
    raise_if_any({"phone": phone_problem(phone), "code": sms_codes.code_problem(code)})
    # Never slowed by wrong passwords: the way in for an owner whose phone is under attack.
    outcome = ports.codes.check(phone, sms_codes.LOGIN, code)
    if outcome == CODE_GONE:
        raise Unauthenticated(ErrorCode.CODE_EXPIRED)
    if outcome == CODE_WRONG:
        raise Unauthenticated(ErrorCode.INVALID_CODE)
    with uow:
        accounts = _staff_with_phone(uow, phone, tenant_id)
        if not accounts:
            raise _invalid_credentials()
        ports.attempts.succeeded(phone, source, counted=False)
        return log_in_one_of(uow, ports, accounts, now=now)
