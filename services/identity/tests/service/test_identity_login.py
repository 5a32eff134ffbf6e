"""A2: login by password and by SMS code, against PostgreSQL and real Redis."""

from __future__ import annotations

import pytest
from identity_testkit import PASSWORD, PUBLIC, add_staff, now, signup, staff_actor
from sqlalchemy import update

from crmkit.auth import TokenVerifier
from crmkit.errors import InvalidInput, PermissionDenied, QuotaExceeded, Unauthenticated
from identity.models import Staff
from identity.service import commands, login, staff

OWNER_PHONE = "13800000001"


def password_login(app, phone=OWNER_PHONE, password=PASSWORD, tenant_id=""):
    cmd = commands.LoginWithPassword(phone=phone, password=password, tenant_id=tenant_id)
    return login.login_with_password(app.db.uow(), app.ports, cmd, now=now())


def request_code(app, phone):
    return login.request_sms_code(app.db.uow(), app.ports, commands.RequestSmsCode(phone=phone), now=now())


def code_login(app, phone, code, tenant_id=""):
    cmd = commands.LoginWithSmsCode(phone=phone, code=code, tenant_id=tenant_id)
    return login.login_with_sms_code(app.db.uow(), app.ports, cmd, now=now())


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a2_owner_logs_in_with_password_and_gets_all_switches(app):
    owner = signup(app).owner
    result = password_login(app)
    actor = TokenVerifier(PUBLIC).verify(result.access_token)
    assert (actor.staff_id, actor.tenant_id, actor.roles) == (owner.id, owner.tenant_id, {"owner"})
    assert actor.permissions == {"change_price", "see_all_customers", "approve_collections"}
    assert actor.seat_until is None and actor.session_id
    assert result.refresh_token and result.refresh_expires_at > result.access_expires_at


def test_a3_salesperson_token_carries_the_seat_end(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone="13900000001", permissions=("change_price",))
    actor = TokenVerifier(PUBLIC).verify(password_login(app, phone="13900000001").access_token)
    assert actor.permissions == {"change_price"}
    assert int(actor.seat_until.timestamp()) == int(seller.seat.trial_ends_at.timestamp())


@pytest.mark.parametrize(("phone", "password"), [("13999999999", PASSWORD), (OWNER_PHONE, "wrong-pass-1")])
def test_a2_wrong_phone_or_password_get_the_same_error(app, phone, password):
    signup(app)
    with pytest.raises(Unauthenticated) as err:
        password_login(app, phone=phone, password=password)
    assert err.value.code == "INVALID_CREDENTIALS"


def test_a2_staff_without_password_cannot_log_in_by_password(app):
    owner = signup(app).owner
    cmd = commands.CreateStaff(name="Xiao Li", phone="13900000001", roles=("salesperson",))
    staff.create_staff(app.db.uow(), staff_actor(owner), cmd, now=now())
    with pytest.raises(Unauthenticated):
        password_login(app, phone="13900000001", password="anything1")


def test_a2_phone_in_two_tenants_needs_the_tenant(app):
    first = signup(app).owner
    second = signup(app, name="Other").owner  # same owner phone, same password
    with pytest.raises(InvalidInput) as err:
        password_login(app)
    assert err.value.fields == {"tenant_id": "validation.tenant_required"}
    assert password_login(app, tenant_id=second.tenant_id).staff.id == second.id
    assert password_login(app, tenant_id=first.tenant_id).staff.id == first.id


def test_a2_eleventh_password_try_within_the_window_is_refused(app):
    signup(app)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            password_login(app, password="wrong-pass-1")
    with pytest.raises(QuotaExceeded) as err:
        password_login(app)  # even the right password
    assert err.value.code == "TOO_MANY_ATTEMPTS" and int(err.value.params["retry_after"]) > 0


def test_a2_inactive_staff_is_refused(app):
    owner = signup(app).owner
    with app.db.uow() as uow:
        uow.session.execute(update(Staff).where(Staff.id == owner.id).values(active=False))
        uow.commit()
    with pytest.raises(PermissionDenied) as err:
        password_login(app)
    assert err.value.code == "STAFF_INACTIVE"


def test_a2_sms_code_login(app):
    owner = signup(app).owner
    sent = request_code(app, OWNER_PHONE)
    assert (sent.expires_in_seconds, sent.resend_after_seconds) == (300, 60)
    ((phone, code, key),) = app.sender.sent
    assert phone == OWNER_PHONE and len(code) == 6 and code.isdigit() and key
    assert code_login(app, OWNER_PHONE, code).staff.id == owner.id
    # Redis keeps only a hash of the code.
    assert not any(code in str(app.redis.hgetall(k)) for k in app.redis.scan_iter(f"{app.prefix}*code*"))


def test_a2_sms_code_is_used_once(app):
    signup(app)
    request_code(app, OWNER_PHONE)
    code = app.sender.last_code(OWNER_PHONE)
    code_login(app, OWNER_PHONE, code)
    with pytest.raises(Unauthenticated) as err:
        code_login(app, OWNER_PHONE, code)
    assert err.value.code == "CODE_EXPIRED"


def test_a2_second_sms_request_within_a_minute_is_refused(app):
    signup(app)
    request_code(app, OWNER_PHONE)
    with pytest.raises(QuotaExceeded) as err:
        request_code(app, OWNER_PHONE)
    assert err.value.code == "SMS_TOO_FREQUENT"
    assert 0 < int(err.value.params["retry_after"]) <= 60
    assert len(app.sender.sent) == 1


def test_a2_unknown_phone_gets_the_same_answer_but_no_sms(app):
    signup(app)
    known = request_code(app, OWNER_PHONE)
    unknown = request_code(app, "13999999999")
    assert known == unknown
    assert [p for p, _, _ in app.sender.sent] == [OWNER_PHONE]
    # Guessing for the unknown phone looks like guessing for a real one.
    with pytest.raises(Unauthenticated) as err:
        code_login(app, "13999999999", "123456")
    assert err.value.code == "INVALID_CODE"
    with pytest.raises(QuotaExceeded):
        request_code(app, "13999999999")


def test_a2_sixth_wrong_code_voids_it(app):
    signup(app)
    request_code(app, OWNER_PHONE)
    code = app.sender.last_code(OWNER_PHONE)
    for _ in range(5):
        with pytest.raises(Unauthenticated) as err:
            code_login(app, OWNER_PHONE, wrong(code))
        assert err.value.code == "INVALID_CODE"
    for attempt in (wrong(code), code):  # the sixth try fails even with the right code
        with pytest.raises(Unauthenticated) as err:
            code_login(app, OWNER_PHONE, attempt)
        assert err.value.code == "CODE_EXPIRED"


def test_a2_sms_daily_limit(app):
    signup(app)
    cooldown_key = f"{app.prefix}identity:sms:cooldown:{OWNER_PHONE}"
    for _ in range(10):
        request_code(app, OWNER_PHONE)
        app.redis.delete(cooldown_key)  # as if a minute had passed
    with pytest.raises(QuotaExceeded) as err:
        request_code(app, OWNER_PHONE)
    assert err.value.code == "SMS_DAILY_LIMIT" and int(err.value.params["retry_after"]) > 0
    assert len(app.sender.sent) == 10


def test_a2_sms_login_in_two_tenants_keeps_the_code_until_a_tenant_is_chosen(app):
    signup(app)
    second = signup(app, name="Other").owner
    request_code(app, OWNER_PHONE)
    code = app.sender.last_code(OWNER_PHONE)
    with pytest.raises(InvalidInput) as err:
        code_login(app, OWNER_PHONE, code)
    assert err.value.fields == {"tenant_id": "validation.tenant_required"}
    assert code_login(app, OWNER_PHONE, code, tenant_id=second.tenant_id).staff.id == second.id


def test_a2_sms_code_for_inactive_staff_is_not_sent(app):
    owner = signup(app).owner
    with app.db.uow() as uow:
        uow.session.execute(update(Staff).where(Staff.id == owner.id).values(active=False))
        uow.commit()
    request_code(app, OWNER_PHONE)
    assert app.sender.sent == []
