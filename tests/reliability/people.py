"""The people of the reliability runs, made through the API: tenants, their staff, tokens.

Sign-up is one function, `sign_up`, so a change to how a merchant signs up (an SMS code proving
the owner's phone) is made in one place.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

import requests

PASSWORD = "secret123"
ROLES = ("owner", "store_manager", "salesperson", "finance", "warehouse")


def phone() -> str:
    return "13" + str(uuid.uuid4().int)[:9]


class Api:
    """requests with the gateway's address, a bearer token and an Idempotency-Key on POSTs."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.token = token
        self.http = requests.Session()

    def as_(self, token: str | None) -> Api:
        return Api(self.base_url, token)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST":
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        return self.http.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)


def ok(response: requests.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else {}


def client_address() -> str:
    """An address of its own for each sign-up (X-Forwarded-For, believed where the gateway trusts
    this machine as its proxy): sign-ups are limited per address, as different merchants' are."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def signup_code(anon: Api, sms_server, number: str, headers: dict) -> str:
    """A sign-up code for `number`, read from the platform's fake SMS provider."""
    before = len(sms_server.messages(phone=number))
    sent = anon.post("/api/v1/auth/sms-codes", json={"phone": number, "purpose": "signup"}, headers=headers)
    assert sent.status_code == 202, sent.text
    for _ in range(100):
        texts = sms_server.messages(phone=number)[before:]
        if texts:
            return texts[-1]["params"]["code"]
        time.sleep(0.1)
    raise AssertionError(f"no sign-up code reached {number}")


def sign_up(anon: Api, sms_server, tenant_name: str) -> dict:
    """A new merchant: tenant, head store and owner (`owner_phone` added to the answer). The code
    proving the owner's phone (issue 11) is read from the fake SMS provider and sent with it."""
    owner_phone = phone()
    source = {"X-Forwarded-For": client_address()}
    body = {
        "tenant_name": tenant_name,
        "owner_name": "老板",
        "owner_phone": owner_phone,
        "owner_password": PASSWORD,
        "head_store_name": "总店",
        "sms_code": signup_code(anon, sms_server, owner_phone, source),
    }
    made = anon.post("/api/v1/tenants", json=body, headers=source)
    return {**ok(made, 201), "owner_phone": owner_phone}


def login(anon: Api, phone_number: str) -> str:
    body = {"phone": phone_number, "password": PASSWORD}
    return ok(anon.post("/api/v1/auth/login/password", json=body))["access_token"]


@dataclass
class Tenant:
    """A signed-up tenant with one person of each role, logged in."""

    name: str
    store_id: str
    apis: dict[str, Api] = field(default_factory=dict)  # role -> Api with that person's token
    phones: dict[str, str] = field(default_factory=dict)
    staff_ids: dict[str, str] = field(default_factory=dict)
    # What the tenant's shop customers log in with (B6): the gateway and the fake SMS provider.
    anon: Api | None = None
    sms_server: object = None

    @property
    def owner(self) -> Api:
        return self.apis["owner"]

    def shop_customer(self, number: str) -> Api:
        """The tenant's shop customer with this phone, logged in by SMS code (B6)."""
        tenant_id = ok(self.owner.get("/api/v1/me"))["tenant_id"]
        source = {"X-Forwarded-For": client_address()}
        before = len(self.sms_server.messages(phone=number))
        body = {"tenant_id": tenant_id, "phone": number}
        sent = self.anon.post("/api/v1/shop/login/code", json=body, headers=source)
        assert sent.status_code == 202, sent.text
        for _ in range(100):
            texts = self.sms_server.messages(phone=number)[before:]
            if texts:
                logged = self.anon.post("/api/v1/shop/login", json={**body, "code": texts[-1]["params"]["code"]})
                return self.anon.as_(ok(logged)["access_token"])
            time.sleep(0.1)
        raise AssertionError(f"no login code reached {number}")


def tenant_with_every_role(anon: Api, sms_server, name: str) -> Tenant:
    signed = sign_up(anon, sms_server, name)
    tenant = Tenant(name, signed["head_store"]["id"], anon=anon, sms_server=sms_server)
    tenant.phones["owner"] = signed["owner_phone"]
    tenant.staff_ids["owner"] = signed["owner"]["id"]
    tenant.apis["owner"] = anon.as_(login(anon, signed["owner_phone"]))
    for role in ROLES[1:]:
        body = {"name": role, "phone": phone(), "roles": [role], "store_ids": [tenant.store_id], "password": PASSWORD}
        made = ok(tenant.owner.post("/api/v1/staff", json=body), 201)
        tenant.phones[role], tenant.staff_ids[role] = body["phone"], made["id"]
        tenant.apis[role] = anon.as_(login(anon, body["phone"]))
    return tenant
