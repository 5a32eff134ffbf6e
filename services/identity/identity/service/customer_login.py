"""A shop's customer logs in to one merchant's storefront by SMS code (B6).

The codes, their limits and the sender are the staff login's (identity.service.login), under a
purpose of their own per merchant (sms_codes.customer_purpose): a staff code never opens a
customer session, nor the reverse. The customer record is the customers service's: the port
finds the merchant's customer with the proved phone or registers one in its public pool.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import CUSTOMER, Actor
from crmkit.db import UnitOfWork
from crmkit.errors import DomainError, NotFound, PermissionDenied, QuotaExceeded, Unauthenticated
from identity.domain import sms_codes
from identity.domain.validation import clean_text, phone_problem, raise_if_any
from identity.errors import ErrorCode
from identity.models import Tenant
from identity.service import commands
from identity.service.login import SmsCodeSent, log
from identity.service.ports import LoginPorts
from identity.sms_store import CODE_GONE, CODE_WRONG, DAILY_LIMIT, TOO_SOON


@dataclass(frozen=True)
class CustomerSession:
    access_token: str
    expires_in: int
    customer_id: str


def _tenant_problem(tenant_id: str) -> str | None:
    return None if tenant_id else "validation.required"


def _require_tenant(uow: UnitOfWork, tenant_id: str) -> None:
    """The merchant's id comes from its shop link: unknown is NOT_FOUND (ids are not secrets)."""
    with uow:
        if uow.session.scalar(select(Tenant.id).where(Tenant.id == tenant_id)) is None:
            raise NotFound(ErrorCode.TENANT_NOT_FOUND)


def request_customer_code(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.RequestCustomerCode, *, now: datetime, source: str
) -> SmsCodeSent:
    phone, tenant_id = clean_text(cmd.phone), clean_text(cmd.tenant_id)
    raise_if_any({"tenant_id": _tenant_problem(tenant_id), "phone": phone_problem(phone)})
    _require_tenant(uow, tenant_id)
    # The staff codes' per-source budget: one address cannot send more SMS by mixing the two.
    wait = ports.counters.hit("sms", source, ports.limits.sms_codes_per_source)
    if wait:
        raise QuotaExceeded(ErrorCode.SMS_TOO_FREQUENT, params={"retry_after": wait})
    code = sms_codes.generate_code()
    purpose = sms_codes.customer_purpose(tenant_id)
    issued = ports.codes.issue(phone, purpose, sms_codes.hash_code(phone, code), now=now)
    if issued.status == TOO_SOON:
        raise QuotaExceeded(ErrorCode.SMS_TOO_FREQUENT, params={"retry_after": issued.retry_after})
    if issued.status == DAILY_LIMIT:
        raise QuotaExceeded(ErrorCode.SMS_DAILY_LIMIT, params={"retry_after": issued.retry_after})
    # Anyone may shop: every well-formed phone gets its code.
    try:
        ports.sender.send_login_code(phone, code, f"customer_code:{tenant_id}:{phone}:{uuid.uuid4().hex}")
    except DomainError:
        # As for staff codes: the customer asks again after the cooldown; logs and metrics show it.
        log.exception("sending a customer login code failed")
    return SmsCodeSent(sms_codes.CODE_TTL_SECONDS, sms_codes.RESEND_AFTER_SECONDS)


def login_customer(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.LoginCustomer, *, now: datetime
) -> CustomerSession:
    """The code is used up before the customers service is asked: a failure there (503) means a
    new code, never a code that can be tried again and again."""
    phone, code, tenant_id = clean_text(cmd.phone), clean_text(cmd.code), clean_text(cmd.tenant_id)
    raise_if_any(
        {"tenant_id": _tenant_problem(tenant_id), "phone": phone_problem(phone), "code": sms_codes.code_problem(code)}
    )
    _require_tenant(uow, tenant_id)
    outcome = ports.codes.check(phone, sms_codes.customer_purpose(tenant_id), code)
    if outcome == CODE_GONE:
        raise Unauthenticated(ErrorCode.CODE_EXPIRED)
    if outcome == CODE_WRONG:
        raise Unauthenticated(ErrorCode.INVALID_CODE)
    customer_id = ports.shoppers.ensure_shopper(tenant_id, phone)
    ttl = ports.customer_token_ttl
    # A session of its own, so that logging out (or a stolen phone) can end it (logout_customer).
    session_id = str(uuid.uuid4())
    token, _ = ports.issuer.issue(
        kind=CUSTOMER, subject_id=customer_id, tenant_id=tenant_id, ttl=ttl, now=now, session_id=session_id
    )
    return CustomerSession(token, int(ttl.total_seconds()), customer_id)


def logout_customer(ports: LoginPorts, actor: Actor | None) -> None:
    """Ends the calling customer's login session: its access tokens are refused from now on,
    wherever a token is verified (crmkit.revocation). Idempotent. A token issued before customer
    sessions were kept carries none to end; it expires with its lifetime."""
    if actor is None or actor.kind != CUSTOMER:
        raise PermissionDenied(ErrorCode.NOT_ALLOWED)
    if actor.session_id:
        ports.revoked.revoke([actor.session_id], token_ttl=ports.customer_token_ttl)
