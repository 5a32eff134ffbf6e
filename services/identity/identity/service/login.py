"""Login by password and by SMS code (A2). Both end in sessions.issue_tokens."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import TokenIssuer
from crmkit.db import UnitOfWork
from crmkit.errors import DomainError, InvalidInput, QuotaExceeded, Unauthenticated
from identity.domain import sms_codes
from identity.domain.validation import clean_text, phone_problem, raise_if_any
from identity.errors import Codes, Keys
from identity.models import Staff
from identity.passwords import verify_password
from identity.service import commands
from identity.service.sessions import LoginResult, ensure_may_log_in, issue_tokens
from identity.sms import CodeSender
from identity.sms_store import CODE_GONE, CODE_WRONG, DAILY_LIMIT, TOO_SOON, PasswordAttempts, SmsCodeStore

log = logging.getLogger(__name__)

TENANT_REQUIRED = "validation.tenant_required"


@dataclass(frozen=True)
class LoginPorts:
    issuer: TokenIssuer
    attempts: PasswordAttempts
    codes: SmsCodeStore
    sender: CodeSender


@dataclass(frozen=True)
class SmsCodeSent:
    expires_in_seconds: int
    resend_after_seconds: int


def _invalid_credentials() -> Unauthenticated:
    return Unauthenticated(Codes.INVALID_CREDENTIALS, Keys.INVALID_CREDENTIALS)


def _tenant_required() -> InvalidInput:
    return InvalidInput(fields={"tenant_id": TENANT_REQUIRED})


def _staff_with_phone(uow: UnitOfWork, phone: str, tenant_id: str) -> list[Staff]:
    query = select(Staff).where(Staff.phone == phone)
    if tenant_id:
        query = query.where(Staff.tenant_id == tenant_id)
    return list(uow.session.scalars(query.order_by(Staff.created_at)))


def _pick_one(accounts: list[Staff], tenant_id: str) -> Staff:
    """One person may work for several tenants. Active accounts win over switched-off ones;
    if several active ones remain, the client must say which tenant."""
    active = [a for a in accounts if a.active]
    pool = active or accounts
    if len(pool) > 1 and not tenant_id:
        raise _tenant_required()
    return pool[0]


def login_with_password(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.LoginWithPassword, *, now: datetime
) -> LoginResult:
    phone, tenant_id = clean_text(cmd.phone), clean_text(cmd.tenant_id)
    raise_if_any({"phone": phone_problem(phone), "password": None if cmd.password else "validation.required"})
    retry_after = ports.attempts.blocked(phone)
    if retry_after:
        raise QuotaExceeded(Codes.TOO_MANY_ATTEMPTS, Keys.TOO_MANY_ATTEMPTS, params={"retry_after": retry_after})
    with uow:
        accounts = _staff_with_phone(uow, phone, tenant_id)
        if not accounts:
            verify_password(None, cmd.password)  # same cost as a wrong password: no phone probing
        # The password is checked before asking for a tenant, so "which tenant?" is only ever
        # asked of someone who already proved they know the password.
        matched = [a for a in accounts if verify_password(a.password_hash, cmd.password)]
        if not matched:
            ports.attempts.record_failure(phone)
            raise _invalid_credentials()
        staff = _pick_one(matched, tenant_id)
        ports.attempts.reset(phone)
        ensure_may_log_in(staff, now)
        result = issue_tokens(uow, ports.issuer, staff, session_id=None, now=now)
        uow.commit()
        return result


def request_sms_code(uow: UnitOfWork, ports: LoginPorts, cmd: commands.RequestSmsCode, *, now: datetime) -> SmsCodeSent:
    phone = clean_text(cmd.phone)
    purpose = clean_text(cmd.purpose) or "login"
    raise_if_any(
        {
            "phone": phone_problem(phone),
            "purpose": None if purpose in sms_codes.PURPOSES else "validation.invalid_choice",
        }
    )
    code = sms_codes.generate_code()
    # Limits and the stored code apply to every well-formed phone, known or not, so neither the
    # answer nor a later wrong-code reply tells whether the phone belongs to anyone.
    issued = ports.codes.issue(phone, sms_codes.hash_code(phone, code), now=now)
    if issued.status == TOO_SOON:
        raise QuotaExceeded(Codes.SMS_TOO_FREQUENT, Keys.SMS_TOO_FREQUENT, params={"retry_after": issued.retry_after})
    if issued.status == DAILY_LIMIT:
        raise QuotaExceeded(Codes.SMS_DAILY_LIMIT, Keys.SMS_DAILY_LIMIT, params={"retry_after": issued.retry_after})
    with uow:
        known = uow.session.scalar(select(Staff.id).where(Staff.phone == phone, Staff.active.is_(True)).limit(1))
    if known:
        try:
            ports.sender.send_login_code(phone, code, f"login_code:{phone}:{uuid.uuid4().hex}")
        except DomainError:
            # Failing the call only for known phones would tell callers which phones exist; the
            # user asks again after the cooldown, and the error rate shows in logs and metrics.
            log.exception("sending a login code failed")
    return SmsCodeSent(sms_codes.CODE_TTL_SECONDS, sms_codes.RESEND_AFTER_SECONDS)


def login_with_sms_code(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.LoginWithSmsCode, *, now: datetime
) -> LoginResult:
    phone, code, tenant_id = clean_text(cmd.phone), clean_text(cmd.code), clean_text(cmd.tenant_id)
    raise_if_any(
        {
            "phone": phone_problem(phone),
            "code": "validation.required"
            if not code
            else (None if sms_codes.is_well_formed(code) else "validation.invalid"),
        }
    )
    with uow:
        accounts = _staff_with_phone(uow, phone, tenant_id)
        active = [a for a in accounts if a.active]
        ambiguous = len(active or accounts) > 1 and not tenant_id
        # When the tenant is still to be chosen the right code is not used up, so the user picks
        # a tenant and sends the same code again instead of waiting for a new one.
        outcome = ports.codes.check(phone, code, consume=not ambiguous)
        if outcome == CODE_GONE:
            raise Unauthenticated(Codes.CODE_EXPIRED, Keys.CODE_EXPIRED)
        if outcome == CODE_WRONG:
            raise Unauthenticated(Codes.INVALID_CODE, Keys.INVALID_CODE)
        if not accounts:
            raise _invalid_credentials()
        staff = _pick_one(accounts, tenant_id)
        ensure_may_log_in(staff, now)
        result = issue_tokens(uow, ports.issuer, staff, session_id=None, now=now)
        uow.commit()
        return result
