"""Helpers of identity's service tests: signing up tenants, adding staff, making actors and tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crm.identity.v1 import identity_pb2 as ipb
from crmkit.auth import SERVICE, STAFF, Actor, TokenIssuer, generate_keypair
from crmkit.db import Database
from identity.service import commands, login, staff, tenants
from identity.service.ports import LoginPorts
from identity.sms import RecordingCodeSender

PRIVATE, PUBLIC = generate_keypair()
PASSWORD = "secret123"
# The address the tests' callers come from (per-source limits, issue 11).
SOURCE = "198.51.100.7"


@dataclass
class App:
    db: Database
    ports: LoginPorts
    sender: RecordingCodeSender
    redis: object
    prefix: str
    takings: object = None
    shoppers: TenantShoppers = field(default_factory=lambda: TenantShoppers())


def now() -> datetime:
    return datetime.now(UTC)


def sent_code(app: App, phone: str, purpose: str = "login", *, source: str = SOURCE) -> str:
    """Asks for a code as a client would and reads it from the recording sender. The cooldown
    is lifted first, as if a minute had passed since any earlier code."""
    app.redis.delete(f"{app.prefix}identity:sms:cooldown:{purpose}:{phone}")
    cmd = commands.RequestSmsCode(phone=phone, purpose=purpose)
    login.request_sms_code(app.db.uow(), app.ports, cmd, now=now(), source=source)
    return app.sender.last_code(phone)


def signup(
    app: App,
    *,
    phone: str = "13800000001",
    at: datetime | None = None,
    name: str = "Tea House",
    source: str = SOURCE,
):
    """Signs a merchant up the way the API does: a sign-up code to the owner's phone first."""
    code = sent_code(app, phone, "signup", source=source)
    cmd = commands.CreateTenant(
        tenant_name=name, owner_name="Boss", owner_phone=phone, owner_password=PASSWORD, sms_code=code
    )
    return tenants.create_tenant(app.db.uow(), app.ports, cmd, now=at or now(), source=source)


def grpc_signup(grpc_app, *, phone: str = "13800000001", name: str = "Tea House", owner_name: str = "Boss"):
    """Sign-up over gRPC: a sign-up code requested, read from the recording sender, sent back."""
    app, client = grpc_app
    app.redis.delete(f"{app.prefix}identity:sms:cooldown:signup:{phone}")
    client.call("RequestSmsCode", ipb.RequestSmsCodeRequest(phone=phone, purpose="signup"))
    request = ipb.CreateTenantRequest(
        tenant_name=name,
        owner_name=owner_name,
        owner_phone=phone,
        owner_password=PASSWORD,
        sms_code=app.sender.last_code(phone),
    )
    return client.call("CreateTenant", request)


def grpc_login(client, *, phone: str = "13800000001", password: str = PASSWORD):
    """Password login over gRPC of a phone with one account: its token pair."""
    reply = client.call("LoginWithPassword", ipb.LoginWithPasswordRequest(phone=phone, password=password))
    assert reply.WhichOneof("outcome") == "tokens", reply
    return reply.tokens


def staff_actor(member) -> Actor:
    return Actor(
        kind=STAFF,
        subject_id=member.id,
        tenant_id=member.tenant_id,
        roles=frozenset(member.roles),
        store_ids=tuple(member.store_ids),
    )


def service_actor(tenant_id: str, name: str = "billing") -> Actor:
    return Actor(kind=SERVICE, subject_id=name, tenant_id=tenant_id)


def add_staff(app: App, creator, *, phone: str, roles=("salesperson",), at: datetime | None = None, **kw):
    cmd = commands.CreateStaff(name=kw.pop("name", "Xiao Li"), phone=phone, password=PASSWORD, roles=tuple(roles), **kw)
    return staff.create_staff(app.db.uow(), staff_actor(creator), cmd, now=at or now())


def token_for(member) -> str:
    """A staff access token, as the gateway would forward it."""
    actor = staff_actor(member)
    return TokenIssuer(PRIVATE).issue(
        kind=STAFF,
        subject_id=actor.subject_id,
        tenant_id=actor.tenant_id,
        roles=actor.roles,
        store_ids=actor.store_ids,
        ttl=timedelta(minutes=5),
    )[0]


def service_token(name: str = "billing") -> str:
    return TokenIssuer(PRIVATE).service_token(name)


class StaticTakings:
    """A stand-in for the orders service's takings (A4): answers the days it was given and
    records what it was asked. The integration journey reads the real orders service."""

    def __init__(self, days=()):
        self.days = list(days)
        self.asked: list[tuple[str, str, str]] = []

    def daily_takings(self, tenant_id: str, date_from: str, date_to: str):
        self.asked.append((tenant_id, date_from, date_to))
        return list(self.days)


class TenantShoppers:
    """A stand-in for the customers service's EnsureShopper (B6): one customer id per (tenant,
    phone), as its unique constraint keeps it, and a record of what identity asked. The
    customers service's own tests prove it on PostgreSQL; the storefront journey end to end."""

    def __init__(self):
        self.ids: dict[tuple[str, str], str] = {}
        self.asked: list[tuple[str, str]] = []

    def ensure_shopper(self, tenant_id: str, phone: str) -> str:
        self.asked.append((tenant_id, phone))
        return self.ids.setdefault((tenant_id, phone), f"c-{uuid.uuid4().hex[:12]}")
