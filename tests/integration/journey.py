"""Steps shared by the journeys: sign up, log in, create staff, read notifications."""

from __future__ import annotations

import random
import uuid

from client import Api, eventually

PASSWORD = "secret123"
# The running platform (conftest's `platform` fixture sets it): sign-up reads the owner's code
# from its fake SMS provider, as the owner reads it on their phone.
_platform = None


def use_platform(platform) -> None:
    global _platform
    _platform = platform


def phone() -> str:
    return "13" + str(uuid.uuid4().int)[:9]


def client_address() -> str:
    """A documentation-range address of its own (sent as X-Forwarded-For, which the journeys'
    gateway believes from this machine): each sign-up counts against its own per-address limits,
    as different merchants' sign-ups would."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def sms_code(number: str, template: str = "login_code", *, after: int = 0, platform=None) -> str:
    """The newest code texted to `number` after its first `after` messages."""
    server = (platform or _platform).sms_server
    texts = eventually(
        lambda: [m for m in server.messages(phone=number)[after:] if m["template_code"] == template], timeout=10
    )
    assert texts, f"no code reached {number}"
    return texts[-1]["params"]["code"]


def signup_code(api: Api, number: str, *, headers: dict | None = None, platform=None) -> str:
    """Asks for a sign-up code for `number` and reads it from the fake SMS provider."""
    before = len((platform or _platform).sms_server.messages(phone=number))
    resp = api.post("/api/v1/auth/sms-codes", json={"phone": number, "purpose": "signup"}, headers=headers)
    assert resp.status_code == 202, resp.text
    return sms_code(number, after=before, platform=platform)


def sign_up(api: Api, name: str, *, owner_phone: str | None = None, platform=None) -> dict:
    """Signs a merchant up as the API asks (issue 11): a sign-up code to the owner's phone, read
    from the fake SMS provider, then the sign-up with it."""
    owner_phone = owner_phone or phone()
    source = {"X-Forwarded-For": client_address()}
    code = signup_code(api, owner_phone, headers=source, platform=platform)
    resp = api.post(
        "/api/v1/tenants",
        json={
            "tenant_name": name,
            "owner_name": "老板",
            "owner_phone": owner_phone,
            "owner_password": PASSWORD,
            "head_store_name": "总店",
            "sms_code": code,
        },
        headers=source,
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    body["owner_phone"] = owner_phone
    return body


def login(api: Api, phone_number: str, password: str = PASSWORD) -> str:
    resp = api.post("/api/v1/auth/login/password", json={"phone": phone_number, "password": password})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def create_staff(owner: Api, name: str, roles: list[str], store_id: str, **extra) -> dict:
    staff_phone = phone()
    resp = owner.post(
        "/api/v1/staff", json={"name": name, "phone": staff_phone, "roles": roles, "store_ids": [store_id], **extra}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def notifications(api: Api) -> list[dict]:
    resp = api.get("/api/v1/notifications")
    assert resp.status_code == 200, resp.text
    return resp.json()["notifications"]


def about(items: list[dict], customer_id: str) -> list[dict]:
    return [n for n in items if n["subject"] == f"customer:{customer_id}"]
