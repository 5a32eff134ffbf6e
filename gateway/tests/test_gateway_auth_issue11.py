"""Issue 11 at the edge: the merchant choice after login, sign-up with an SMS code, the client's
address passed to identity (trusted only from configured proxies), revoked tokens refused before
any gRPC call. Real app, real gRPC fakes, real Redis."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
import redis

from crmkit.errors import InvalidInput
from crmkit.revocation import RevokedSessions
from gateway.config import proxy_networks
from gateway.proxies import TrustedProxyFix

TWO_MERCHANTS = "13800000009"
SIGN_UP = {
    "tenant_name": "杭州茶叶",
    "owner_name": "王老板",
    "owner_phone": "13800000001",
    "owner_password": "secret123",
    "head_store_name": "总店",
    "sms_code": "123456",
}


def test_i11_login_of_a_phone_in_two_merchants_answers_with_the_choice(client):
    # Given a phone that is staff of two merchants
    answer = client.post("/api/v1/auth/login/password", json={"phone": TWO_MERCHANTS, "password": "secret123"})
    # Then the answer names the merchants and a ticket, and no token
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["outcome"] == "choose_tenant" and "access_token" not in body
    assert body["choice"]["ticket"] == "ticket-1"
    assert body["choice"]["tenants"] == [
        {"tenant_id": "t-1", "tenant_name": "茶行", "staff_name": "王店长", "roles": ["owner"]},
        {"tenant_id": "t-2", "tenant_name": "面馆", "staff_name": "王", "roles": ["salesperson"]},
    ]
    sms = client.post("/api/v1/auth/login/sms", json={"phone": TWO_MERCHANTS, "code": "123456"})
    assert sms.get_json()["outcome"] == "choose_tenant"


def test_i11_choosing_a_merchant_with_the_ticket_gives_the_tokens(client, fakes):
    chosen = client.post("/api/v1/auth/login/choose", json={"ticket": "ticket-1", "tenant_id": "t-2"})
    assert chosen.status_code == 200 and chosen.get_json()["access_token"] == "access.jwt"
    (call,) = fakes["identity"].rec.named("ChooseTenant")
    assert (call.request.ticket, call.request.tenant_id) == ("ticket-1", "t-2")


def test_i11_a_bad_ticket_or_a_missing_tenant_is_a_4xx_in_chinese(client):
    spent = client.post("/api/v1/auth/login/choose", json={"ticket": "spent", "tenant_id": "t-2"})
    assert spent.status_code == 401
    assert spent.get_json()["error"]["code"] == "CHOICE_TICKET_INVALID"
    assert spent.get_json()["error"]["message"] == "选择商户的凭证已失效，请重新登录"
    missing = client.post("/api/v1/auth/login/choose", json={"ticket": "ticket-1"})
    assert missing.status_code == 400 and "tenant_id" in missing.get_json()["error"]["fields"]


def test_i11_sign_up_needs_the_sms_code_and_forwards_it(client, fakes):
    without = client.post("/api/v1/tenants", json={k: v for k, v in SIGN_UP.items() if k != "sms_code"})
    assert without.status_code == 400 and without.get_json()["error"]["fields"]["sms_code"] == "此项为必填项"
    assert fakes["identity"].rec.named("CreateTenant") == []
    created = client.post("/api/v1/tenants", json=SIGN_UP)
    assert created.status_code == 201
    assert fakes["identity"].rec.named("CreateTenant")[0].request.sms_code == "123456"


def test_i11_a_wrong_sign_up_code_is_400_naming_sms_code(client, fakes):
    fakes["identity"].rec.fail["CreateTenant"] = InvalidInput(
        "INVALID_CODE", "error.invalid_code", fields={"sms_code": "validation.sms_code_wrong"}
    )
    answer = client.post("/api/v1/tenants", json=SIGN_UP)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert (error["code"], error["fields"]) == ("INVALID_CODE", {"sms_code": "验证码错误"})


def test_i11_sign_up_codes_are_asked_with_purpose_signup(client, fakes):
    sent = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001", "purpose": "signup"})
    assert sent.status_code == 202
    assert fakes["identity"].rec.named("RequestSmsCode")[0].request.purpose == "signup"
    bogus = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001", "purpose": "reset"})
    assert bogus.status_code == 400 and "purpose" in bogus.get_json()["error"]["fields"]


def test_i11_identity_is_told_the_clients_address_under_the_gateways_service_token(client, fakes):
    client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    (call,) = fakes["identity"].rec.named("RequestSmsCode")
    # The interceptor believes the address only because the gateway's service token came with it
    assert call.client_address == "203.0.113.5"
    assert call.metadata["authorization"].startswith("Bearer ")


def test_i11_forwarded_for_is_read_only_from_configured_proxies(make_app, fakes):
    # Given a gateway behind one proxy at 10.0.0.2
    app = make_app()
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, 1, (ipaddress.ip_network("10.0.0.2/32"),))
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    # When the proxy forwards a client, and a pod past the proxy claims an address of its choice
    client.post(
        "/api/v1/auth/sms-codes",
        json={"phone": "13800000001"},
        headers=forwarded,
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    client.post(
        "/api/v1/auth/sms-codes",
        json={"phone": "13800000002"},
        headers=forwarded,
        environ_base={"REMOTE_ADDR": "10.0.0.66"},
    )
    # Then only the proxy's word is taken
    assert [c.client_address for c in fakes["identity"].rec.named("RequestSmsCode")] == ["198.51.100.7", "10.0.0.66"]


def test_r6_revoked_token_is_refused_at_the_gateway_before_any_grpc_call(make_app, token, fakes):
    # Given a staff token of session 1, and the session revoked (logout)
    app = make_app()
    mine = {"Authorization": f"Bearer {token(session_id='sess-1')}"}
    client = app.test_client()
    assert client.get("/api/v1/me", headers=mine).status_code == 200
    revoked: RevokedSessions = app.extensions["gateway"].verifier.revoked
    revoked.revoke(["sess-1"], token_ttl=timedelta(minutes=15))
    # Then the gateway answers 401 TOKEN_REVOKED in Chinese and calls nobody
    refused = client.get("/api/v1/me", headers=mine)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "TOKEN_REVOKED"
    assert refused.get_json()["error"]["message"] == "登录状态已变更，请刷新登录状态或重新登录"
    assert len(fakes["identity"].rec.named("GetMe")) == 1


def test_r6_revocation_store_down_is_503_not_500(make_app, token, fakes):
    app = make_app()
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    app.extensions["gateway"].verifier.revoked = RevokedSessions(down, "x:")
    refused = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token(session_id='s')}"})
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert fakes["identity"].rec.named("GetMe") == []


def test_i11_trusted_proxies_setting_is_read_as_networks_and_a_bad_entry_stops_startup():
    assert proxy_networks("10.244.0.0/16, 192.168.1.5") == (
        ipaddress.ip_network("10.244.0.0/16"),
        ipaddress.ip_network("192.168.1.5/32"),
    )
    assert proxy_networks("") == ()
    with pytest.raises(ValueError, match="ingress"):
        proxy_networks("10.0.0.0/8, ingress")


def test_i11_switching_an_account_off_goes_to_identity_with_the_owners_token(client, fakes, auth):
    answer = client.put("/api/v1/staff/s-9/active", json={"active": False}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["active"] is False
    (call,) = fakes["identity"].rec.named("SetStaffActive")
    assert (call.request.staff_id, call.request.active, call.actor.subject_id) == ("s-9", False, "s-1")
    bad = client.put("/api/v1/staff/s-9/active", json={"active": "maybe"}, headers=auth)
    assert bad.status_code == 400 and "active" in bad.get_json()["error"]["fields"]
