"""The people of the reliability runs, made through the API: tenants, their staff, tokens.

Sign-up is one function, `sign_up`, so a change to how a merchant signs up (an SMS code proving
the owner's phone) is made in one place.
"""

from __future__ import annotations

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


def sign_up(anon: Api, tenant_name: str) -> dict:
    """A new merchant: tenant, head store and owner (`owner_phone` added to the answer)."""
    owner_phone = phone()
    body = {
        "tenant_name": tenant_name,
        "owner_name": "老板",
        "owner_phone": owner_phone,
        "owner_password": PASSWORD,
        "head_store_name": "总店",
    }
    return {**ok(anon.post("/api/v1/tenants", json=body), 201), "owner_phone": owner_phone}


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

    @property
    def owner(self) -> Api:
        return self.apis["owner"]


def tenant_with_every_role(anon: Api, name: str) -> Tenant:
    signed = sign_up(anon, name)
    tenant = Tenant(name, signed["head_store"]["id"])
    tenant.phones["owner"] = signed["owner_phone"]
    tenant.staff_ids["owner"] = signed["owner"]["id"]
    tenant.apis["owner"] = anon.as_(login(anon, signed["owner_phone"]))
    for role in ROLES[1:]:
        body = {"name": role, "phone": phone(), "roles": [role], "store_ids": [tenant.store_id], "password": PASSWORD}
        made = ok(tenant.owner.post("/api/v1/staff", json=body), 201)
        tenant.phones[role], tenant.staff_ids[role] = body["phone"], made["id"]
        tenant.apis[role] = anon.as_(login(anon, body["phone"]))
    return tenant
