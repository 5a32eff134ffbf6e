"""A2 and issue 11: login by password and by SMS code, the choice of merchant after proving the
phone, and the limits on guessing, against PostgreSQL and real Redis."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from identity_testkit import PASSWORD, PRIVATE, PUBLIC, SOURCE, add_staff, now, sent_code, signup, staff_actor
from sqlalchemy import update

from crmkit.auth import STAFF, TokenIssuer, TokenVerifier, generate_keypair
from crmkit.errors import InvalidInput, PermissionDenied, QuotaExceeded, Unauthenticated
from crmkit.redis_client import Keys
from identity.choice_tickets import ChoiceTickets
from identity.domain.throttling import Limit, Limits
from identity.models import Staff
from identity.service import commands, login, staff, tenant_choice

OWNER_PHONE = "13800000001"
STRANGER = "203.0.113.5"


def password_outcome(app, phone=OWNER_PHONE, password=PASSWORD, tenant_id="", source=SOURCE):
    cmd = commands.LoginWithPassword(phone=phone, password=password, tenant_id=tenant_id)
    return login.login_with_password(app.db.uow(), app.ports, cmd, now=now(), source=source)


def password_login(app, phone=OWNER_PHONE, password=PASSWORD, tenant_id="", source=SOURCE):
    outcome = password_outcome(app, phone, password, tenant_id, source)
    assert outcome.choice is None, "expected tokens, got a choice"
    return outcome.tokens


def request_code(app, phone, source=SOURCE, ports=None):
    cmd = commands.RequestSmsCode(phone=phone)
    return login.request_sms_code(app.db.uow(), ports or app.ports, cmd, now=now(), source=source)


def code_outcome(app, phone, code, tenant_id="", source=SOURCE):
    cmd = commands.LoginWithSmsCode(phone=phone, code=code, tenant_id=tenant_id)
    return login.login_with_sms_code(app.db.uow(), app.ports, cmd, now=now(), source=source)


def code_login(app, phone, code, tenant_id="", source=SOURCE):
    return code_outcome(app, phone, code, tenant_id, source).tokens


def choose(app, ticket, tenant_id):
    cmd = commands.ChooseTenant(ticket=ticket, tenant_id=tenant_id)
    return tenant_choice.choose_tenant(app.db.uow(), app.ports, cmd, now=now())


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


def test_i11_person_in_two_tenants_picks_one_after_the_password(app):
    # Given one person owning two merchants (same phone, same password)
    first = signup(app, name="Tea House").owner
    second = signup(app, name="Noodle Bar").owner
    # When they log in with the password
    outcome = password_outcome(app)
    # Then they get no tokens yet but the merchants to pick from, with their roles there
    assert outcome.tokens is None
    options = {(o.tenant_id, o.tenant_name, o.roles) for o in outcome.choice.options}
    assert options == {(first.tenant_id, "Tea House", ("owner",)), (second.tenant_id, "Noodle Bar", ("owner",))}
    assert outcome.choice.expires_at > now()
    # And picking one with the ticket logs them in there, without the password again
    pair = choose(app, outcome.choice.ticket, second.tenant_id)
    actor = TokenVerifier(PUBLIC).verify(pair.access_token)
    assert (actor.staff_id, actor.tenant_id) == (second.id, second.tenant_id)
    # A client that already knows the merchant still logs in there at once
    assert password_login(app, tenant_id=first.tenant_id).staff.id == first.id


def test_i11_choice_lists_only_the_accounts_the_password_opens(app):
    # Given a salesperson with a different password in a second merchant
    signup(app, name="Tea House")
    other_owner = signup(app, phone="13700000001", name="Noodle Bar").owner
    cmd = commands.CreateStaff(name="Boss", phone=OWNER_PHONE, password="other-pass-9", roles=("salesperson",))
    staff.create_staff(app.db.uow(), staff_actor(other_owner), cmd, now=now())
    # Then each password opens only its own account: no choice, no merchant named
    assert password_login(app).staff.roles == ["owner"]
    assert password_login(app, password="other-pass-9").staff.tenant_id == other_owner.tenant_id


def test_i11_a_choice_ticket_opens_one_session_and_a_wrong_pick_keeps_it(app):
    first = signup(app).owner
    signup(app, name="Other")
    ticket = password_outcome(app).choice.ticket
    # A merchant that was not offered is refused naming the field; the ticket stays usable
    with pytest.raises(InvalidInput) as err:
        choose(app, ticket, "not-a-tenant")
    assert err.value.fields == {"tenant_id": "validation.invalid_choice"}
    assert choose(app, ticket, first.tenant_id).staff.id == first.id
    # A copy of the ticket cannot open a second session
    with pytest.raises(Unauthenticated) as err:
        choose(app, ticket, first.tenant_id)
    assert err.value.code == "CHOICE_TICKET_INVALID"


def test_i11_forged_expired_or_foreign_tickets_are_refused(app):
    owner = signup(app).owner
    signup(app, name="Other")
    keys = Keys(app.prefix, "identity")
    forged = ChoiceTickets(generate_keypair()[0], app.redis, keys).issue([owner.id], now=now())
    expired = ChoiceTickets(PRIVATE, app.redis, keys).issue([owner.id], now=now() - timedelta(minutes=6))
    access = TokenIssuer(PRIVATE).issue(kind=STAFF, subject_id=owner.id, ttl=timedelta(minutes=5))[0]
    for ticket in (forged[0], expired[0], access, ""):
        with pytest.raises(Unauthenticated) as err:
            choose(app, ticket, owner.tenant_id)
        assert err.value.code == "CHOICE_TICKET_INVALID"


def test_i11_a_ticket_cannot_pass_as_an_access_token(app):
    signup(app)
    signup(app, name="Other")
    ticket = password_outcome(app).choice.ticket
    with pytest.raises(Unauthenticated) as err:
        TokenVerifier(PUBLIC).verify(ticket)
    assert err.value.code == "TOKEN_INVALID"


def test_i11_a_switched_off_account_is_not_offered_and_cannot_be_picked(app):
    first = signup(app).owner
    second = signup(app, name="Other").owner
    ticket = password_outcome(app).choice.ticket
    _switch_off(app, second)
    with pytest.raises(PermissionDenied) as err:
        choose(app, ticket, second.tenant_id)
    assert err.value.code == "STAFF_INACTIVE"
    # With one active account left, the login goes straight in
    assert password_login(app).staff.id == first.id


def _switch_off(app, member):
    with app.db.uow() as uow:
        uow.session.execute(update(Staff).where(Staff.id == member.id).values(active=False))
        uow.commit()


def test_i11_password_guessing_from_one_source_does_not_lock_out_another(app):
    # Given a stranger who tried ten wrong passwords for the owner's phone from their address
    signup(app)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            password_login(app, password="wrong-pass-1", source=STRANGER)
    # Then the stranger's eleventh try is refused, even with the right password
    with pytest.raises(QuotaExceeded) as err:
        password_login(app, source=STRANGER)
    assert err.value.code == "TOO_MANY_ATTEMPTS" and int(err.value.params["retry_after"]) > 0
    # And the owner logs in from the shop, and by SMS code from the stranger's address as well
    assert password_login(app, source=SOURCE).access_token
    assert code_login(app, OWNER_PHONE, sent_code(app, OWNER_PHONE, source=STRANGER), source=STRANGER)


def test_i11_guessing_spread_over_many_sources_spares_the_owners_shop(app):
    # Given the owner logged in from the shop before, and a per-phone limit of 5 wrong passwords
    signup(app)
    password_login(app, source=SOURCE)
    limits = Limits(passwords_per_phone=Limit(5, 900))
    app.ports.attempts.limits = limits
    # When five addresses try one wrong password each
    for i in range(5):
        with pytest.raises(Unauthenticated):
            password_login(app, password="wrong-pass-1", source=f"203.0.113.{i}")
    # Then a sixth address waits, while the shop logs in
    with pytest.raises(QuotaExceeded) as err:
        password_login(app, source="192.0.2.1")
    assert err.value.code == "TOO_MANY_ATTEMPTS"
    assert password_login(app, source=SOURCE).access_token


def test_a2_inactive_staff_is_refused(app):
    owner = signup(app).owner
    _switch_off(app, owner)
    with pytest.raises(PermissionDenied) as err:
        password_login(app)
    assert err.value.code == "STAFF_INACTIVE"


def test_a2_sms_code_login(app):
    owner = signup(app).owner
    app.sender.sent.clear()
    sent = request_code(app, OWNER_PHONE)
    assert (sent.expires_in_seconds, sent.resend_after_seconds) == (300, 60)
    ((phone, code, key),) = app.sender.sent
    assert phone == OWNER_PHONE and len(code) == 6 and code.isdigit() and key
    assert code_login(app, OWNER_PHONE, code).staff.id == owner.id
    # Redis keeps only a hash of the code.
    assert not any(code in str(app.redis.hgetall(k)) for k in app.redis.scan_iter(f"{app.prefix}*code*"))


def test_a2_sms_code_is_used_once(app):
    signup(app)
    code = sent_code(app, OWNER_PHONE)
    code_login(app, OWNER_PHONE, code)
    with pytest.raises(Unauthenticated) as err:
        code_login(app, OWNER_PHONE, code)
    assert err.value.code == "CODE_EXPIRED"


def test_a2_second_sms_request_within_a_minute_is_refused(app):
    signup(app)
    app.sender.sent.clear()
    request_code(app, OWNER_PHONE)
    with pytest.raises(QuotaExceeded) as err:
        request_code(app, OWNER_PHONE)
    assert err.value.code == "SMS_TOO_FREQUENT"
    assert 0 < int(err.value.params["retry_after"]) <= 60
    assert len(app.sender.sent) == 1


def test_a2_unknown_phone_gets_the_same_answer_but_no_login_sms(app):
    signup(app)
    app.sender.sent.clear()
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
    code = sent_code(app, OWNER_PHONE)
    for _ in range(5):
        with pytest.raises(Unauthenticated) as err:
            code_login(app, OWNER_PHONE, wrong(code))
        assert err.value.code == "INVALID_CODE"
    for attempt in (wrong(code), code):  # the sixth try fails even with the right code
        with pytest.raises(Unauthenticated) as err:
            code_login(app, OWNER_PHONE, attempt)
        assert err.value.code == "CODE_EXPIRED"


def test_a2_sms_daily_limit(app):
    signup(app)  # one code today already: the sign-up code
    app.sender.sent.clear()
    cooldown_key = f"{app.prefix}identity:sms:cooldown:login:{OWNER_PHONE}"
    for _ in range(9):
        request_code(app, OWNER_PHONE)
        app.redis.delete(cooldown_key)  # as if a minute had passed
    with pytest.raises(QuotaExceeded) as err:
        request_code(app, OWNER_PHONE)
    assert err.value.code == "SMS_DAILY_LIMIT" and int(err.value.params["retry_after"]) > 0
    assert len(app.sender.sent) == 9


def test_i11_sms_login_in_two_tenants_offers_a_choice(app):
    signup(app)
    second = signup(app, name="Other").owner
    code = sent_code(app, OWNER_PHONE)
    outcome = code_outcome(app, OWNER_PHONE, code)
    assert outcome.tokens is None and len(outcome.choice.options) == 2
    # The code is used up: the choice ticket carries the proof from here on
    with pytest.raises(Unauthenticated):
        code_login(app, OWNER_PHONE, code)
    assert choose(app, outcome.choice.ticket, second.tenant_id).staff.id == second.id


def test_a2_sms_code_for_inactive_staff_is_not_sent(app):
    owner = signup(app).owner
    _switch_off(app, owner)
    app.sender.sent.clear()
    request_code(app, OWNER_PHONE)
    assert app.sender.sent == []


def test_i11_sms_codes_are_limited_per_source_inside_the_service(app):
    # Given a service-level limit of 2 codes an hour per source
    ports = dataclasses.replace(app.ports, limits=Limits(sms_codes_per_source=Limit(2, 3600)))
    request_code(app, "13900000001", source=STRANGER, ports=ports)
    request_code(app, "13900000002", source=STRANGER, ports=ports)
    # When the same source asks for a third phone (as a gRPC caller without the gateway would)
    with pytest.raises(QuotaExceeded) as err:
        request_code(app, "13900000003", source=STRANGER, ports=ports)
    # Then it waits, while another source is served
    assert err.value.code == "SMS_TOO_FREQUENT" and int(err.value.params["retry_after"]) > 0
    assert request_code(app, "13900000003", source=SOURCE, ports=ports).expires_in_seconds == 300
