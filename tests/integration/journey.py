"""Steps shared by the journeys: sign up, log in, create staff, read notifications."""

from __future__ import annotations

import uuid

from client import Api

PASSWORD = "secret123"


def phone() -> str:
    return "13" + str(uuid.uuid4().int)[:9]


def sign_up(api: Api, name: str) -> dict:
    owner_phone = phone()
    resp = api.post(
        "/api/v1/tenants",
        json={
            "tenant_name": name,
            "owner_name": "老板",
            "owner_phone": owner_phone,
            "owner_password": PASSWORD,
            "head_store_name": "总店",
        },
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
