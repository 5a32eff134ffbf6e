"""R6 auth probes and issue 11, over HTTP and at a service's own gRPC port, every service a real
process: forged, expired and revoked tokens; refresh-token reuse; code and password guessing; a
switch turned off; sign-up that proves the phone; one person in two merchants picks one.

Addresses: the journeys' gateway believes X-Forwarded-For from this machine (it stands in for the
Ingress), so each "address" below is a header; without one the client is 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from client import Api
from journey import PASSWORD, client_address, create_staff, phone, sign_up, signup_code, sms_code

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.auth import STAFF, TokenIssuer, generate_keypair
from crmkit.errors import Unauthenticated
from crmkit.grpc_client import ServiceClient

LOGIN_PATH = "/api/v1/auth/login/password"


@pytest.fixture(scope="module")
def shop(platform):
    """A merchant of this journey's own: the owner and a salesperson who may change prices."""
    anon = Api(platform.gateway_url)
    tenant = sign_up(anon, "安全测试商贸")
    owner = anon.as_(log_in(anon, tenant["owner_phone"])["access_token"])
    seller = create_staff(
        owner, "周业务", ["salesperson"], tenant["head_store"]["id"], password=PASSWORD, permissions=["change_price"]
    )
    return {"anon": anon, "owner": owner, "seller": seller, "tenant": tenant}


@pytest.fixture(scope="module")
def customers_grpc(platform):
    """The customers service's own gRPC port, as an internal caller reaches it past the gateway."""
    client = ServiceClient(
        platform.grpc_address("customers"),
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
    )
    yield client
    client.close()


def log_in(anon: Api, number: str, password: str = PASSWORD, *, address: str | None = None) -> dict:
    headers = {"X-Forwarded-For": address} if address else None
    resp = anon.post(LOGIN_PATH, json={"phone": number, "password": password}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["outcome"] == "logged_in", resp.text
    return resp.json()


def claims(token: str) -> dict:
    """What the token says (read only, for the test to look at the switches it carries)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def grpc_error(client: ServiceClient, token: str) -> str | None:
    try:
        client.call("ListCustomers", customers_pb2.ListCustomersRequest(), token=token)
    except Unauthenticated as err:
        return err.code
    return None


def refused(api: Api, code: str) -> None:
    resp = api.get("/api/v1/customers")
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"]["code"] == code, resp.text


def test_r6_forged_and_expired_tokens_are_refused_at_the_gateway_and_at_a_service(platform, shop, customers_grpc):
    seller = shop["seller"]
    # A token signed by another key, and one signed by the platform's own key that has expired
    forged = TokenIssuer(generate_keypair()[0]).issue(
        kind=STAFF, subject_id=seller["id"], tenant_id=seller["tenant_id"], roles=["owner"], ttl=timedelta(minutes=15)
    )[0]
    expired = TokenIssuer(platform.private_key).issue(
        kind=STAFF,
        subject_id=seller["id"],
        tenant_id=seller["tenant_id"],
        roles=["salesperson"],
        ttl=timedelta(minutes=15),
        now=datetime.now(UTC) - timedelta(minutes=30),
    )[0]
    for token, code in ((forged, "TOKEN_INVALID"), (expired, "TOKEN_EXPIRED")):
        refused(shop["anon"].as_(token), code)
        assert grpc_error(customers_grpc, token) == code


def test_r6_logout_ends_the_access_token_at_the_gateway_and_at_a_service(shop, customers_grpc):
    anon = shop["anon"]
    pair = log_in(anon, shop["seller"]["phone"])
    seller = anon.as_(pair["access_token"])
    assert seller.get("/api/v1/customers").status_code == 200
    assert grpc_error(customers_grpc, pair["access_token"]) is None
    # When the salesperson logs out
    assert seller.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    # Then the access token is refused at once, by the gateway and by the service itself
    refused(seller, "TOKEN_REVOKED")
    assert grpc_error(customers_grpc, pair["access_token"]) == "TOKEN_REVOKED"
    again = anon.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401 and again.json()["error"]["code"] == "REFRESH_TOKEN_INVALID"


def test_r6_a_reused_refresh_token_ends_the_session_everywhere(shop, customers_grpc):
    anon = shop["anon"]
    stolen = log_in(anon, shop["seller"]["phone"])
    rotated = anon.post("/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}).json()
    assert anon.as_(rotated["access_token"]).get("/api/v1/customers").status_code == 200
    # The rotated refresh token comes back: somebody holds a copy
    reuse = anon.post("/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"
    # Every access token of the session is refused, at the gateway and at the service
    for token in (stolen["access_token"], rotated["access_token"]):
        refused(anon.as_(token), "TOKEN_REVOKED")
        assert grpc_error(customers_grpc, token) == "TOKEN_REVOKED"


def test_r6_code_guessing_stops_after_five_wrong_codes(platform, shop):
    anon, number = shop["anon"], shop["seller"]["phone"]
    before = len(platform.sms_server.messages(phone=number))
    guesser = {"X-Forwarded-For": client_address()}
    assert anon.post("/api/v1/auth/sms-codes", json={"phone": number}, headers=guesser).status_code == 202
    code = sms_code(number, after=before)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [
        anon.post("/api/v1/auth/login/sms", json={"phone": number, "code": wrong}, headers=guesser).json()
        for _ in range(5)
    ]
    assert [a["error"]["code"] for a in answers] == ["INVALID_CODE"] * 5
    # The sixth try is refused even with the right code: the code is gone
    last = anon.post("/api/v1/auth/login/sms", json={"phone": number, "code": code}, headers=guesser)
    assert last.status_code == 401 and last.json()["error"]["code"] == "CODE_EXPIRED"


def test_r6_password_guessing_from_one_address_locks_out_neither_the_owner_nor_sms_login(platform, shop):
    anon, number = shop["anon"], shop["tenant"]["owner_phone"]
    stranger, shop_counter = client_address(), client_address()
    # Given ten wrong passwords for the owner's phone from the stranger's address
    for _ in range(10):
        resp = anon.post(
            LOGIN_PATH, json={"phone": number, "password": "guess1234"}, headers={"X-Forwarded-For": stranger}
        )
        assert resp.status_code == 401, resp.text
    # Then the stranger's address is refused, even with the right password
    locked = anon.post(LOGIN_PATH, json={"phone": number, "password": PASSWORD}, headers={"X-Forwarded-For": stranger})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(locked.headers["Retry-After"]) > 0
    # And the owner logs in from the shop's address
    assert log_in(anon, number, address=shop_counter)["staff"]["phone"] == number
    # And by SMS code even from the stranger's address
    before = len(platform.sms_server.messages(phone=number))
    sent = anon.post("/api/v1/auth/sms-codes", json={"phone": number}, headers={"X-Forwarded-For": stranger})
    assert sent.status_code == 202, sent.text
    sms = anon.post(
        "/api/v1/auth/login/sms",
        json={"phone": number, "code": sms_code(number, after=before)},
        headers={"X-Forwarded-For": stranger},
    )
    assert sms.status_code == 200 and sms.json()["outcome"] == "logged_in", sms.text


def test_r6_a_switch_turned_off_takes_effect_at_once(shop, customers_grpc):
    anon, owner, seller_row = shop["anon"], shop["owner"], shop["seller"]
    # Given a salesperson logged in with change_price, who types a price on an order
    pair = log_in(anon, seller_row["phone"])
    seller = anon.as_(pair["access_token"])
    assert "change_price" in claims(pair["access_token"])["perms"]
    customer = seller.post("/api/v1/customers", json={"name": "开关测试超市", "phone": phone()})
    assert customer.status_code == 201, customer.text
    product = owner.post(
        "/api/v1/products",
        json={"name": "开关测试饼干", "unit": "箱", "wholesale_price_fen": 3000, "kind": "goods", "listed": True},
    )
    assert product.status_code == 201, product.text
    typed = {
        "customer_id": customer.json()["id"],
        "lines": [{"product_id": product.json()["id"], "quantity": 1, "price_source": "manual", "price_fen": 2500}],
    }
    assert seller.post("/api/v1/orders", json=typed, idempotency_key=uuid.uuid4().hex).status_code == 201
    # When the owner turns change_price off
    resp = owner.put(f"/api/v1/staff/{seller_row['id']}/permissions", json={"permissions": []})
    assert resp.status_code == 200 and resp.json()["permissions"] == [], resp.text
    # Then the very next request with the old token is refused, at the gateway and at a service
    refused(seller, "TOKEN_REVOKED")
    assert grpc_error(customers_grpc, pair["access_token"]) == "TOKEN_REVOKED"
    # And the refreshed token (the client's answer to 401) lacks the switch: a typed price is 403
    renewed = anon.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    assert "change_price" not in claims(renewed.json()["access_token"])["perms"]
    seller = anon.as_(renewed.json()["access_token"])
    again = seller.post("/api/v1/orders", json=typed, idempotency_key=uuid.uuid4().hex)
    assert again.status_code == 403 and again.json()["error"]["code"] == "PRICE_CHANGE_NOT_ALLOWED", again.text


def test_r6_an_account_switched_off_is_out_at_once(shop, customers_grpc):
    anon, owner = shop["anon"], shop["owner"]
    leaver = create_staff(owner, "离职业务", ["salesperson"], shop["tenant"]["head_store"]["id"], password=PASSWORD)
    pair = log_in(anon, leaver["phone"])
    # When the owner switches the account off
    resp = owner.put(f"/api/v1/staff/{leaver['id']}/active", json={"active": False})
    assert resp.status_code == 200 and resp.json()["active"] is False, resp.text
    # Then its token is refused at once, its refresh token is dead and it cannot log in
    refused(anon.as_(pair["access_token"]), "TOKEN_REVOKED")
    assert grpc_error(customers_grpc, pair["access_token"]) == "TOKEN_REVOKED"
    again = anon.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401 and again.json()["error"]["code"] == "REFRESH_TOKEN_INVALID"
    login = anon.post(LOGIN_PATH, json={"phone": leaver["phone"], "password": PASSWORD})
    assert login.status_code == 403 and login.json()["error"]["code"] == "STAFF_INACTIVE"


def test_i11_a_stranger_cannot_sign_up_with_a_salespersons_phone(shop):
    anon, seller = shop["anon"], shop["seller"]
    stranger = {"X-Forwarded-For": client_address()}
    # The stranger asks for a sign-up code: it goes to the salesperson's phone, not to them
    sent = anon.post("/api/v1/auth/sms-codes", json={"phone": seller["phone"], "purpose": "signup"}, headers=stranger)
    assert sent.status_code == 202
    squat = anon.post(
        "/api/v1/tenants",
        json={
            "tenant_name": "冒名商贸",
            "owner_name": "陌生人",
            "owner_phone": seller["phone"],
            "owner_password": PASSWORD,
            "head_store_name": "总店",
            "sms_code": "000000",
        },
        headers=stranger,
    )
    assert squat.status_code == 400 and "sms_code" in squat.json()["error"]["fields"], squat.text
    assert squat.json()["error"]["fields"]["sms_code"]  # said in Chinese, for the person
    # The salesperson still logs in straight into their merchant
    assert log_in(anon, seller["phone"])["staff"]["tenant_id"] == seller["tenant_id"]


def test_i11_one_person_in_two_merchants_proves_the_phone_once_and_picks_one(platform, shop):
    anon = shop["anon"]
    # Given the owner of a second merchant, hired with the same phone and password by the first
    other = sign_up(anon, "第二商贸")
    number = other["owner_phone"]
    create_staff_with_phone(shop["owner"], number, shop["tenant"]["head_store"]["id"])
    # When they log in with the password
    answer = anon.post(LOGIN_PATH, json={"phone": number, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Then they see both merchants with their roles there, and no token yet
    assert body["outcome"] == "choose_tenant" and "access_token" not in body
    offered = {(t["tenant_name"], tuple(t["roles"])) for t in body["choice"]["tenants"]}
    assert offered == {("安全测试商贸", ("salesperson",)), ("第二商贸", ("owner",))}
    # And picking one with the ticket logs them in there without proving the phone again
    first_id = shop["tenant"]["tenant"]["id"]
    chosen = anon.post("/api/v1/auth/login/choose", json={"ticket": body["choice"]["ticket"], "tenant_id": first_id})
    assert chosen.status_code == 200 and chosen.json()["staff"]["tenant_id"] == first_id, chosen.text
    # By SMS code too, the same way
    before = len(platform.sms_server.messages(phone=number))
    assert anon.post("/api/v1/auth/sms-codes", json={"phone": number}).status_code == 202
    sms = anon.post("/api/v1/auth/login/sms", json={"phone": number, "code": sms_code(number, after=before)}).json()
    assert sms["outcome"] == "choose_tenant"
    second_id = other["tenant"]["id"]
    picked = anon.post("/api/v1/auth/login/choose", json={"ticket": sms["choice"]["ticket"], "tenant_id": second_id})
    assert picked.status_code == 200 and picked.json()["staff"]["roles"] == ["owner"], picked.text
    # A used ticket opens nothing more
    replay = anon.post("/api/v1/auth/login/choose", json={"ticket": sms["choice"]["ticket"], "tenant_id": second_id})
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "CHOICE_TICKET_INVALID"


def create_staff_with_phone(owner: Api, number: str, store_id: str) -> None:
    resp = owner.post(
        "/api/v1/staff",
        json={"name": "兼职", "phone": number, "password": PASSWORD, "roles": ["salesperson"], "store_ids": [store_id]},
    )
    assert resp.status_code == 201, resp.text


def test_i11_sign_up_code_guessing_writes_nothing(shop):
    anon, number = shop["anon"], phone()
    source = {"X-Forwarded-For": client_address()}
    code = signup_code(anon, number, headers=source)
    body = {
        "tenant_name": "猜码商贸",
        "owner_name": "老板",
        "owner_phone": number,
        "owner_password": PASSWORD,
        "head_store_name": "总店",
    }
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    codes = [
        anon.post("/api/v1/tenants", json={**body, "sms_code": wrong}, headers=source).json()["error"]["code"]
        for _ in range(5)
    ]
    assert codes == ["INVALID_CODE"] * 5
    last = anon.post("/api/v1/tenants", json={**body, "sms_code": code}, headers=source)
    assert last.status_code == 400 and last.json()["error"]["code"] == "CODE_EXPIRED"
    assert anon.post(LOGIN_PATH, json={"phone": number, "password": PASSWORD}).status_code == 401
