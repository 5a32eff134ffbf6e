"""H1: bad input anywhere is a 4xx naming the field (never a 500), and writes nothing."""

from __future__ import annotations

import pytest
from journey import PASSWORD, client_address, create_staff, phone, signup_code


def assert_error(resp, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert error["fields"][field], "the field's message must say what is wrong"
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner_phone": "12345"}, "owner_phone"),
        ({"owner_password": "short"}, "owner_password"),
        ({"tenant_name": ""}, "tenant_name"),
        ({"tenant_name": "x" * 51}, "tenant_name"),
        ({"sms_code": "000000"}, "sms_code"),
        ({"sms_code": None}, "sms_code"),
    ],
)
def test_h1_a1_bad_sign_up_names_the_field_and_creates_nothing(world, body, field):
    anon = world["anon"]
    number = phone()
    # Each case its own address: sign-ups are limited per address in identity too.
    source = {"X-Forwarded-For": client_address()}
    good = {
        "tenant_name": "坏输入商贸",
        "owner_name": "老板",
        "owner_phone": number,
        "owner_password": PASSWORD,
        "head_store_name": "总店",
        "sms_code": signup_code(anon, number, headers=source),
    }
    sent = {k: v for k, v in {**good, **body}.items() if v is not None}
    if sent.get("sms_code") == "000000" and good["sms_code"] == "000000":
        sent["sms_code"] = "000001"  # wrong, whatever the real code is
    assert_error(anon.post("/api/v1/tenants", json=sent, headers=source), 400, field)
    # Nothing was written: the owner cannot log in.
    if field != "owner_phone":
        resp = anon.post("/api/v1/auth/login/password", json={"phone": sent["owner_phone"], "password": PASSWORD})
        assert_error(resp, 401, code="INVALID_CREDENTIALS")


def test_h1_malformed_json_is_400(world):
    resp = world["owner"].http.post(
        world["owner"].base_url + "/api/v1/customers",
        data=b"{not json",
        headers={"Authorization": f"Bearer {world['owner'].token}", "Content-Type": "application/json"},
    )
    assert_error(resp, 400, code="INVALID_INPUT")


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"name": ""}, "name", 400),
        ({"name": "x" * 51}, "name", 400),
        ({"phone": "1380000"}, "phone", 400),
        ({"fields": {"shop_type": "星巴克"}}, "fields.shop_type", 400),
        ({"fields": {"shop_type": "超市", "nonsense": "1"}}, "fields.nonsense", 400),
        ({"name": 42}, "name", 400),
    ],
)
def test_c2_bad_customer_input_names_the_field_and_writes_nothing(world, body, field, status):
    manager = world["manager"]
    before = manager.get("/api/v1/customers").json()["page"]["total"]
    sent = {"name": "坏客户", "phone": phone(), "fields": {"shop_type": "超市"}, **body}
    assert_error(manager.post("/api/v1/customers", json=sent), status, field)
    assert manager.get("/api/v1/customers").json()["page"]["total"] == before


def test_c2_duplicate_phone_is_409_naming_phone(world):
    manager = world["manager"]
    number = phone()
    first = manager.post("/api/v1/customers", json={"name": "甲", "phone": number, "fields": {"shop_type": "超市"}})
    assert first.status_code == 201, first.text
    again = manager.post("/api/v1/customers", json={"name": "乙", "phone": number, "fields": {"shop_type": "超市"}})
    assert_error(again, 409, "phone", code="CUSTOMER_PHONE_TAKEN")


@pytest.mark.parametrize(("params", "field"), [({"page": 0}, "page"), ({"page_size": 1000}, "page_size")])
def test_c1_bad_paging_names_the_parameter(world, params, field):
    assert_error(world["manager"].get("/api/v1/customers", params=params), 400, field)


def test_a1_unknown_role_or_switch_names_the_field_and_creates_nothing(world):
    owner = world["owner"]
    before = owner.get("/api/v1/staff").json()["page"]["total"]
    resp = owner.post(
        "/api/v1/staff", json={"name": "新人", "phone": phone(), "roles": ["king"], "store_ids": [world["store_id"]]}
    )
    assert_error(resp, 400)
    assert any(f.startswith("roles") for f in resp.json()["error"]["fields"])
    resp = owner.post(
        "/api/v1/staff",
        json={
            "name": "新人",
            "phone": phone(),
            "roles": ["salesperson"],
            "permissions": ["fly"],
            "store_ids": [world["store_id"]],
        },
    )
    assert_error(resp, 400)
    assert any(f.startswith("permissions") for f in resp.json()["error"]["fields"])
    assert owner.get("/api/v1/staff").json()["page"]["total"] == before


def test_a1_salesperson_cannot_create_staff_or_change_switches(world):
    sales = world["sales_b"]
    resp = sales.post(
        "/api/v1/staff",
        json={"name": "新人", "phone": phone(), "roles": ["salesperson"], "store_ids": [world["store_id"]]},
    )
    assert_error(resp, 403)
    staff = create_staff(world["owner"], "孙业务", ["salesperson"], world["store_id"])
    resp = sales.put(f"/api/v1/staff/{staff['id']}/permissions", json={"permissions": ["see_all_customers"]})
    assert resp.status_code in (403, 404), resp.text


def test_a2_login_errors_are_4xx(world):
    anon = world["anon"]
    assert_error(anon.post("/api/v1/auth/login/password", json={"phone": phone()}), 400, "password")
    resp = anon.post("/api/v1/auth/login/password", json={"phone": phone(), "password": "wrongpass1"})
    assert_error(resp, 401, code="INVALID_CREDENTIALS")
    assert_error(anon.post("/api/v1/auth/login/sms", json={"phone": phone(), "code": "12"}), 400, "code")
    assert_error(anon.post("/api/v1/auth/refresh", json={"refresh_token": "nope"}), 401)


def test_h1_no_token_is_401_and_unknown_id_is_404(world):
    assert_error(world["anon"].get("/api/v1/customers"), 401)
    assert_error(world["manager"].get("/api/v1/customers/not-a-real-id"), 404)
