"""A2 refresh tokens (rotation, reuse, logout, races) and A3 seats (trial, payment)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from identity_testkit import PASSWORD, SOURCE, add_staff, now, service_actor, signup, staff_actor
from sqlalchemy import func, select

from crmkit.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from identity.models import Outbox, RefreshToken, SeatPayment
from identity.service import commands, login, seats, sessions

SELLER_PHONE = "13900000001"


def password_login(app, phone="13800000001", at=None):
    cmd = commands.LoginWithPassword(phone=phone, password=PASSWORD)
    return login.login_with_password(app.db.uow(), app.ports, cmd, now=at or now(), source=SOURCE).tokens


def refresh(app, token, at=None):
    return sessions.refresh(app.db.uow(), app.ports.issuer, app.ports.revoked, token, now=at or now())


def pay(app, tenant_id, staff_id, reference="pay-1", months=1, at=None, actor=None):
    cmd = commands.RecordSeatPayment(staff_id=staff_id, months=months, amount_fen=9900, payment_reference=reference)
    return seats.record_seat_payment(app.db.uow(), actor or service_actor(tenant_id), cmd, now=at or now())


def test_a2_refresh_rotates_the_token(app):
    signup(app)
    first = password_login(app)
    second = refresh(app, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = refresh(app, second.refresh_token)
    assert third.staff.id == first.staff.id


def test_a2_reused_refresh_token_revokes_the_whole_session(app):
    signup(app)
    first = password_login(app)
    second = refresh(app, first.refresh_token)
    with pytest.raises(Unauthenticated) as err:
        refresh(app, first.refresh_token)  # someone replays the rotated token
    assert err.value.code == "REFRESH_TOKEN_REUSED"
    with pytest.raises(Unauthenticated) as err:
        refresh(app, second.refresh_token)  # the legitimate holder is logged out too
    assert err.value.code == "REFRESH_TOKEN_INVALID"


def test_a2_unknown_and_expired_refresh_tokens_are_invalid(app):
    signup(app)
    start = now()
    pair = password_login(app, at=start)
    for token, at in (("not-a-token", start), (pair.refresh_token, start + timedelta(days=30, seconds=1))):
        with pytest.raises(Unauthenticated) as err:
            refresh(app, token, at=at)
        assert err.value.code == "REFRESH_TOKEN_INVALID"


def test_a2_logout_revokes_the_session_and_only_it(app):
    signup(app)
    phone_session = password_login(app)
    pc_session = password_login(app)
    sessions.logout(app.db.uow(), app.ports.revoked, phone_session.refresh_token, now=now())
    with pytest.raises(Unauthenticated) as err:
        refresh(app, phone_session.refresh_token)
    assert err.value.code == "REFRESH_TOKEN_INVALID"
    assert refresh(app, pc_session.refresh_token).refresh_token
    sessions.logout(app.db.uow(), app.ports.revoked, phone_session.refresh_token, now=now())  # again: no error


def test_a2_two_concurrent_refreshes_with_one_token_exactly_one_succeeds(app):
    signup(app)
    token = password_login(app).refresh_token
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            refresh(app, token)
            outcomes.append("ok")
        except Unauthenticated as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    # The first loser finds the token used and burns the session; later ones find it revoked.
    assert outcomes.count("REFRESH_TOKEN_REUSED") >= 1
    assert set(outcomes) <= {"ok", "REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_INVALID"}
    with app.db.uow() as uow:
        # One rotation happened: the original token and the single successor.
        assert uow.session.scalar(select(func.count()).select_from(RefreshToken)) == 2


def test_a3_expired_trial_seat_cannot_log_in(app):
    owner = signup(app).owner
    created = now() - timedelta(days=31)
    add_staff(app, owner, phone=SELLER_PHONE, at=created)
    with pytest.raises(PermissionDenied) as err:
        password_login(app, phone=SELLER_PHONE)
    assert err.value.code == "SEAT_EXPIRED"
    # The last trial day still works.
    assert password_login(app, phone=SELLER_PHONE, at=created + timedelta(days=29, hours=23)).access_token


def test_a3_seat_expiring_during_a_session_stops_refresh(app):
    owner = signup(app).owner
    created = now()
    add_staff(app, owner, phone=SELLER_PHONE, at=created)
    pair = password_login(app, phone=SELLER_PHONE, at=created + timedelta(days=29))
    with pytest.raises(PermissionDenied) as err:
        refresh(app, pair.refresh_token, at=created + timedelta(days=30, minutes=1))
    assert err.value.code == "SEAT_EXPIRED"


def test_a3_payment_extends_from_the_end_of_the_trial_and_is_idempotent(app):
    owner = signup(app).owner
    created = now()
    seller = add_staff(app, owner, phone=SELLER_PHONE, at=created)
    seat = pay(app, owner.tenant_id, seller.id, months=2, at=created + timedelta(days=10))
    trial_end = created + timedelta(days=30)
    assert seat.paid_until > trial_end + timedelta(days=58)
    again = pay(app, owner.tenant_id, seller.id, months=2, at=created + timedelta(days=11))
    assert again.paid_until == seat.paid_until
    with app.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SeatPayment)) == 1
        assert uow.session.scalars(select(Outbox.type)).all().count("seat_paid") == 1
    # Paid, the salesperson logs in after the trial.
    assert password_login(app, phone=SELLER_PHONE, at=trial_end + timedelta(days=5)).access_token


def test_a3_lapsed_seat_is_paid_from_today(app):
    owner = signup(app).owner
    created = now() - timedelta(days=100)
    seller = add_staff(app, owner, phone=SELLER_PHONE, at=created)
    today = now()
    seat = pay(app, owner.tenant_id, seller.id, months=1, at=today)
    assert today + timedelta(days=28) <= seat.paid_until <= today + timedelta(days=31)
    assert password_login(app, phone=SELLER_PHONE).access_token


def test_a3_only_services_record_payments_for_salespeople(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone=SELLER_PHONE)
    with pytest.raises(PermissionDenied):
        pay(app, owner.tenant_id, seller.id, actor=staff_actor(owner))
    with pytest.raises(Conflict) as err:
        pay(app, owner.tenant_id, owner.id)
    assert err.value.code == "NO_SEAT"
    with pytest.raises(InvalidInput) as err:
        pay(app, owner.tenant_id, seller.id, months=0)
    assert err.value.fields == {"months": "validation.invalid"}
    other = add_staff(app, owner, phone="13900000002")
    pay(app, owner.tenant_id, seller.id, reference="pay-9")
    with pytest.raises(InvalidInput) as err:
        pay(app, owner.tenant_id, other.id, reference="pay-9")
    assert err.value.code == "PAYMENT_REFERENCE_REUSED"
