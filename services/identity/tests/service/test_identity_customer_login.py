"""B6 against PostgreSQL and Redis: a shop's customer logs in to one merchant's storefront by SMS
code and gets a customer token for the customer the customers service answers; the codes are
the staff codes' (limits, sender) under a purpose of their own, so neither opens the other's
login, and a customer token opens no staff method."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from identity_testkit import PUBLIC, SOURCE, now, sent_code, signup, token_for

from crm.identity.v1 import identity_pb2 as ipb
from crm.identity.v1 import stores_pb2
from crmkit.auth import CUSTOMER, TokenVerifier
from crmkit.errors import InvalidInput, NotFound, PermissionDenied, QuotaExceeded, Unauthenticated
from identity.domain.throttling import Limit, Limits
from identity.service import commands, customer_login, login

SHOPPER = "13912345678"
STRANGER = "203.0.113.9"


def ask_code(app, tenant_id, phone=SHOPPER, *, source=SOURCE, ports=None):
    cmd = commands.RequestCustomerCode(tenant_id=tenant_id, phone=phone)
    return customer_login.request_customer_code(app.db.uow(), ports or app.ports, cmd, now=now(), source=source)


def customer_code(app, tenant_id, phone=SHOPPER) -> str:
    """A code asked for as a client would, the cooldown lifted first (as if a minute had passed)."""
    app.redis.delete(f"{app.prefix}identity:sms:cooldown:customer:{tenant_id}:{phone}")
    ask_code(app, tenant_id, phone)
    return app.sender.last_code(phone)


def log_in(app, tenant_id, code, phone=SHOPPER):
    cmd = commands.LoginCustomer(tenant_id=tenant_id, phone=phone, code=code)
    return customer_login.login_customer(app.db.uow(), app.ports, cmd, now=now())


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def tenant_id(app):
    return signup(app).tenant.id


def test_b6_a_code_goes_to_any_well_formed_phone_and_logs_the_customer_in(app, tenant_id):
    app.sender.sent.clear()

    sent = ask_code(app, tenant_id)
    session = log_in(app, tenant_id, app.sender.last_code(SHOPPER))

    assert (sent.expires_in_seconds, sent.resend_after_seconds) == (300, 60)
    assert [phone for phone, _, _ in app.sender.sent] == [SHOPPER]
    assert app.shoppers.asked == [(tenant_id, SHOPPER)]
    actor = TokenVerifier(PUBLIC).verify(session.access_token)
    assert (actor.kind, actor.customer_id, actor.tenant_id, actor.staff_id) == (
        CUSTOMER,
        session.customer_id,
        tenant_id,
        None,
    )
    assert (actor.roles, actor.permissions, actor.store_ids) == (frozenset(), frozenset(), ())
    assert session.expires_in == 7 * 24 * 3600


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("", "validation.required"),
        ("1391234567", "validation.phone_invalid"),
        ("23912345678", "validation.phone_invalid"),
    ],
)
def test_b6_no_code_is_sent_to_a_malformed_phone(app, tenant_id, phone, problem):
    app.sender.sent.clear()

    with pytest.raises(InvalidInput) as err:
        ask_code(app, tenant_id, phone)

    assert err.value.fields == {"phone": problem}
    assert app.sender.sent == []


def test_b6_an_unknown_or_missing_merchant_sends_no_code(app):
    app.sender.sent.clear()

    with pytest.raises(NotFound) as err:
        ask_code(app, "no-such-tenant")
    assert err.value.code == "TENANT_NOT_FOUND"
    with pytest.raises(InvalidInput) as err:
        ask_code(app, "")
    assert err.value.fields == {"tenant_id": "validation.required"}
    assert app.sender.sent == []


def test_b6_a_wrong_code_is_refused_and_the_fifth_voids_it(app, tenant_id):
    code = customer_code(app, tenant_id)

    for _ in range(5):
        with pytest.raises(Unauthenticated) as err:
            log_in(app, tenant_id, wrong(code))
        assert err.value.code == "INVALID_CODE"
    with pytest.raises(Unauthenticated) as err:
        log_in(app, tenant_id, code)

    assert err.value.code == "CODE_EXPIRED"
    assert app.shoppers.asked == []


def test_b6_a_code_is_used_once(app, tenant_id):
    code = customer_code(app, tenant_id)
    log_in(app, tenant_id, code)

    with pytest.raises(Unauthenticated) as err:
        log_in(app, tenant_id, code)

    assert err.value.code == "CODE_EXPIRED"


def test_b6_a_second_code_within_a_minute_is_refused(app, tenant_id):
    app.sender.sent.clear()
    ask_code(app, tenant_id)

    with pytest.raises(QuotaExceeded) as err:
        ask_code(app, tenant_id)

    assert err.value.code == "SMS_TOO_FREQUENT" and 0 < int(err.value.params["retry_after"]) <= 60
    assert len(app.sender.sent) == 1


def test_b6_customer_codes_count_in_the_phones_daily_limit_with_staff_codes(app, tenant_id):
    # Given the owner's sign-up code and eight customer codes today for the owner's phone
    owner_phone = "13800000001"
    for _ in range(8):
        customer_code(app, tenant_id, owner_phone)
    # And one staff login code: the tenth of the day
    sent_code(app, owner_phone)
    app.sender.sent.clear()
    app.redis.delete(f"{app.prefix}identity:sms:cooldown:customer:{tenant_id}:{owner_phone}")

    with pytest.raises(QuotaExceeded) as err:
        ask_code(app, tenant_id, owner_phone)

    assert err.value.code == "SMS_DAILY_LIMIT"
    assert app.sender.sent == []


def test_b6_customer_codes_share_the_per_source_limit(app, tenant_id):
    ports = dataclasses.replace(app.ports, limits=Limits(sms_codes_per_source=Limit(2, 3600)))
    ask_code(app, tenant_id, "13900000001", source=STRANGER, ports=ports)
    login.request_sms_code(
        app.db.uow(), ports, commands.RequestSmsCode(phone="13900000002"), now=now(), source=STRANGER
    )

    with pytest.raises(QuotaExceeded) as err:
        ask_code(app, tenant_id, "13900000003", source=STRANGER, ports=ports)

    assert err.value.code == "SMS_TOO_FREQUENT"
    assert ask_code(app, tenant_id, "13900000003", source=SOURCE, ports=ports).expires_in_seconds == 300


def test_b6_a_staff_login_code_does_not_log_a_customer_in(app, tenant_id):
    owner_phone = "13800000001"
    staff_code = sent_code(app, owner_phone)

    with pytest.raises(Unauthenticated) as err:
        log_in(app, tenant_id, staff_code, phone=owner_phone)

    assert err.value.code == "CODE_EXPIRED"
    assert app.shoppers.asked == []
    # The staff code is still the staff member's to use.
    staff_login = login.login_with_sms_code(
        app.db.uow(), app.ports, commands.LoginWithSmsCode(phone=owner_phone, code=staff_code), now=now(), source=SOURCE
    )
    assert staff_login.tokens is not None


def test_b6_a_customer_code_does_not_log_staff_in(app, tenant_id):
    owner_phone = "13800000001"
    code = customer_code(app, tenant_id, owner_phone)

    with pytest.raises(Unauthenticated) as err:
        login.login_with_sms_code(
            app.db.uow(), app.ports, commands.LoginWithSmsCode(phone=owner_phone, code=code), now=now(), source=SOURCE
        )

    assert err.value.code == "CODE_EXPIRED"


def test_b6_a_code_asked_for_at_one_merchant_does_not_open_another(app, tenant_id):
    other = signup(app, phone="13800000002", name="Noodle Bar").tenant.id
    code = customer_code(app, tenant_id)

    with pytest.raises(Unauthenticated) as err:
        log_in(app, other, code)

    assert err.value.code == "CODE_EXPIRED"


def test_b6_logging_in_twice_is_the_same_customer_and_each_merchant_has_its_own(app, tenant_id):
    other = signup(app, phone="13800000002", name="Noodle Bar").tenant.id

    first = log_in(app, tenant_id, customer_code(app, tenant_id))
    again = log_in(app, tenant_id, customer_code(app, tenant_id))
    elsewhere = log_in(app, other, customer_code(app, other))

    assert again.customer_id == first.customer_id
    assert elsewhere.customer_id != first.customer_id
    assert TokenVerifier(PUBLIC).verify(elsewhere.access_token).tenant_id == other
    assert app.shoppers.asked == [(tenant_id, SHOPPER), (tenant_id, SHOPPER), (other, SHOPPER)]


def test_b6_the_token_lifetime_is_the_setting(app, tenant_id):
    ports = dataclasses.replace(app.ports, customer_token_ttl=timedelta(days=2))
    cmd = commands.LoginCustomer(tenant_id=tenant_id, phone=SHOPPER, code=customer_code(app, tenant_id))

    session = customer_login.login_customer(app.db.uow(), ports, cmd, now=now())

    assert session.expires_in == 2 * 24 * 3600


def test_b6_over_grpc_a_customer_token_opens_no_staff_method(grpc_app):
    app, client = grpc_app
    tenant_id = signup(app).tenant.id
    client.call("RequestCustomerCode", ipb.RequestCustomerCodeRequest(tenant_id=tenant_id, phone=SHOPPER))
    code = app.sender.last_code(SHOPPER)

    reply = client.call("LoginCustomer", ipb.LoginCustomerRequest(tenant_id=tenant_id, phone=SHOPPER, code=code))

    assert reply.customer_id == app.shoppers.ids[(tenant_id, SHOPPER)]
    assert reply.expires_in == 7 * 24 * 3600
    for method, request in (
        ("GetMe", ipb.GetMeRequest()),
        ("ListStores", ipb.ListStoresRequest()),
        ("ListStaff", ipb.ListStaffRequest()),
        ("GetStaff", ipb.GetStaffRequest(id=reply.customer_id)),
    ):
        with pytest.raises(PermissionDenied):
            client.call(method, request, token=reply.access_token)
    with pytest.raises(PermissionDenied):
        client.stores.call("GetStoreSwitcher", stores_pb2.GetStoreSwitcherRequest(), token=reply.access_token)


def test_b6_a_customer_logs_out_and_that_login_is_refused_at_once_the_other_stays(grpc_app):
    app, client = grpc_app
    tenant_id = signup(app).tenant.id
    verifier = TokenVerifier(PUBLIC, revoked=app.ports.revoked)
    phone_a, phone_b = (
        log_in(app, tenant_id, customer_code(app, tenant_id)),
        log_in(app, tenant_id, customer_code(app, tenant_id)),
    )
    # Each login is a session of its own.
    sessions = {verifier.verify(s.access_token).session_id for s in (phone_a, phone_b)}
    assert len(sessions) == 2 and None not in sessions

    client.call("LogoutCustomer", ipb.LogoutCustomerRequest(), token=phone_a.access_token)

    with pytest.raises(Unauthenticated):
        verifier.verify(phone_a.access_token)
    # Refused by every server as it verifies the token, identity's own included.
    with pytest.raises(Unauthenticated):
        client.call("LogoutCustomer", ipb.LogoutCustomerRequest(), token=phone_a.access_token)
    assert verifier.verify(phone_b.access_token).customer_id == phone_b.customer_id
    client.call("LogoutCustomer", ipb.LogoutCustomerRequest(), token=phone_b.access_token)
    with pytest.raises(Unauthenticated):
        verifier.verify(phone_b.access_token)


def test_b6_customer_logout_takes_a_customer_token_only(grpc_app):
    app, client = grpc_app
    owner = signup(app).owner
    with pytest.raises(PermissionDenied):
        client.call("LogoutCustomer", ipb.LogoutCustomerRequest(), token=token_for(owner))
    with pytest.raises(Unauthenticated):
        client.call("LogoutCustomer", ipb.LogoutCustomerRequest())
