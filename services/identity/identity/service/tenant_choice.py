"""After a person proved their phone: their tokens, or the merchants they may pick from (issue 11).

One person may work for several tenants (an owner of two shops, a salesperson who also sells for
a friend's trade). Proving the phone once (password or SMS code) is enough: with several active
accounts the answer is a choice ticket and the list of merchants (name, the person's roles), and
`choose_tenant` turns the ticket and the picked merchant into tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from identity.models import Staff, Tenant
from identity.service import commands
from identity.service.ports import LoginPorts
from identity.service.sessions import LoginResult, ensure_may_log_in, issue_tokens


@dataclass(frozen=True)
class TenantOption:
    tenant_id: str
    tenant_name: str
    staff_name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class TenantChoice:
    ticket: str
    expires_at: datetime
    options: tuple[TenantOption, ...]


@dataclass(frozen=True)
class LoginOutcome:
    """Exactly one of the two is set."""

    tokens: LoginResult | None = None
    choice: TenantChoice | None = None


def log_in_one_of(uow: UnitOfWork, ports: LoginPorts, accounts: list[Staff], *, now: datetime) -> LoginOutcome:
    """`accounts`: those the proof covers, oldest first. Active ones win over switched-off ones;
    one left logs in, several are offered. Only switched-off ones: the first says why it cannot."""
    active = [a for a in accounts if a.active]
    if len(active) > 1:
        return LoginOutcome(choice=_choice(uow, ports, active, now=now))
    staff = (active or accounts)[0]
    ensure_may_log_in(staff, now)
    result = issue_tokens(uow, ports.issuer, staff, session_id=None, now=now)
    uow.commit()
    return LoginOutcome(tokens=result)


def _choice(uow: UnitOfWork, ports: LoginPorts, accounts: list[Staff], *, now: datetime) -> TenantChoice:
    names = dict(
        uow.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_([a.tenant_id for a in accounts])))
        .tuples()
        .all()
    )
    ticket, expires_at = ports.tickets.issue([a.id for a in accounts], now=now)
    options = tuple(
        TenantOption(a.tenant_id, names.get(a.tenant_id, ""), a.name, tuple(a.roles))
        for a in sorted(accounts, key=lambda a: (names.get(a.tenant_id, ""), a.tenant_id))
    )
    return TenantChoice(ticket, expires_at, options)


def choose_tenant(uow: UnitOfWork, ports: LoginPorts, cmd: commands.ChooseTenant, *, now: datetime) -> LoginResult:
    ticket = ports.tickets.read(cmd.ticket)
    tenant_id = (cmd.tenant_id or "").strip()
    if not tenant_id:
        raise InvalidInput(fields={"tenant_id": "validation.required"})
    with uow:
        staff = uow.session.scalar(select(Staff).where(Staff.id.in_(ticket.staff_ids), Staff.tenant_id == tenant_id))
        if staff is None:
            # Not one of the merchants offered: the ticket stays usable for a right pick.
            raise InvalidInput(fields={"tenant_id": "validation.invalid_choice"})
        # Checked again: the account may have been switched off since the ticket was issued.
        ensure_may_log_in(staff, now)
        ports.tickets.spend(ticket, now=now)
        result = issue_tokens(uow, ports.issuer, staff, session_id=None, now=now)
        uow.commit()
        return result
