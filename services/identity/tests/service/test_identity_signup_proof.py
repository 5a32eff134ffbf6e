"""Issue 11 (phone squatting): signing a merchant up proves the owner's phone with an SMS code of
purpose "signup"; a wrong or spent code writes nothing. PostgreSQL and real Redis."""

from __future__ import annotations

import dataclasses

import pytest
from identity_testkit import PASSWORD, SOURCE, add_staff, now, sent_code, signup
from sqlalchemy import func, select

from crmkit.errors import InvalidInput, QuotaExceeded
from identity.domain.throttling import Limit, Limits
from identity.models import Outbox, Staff, Tenant
from identity.service import commands, login, tenants

OWNER_PHONE = "13800000001"
SELLER_PHONE = "13900000001"


def create(app, code: str, *, phone: str = OWNER_PHONE, name: str = "Tea House", source: str = SOURCE, ports=None):
    cmd = commands.CreateTenant(
        tenant_name=name, owner_name="Boss", owner_phone=phone, owner_password=PASSWORD, sms_code=code
    )
    return tenants.create_tenant(app.db.uow(), ports or app.ports, cmd, now=now(), source=source)


def counts(app) -> list[int]:
    with app.db.uow() as uow:
        return [uow.session.scalar(select(func.count()).select_from(m)) for m in (Tenant, Staff, Outbox)]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_i11_signup_with_the_code_sent_to_the_phone_creates_the_merchant(app):
    code = sent_code(app, OWNER_PHONE, "signup")
    new = create(app, code)
    assert new.owner.phone == OWNER_PHONE and new.owner.roles == ["owner"]
    assert counts(app) == [1, 1, 2]


@pytest.mark.parametrize(
    ("sent", "code", "error", "field_key"),
    [
        (True, "wrong", "INVALID_CODE", "validation.sms_code_wrong"),
        (False, "123456", "CODE_EXPIRED", "validation.sms_code_expired"),
        (True, "", "INVALID_INPUT", "validation.required"),
        (True, "12ab56", "INVALID_INPUT", "validation.invalid"),
    ],
)
def test_i11_signup_without_the_right_code_names_sms_code_and_writes_nothing(app, sent, code, error, field_key):
    right = sent_code(app, OWNER_PHONE, "signup") if sent else None
    with pytest.raises(InvalidInput) as err:
        create(app, wrong(right) if code == "wrong" else code)
    assert err.value.code == error and err.value.fields == {"sms_code": field_key}
    assert counts(app) == [0, 0, 0]


def test_i11_a_login_code_does_not_sign_up(app):
    signup(app, phone="13700000001")  # someone else's merchant, so the phone below gets login codes
    code = sent_code(app, "13700000001", "login")
    with pytest.raises(InvalidInput) as err:
        create(app, code, phone="13700000001", name="Second")
    assert err.value.fields == {"sms_code": "validation.sms_code_expired"}


def test_i11_a_signup_code_is_used_once(app):
    code = sent_code(app, OWNER_PHONE, "signup")
    create(app, code)
    with pytest.raises(InvalidInput) as err:
        create(app, code, name="Again")
    assert err.value.code == "CODE_EXPIRED"
    assert counts(app)[0] == 1


def test_i11_bad_input_does_not_use_the_code_up(app):
    code = sent_code(app, OWNER_PHONE, "signup")
    bad = commands.CreateTenant(tenant_name="", owner_name="Boss", owner_phone=OWNER_PHONE, owner_password=PASSWORD)
    with pytest.raises(InvalidInput):
        tenants.create_tenant(
            app.db.uow(), app.ports, dataclasses.replace(bad, sms_code=code), now=now(), source=SOURCE
        )
    assert create(app, code).tenant.name == "Tea House"


def test_i11_signup_code_guessing_stops_after_five_tries(app):
    code = sent_code(app, OWNER_PHONE, "signup")
    for _ in range(5):
        with pytest.raises(InvalidInput) as err:
            create(app, wrong(code))
        assert err.value.code == "INVALID_CODE"
    with pytest.raises(InvalidInput) as err:
        create(app, code)  # the sixth try fails even with the right code
    assert err.value.code == "CODE_EXPIRED"
    assert counts(app) == [0, 0, 0]


def test_i11_a_stranger_cannot_sign_up_with_a_salespersons_phone(app):
    # Given a salesperson of one merchant, who logs in by SMS code
    owner = signup(app).owner
    seller = add_staff(app, owner, phone=SELLER_PHONE)
    # When a stranger signs up with the salesperson's phone but cannot read its codes
    with pytest.raises(InvalidInput) as err:
        create(app, "000000", phone=SELLER_PHONE, name="Squatter", source="203.0.113.5")
    assert err.value.fields == {"sms_code": "validation.sms_code_expired"}
    # Then the salesperson's SMS login still goes straight in, with no merchant to pick
    code = sent_code(app, SELLER_PHONE)
    cmd = commands.LoginWithSmsCode(phone=SELLER_PHONE, code=code)
    outcome = login.login_with_sms_code(app.db.uow(), app.ports, cmd, now=now(), source=SOURCE)
    assert outcome.choice is None and outcome.tokens.staff.id == seller.id


def test_i11_signup_codes_go_to_unknown_phones_with_the_same_answer(app):
    add_staff(app, signup(app).owner, phone=SELLER_PHONE)
    app.sender.sent.clear()
    # A sign-up code is sent to a phone nobody has, and to a staff member's phone alike
    for phone in ("13999999999", SELLER_PHONE):
        cmd = commands.RequestSmsCode(phone=phone, purpose="signup")
        sent = login.request_sms_code(app.db.uow(), app.ports, cmd, now=now(), source=SOURCE)
        assert (sent.expires_in_seconds, sent.resend_after_seconds) == (300, 60)
    assert [p for p, _, _ in app.sender.sent] == ["13999999999", SELLER_PHONE]


def test_i11_signups_are_limited_per_source_inside_the_service(app):
    # Given a service-level limit of 2 sign-ups an hour per source
    ports = dataclasses.replace(app.ports, limits=Limits(signups_per_source=Limit(2, 3600)))
    for i in range(2):
        phone = f"1370000000{i}"
        create(app, sent_code(app, phone, "signup"), phone=phone, name=f"Shop {i}", ports=ports)
    # When the same source signs up a third merchant (as a direct gRPC caller would)
    code = sent_code(app, "13700000009", "signup")
    with pytest.raises(QuotaExceeded) as err:
        create(app, code, phone="13700000009", name="Shop 9", ports=ports)
    assert err.value.code == "SIGNUP_TOO_FREQUENT" and int(err.value.params["retry_after"]) > 0
    # Then nothing was written and the code is still good from another address
    assert counts(app)[0] == 2
    assert create(app, code, phone="13700000009", name="Shop 9", source="192.0.2.1", ports=ports)
