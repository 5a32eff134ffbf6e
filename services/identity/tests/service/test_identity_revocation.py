"""Issue 11 / R6: logout, a reused refresh token and a switch taken away end the session's access
tokens at once (crmkit's revoked-session store, real Redis), checked by a verifier as every
service and the gateway build it; identity's own gRPC port refuses them too."""

from __future__ import annotations

import pytest
from identity_testkit import PASSWORD, PUBLIC, SOURCE, add_staff, grpc_login, grpc_signup, now, signup, staff_actor
from sqlalchemy import select

from crm.identity.v1 import identity_pb2 as pb
from crmkit.auth import TokenVerifier
from crmkit.errors import Conflict, PermissionDenied, Unauthenticated, Unavailable
from identity.models import AuditLog
from identity.service import commands, login, sessions, staff, staff_status

SELLER_PHONE = "13900000001"


@pytest.fixture
def verifier(app):
    return TokenVerifier(PUBLIC, revoked=app.ports.revoked)


def log_in(app, phone=SELLER_PHONE):
    cmd = commands.LoginWithPassword(phone=phone, password=PASSWORD)
    return login.login_with_password(app.db.uow(), app.ports, cmd, now=now(), source=SOURCE).tokens


def refresh(app, token):
    return sessions.refresh(app.db.uow(), app.ports.issuer, app.ports.revoked, token, now=now())


def set_switches(app, owner, member, switches):
    cmd = commands.SetStaffPermissions(staff_id=member.id, permissions=tuple(switches))
    return staff.set_staff_permissions(app.db.uow(), staff_actor(owner), cmd, now=now(), revoked=app.ports.revoked)


def assert_revoked(verifier, token):
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(token)
    assert err.value.code == "TOKEN_REVOKED"


@pytest.fixture
def seller(app):
    owner = signup(app).owner
    return owner, add_staff(app, owner, phone=SELLER_PHONE, permissions=("change_price", "see_all_customers"))


def test_r6_logout_ends_the_access_token_at_once(app, verifier, seller):
    # Given a salesperson logged in on a phone and on the PC
    phone, pc = log_in(app), log_in(app)
    assert verifier.verify(phone.access_token).staff_id == seller[1].id
    # When they log out on the phone
    sessions.logout(app.db.uow(), app.ports.revoked, phone.refresh_token, now=now())
    # Then the phone's access token is refused, the PC's session goes on
    assert_revoked(verifier, phone.access_token)
    assert verifier.verify(pc.access_token).staff_id == seller[1].id


def test_r6_a_reused_refresh_token_ends_the_sessions_access_tokens(app, verifier, seller):
    first = log_in(app)
    second = refresh(app, first.refresh_token)
    # The rotated token comes back (a copy leaked): the whole session ends, access tokens too
    with pytest.raises(Unauthenticated) as err:
        refresh(app, first.refresh_token)
    assert err.value.code == "REFRESH_TOKEN_REUSED"
    for token in (first.access_token, second.access_token):
        assert_revoked(verifier, token)


def test_r6_a_switch_taken_away_ends_older_tokens_and_the_refresh_lacks_it(app, verifier, seller):
    owner, member = seller
    # Given the salesperson's live sessions, both carrying change_price
    phone, pc = log_in(app), log_in(app)
    assert verifier.verify(phone.access_token).can("change_price")
    # When the owner takes change_price away
    set_switches(app, owner, member, ["see_all_customers"])
    # Then every older token of theirs is refused at once
    assert_revoked(verifier, phone.access_token)
    assert_revoked(verifier, pc.access_token)
    # And the refresh the client then makes gives a token without the switch, which passes
    renewed = verifier.verify(refresh(app, phone.refresh_token).access_token)
    assert renewed.permissions == {"see_all_customers"} and renewed.staff_id == member.id


def test_r6_a_switch_given_revokes_nothing(app, verifier, seller):
    owner, member = seller
    pair = log_in(app)
    set_switches(app, owner, member, ["change_price", "see_all_customers", "approve_collections"])
    assert verifier.verify(pair.access_token).permissions == {"change_price", "see_all_customers"}


def test_r6_other_peoples_sessions_are_untouched(app, verifier, seller):
    owner, member = seller
    other = add_staff(app, owner, phone="13900000002", permissions=("change_price",))
    theirs = log_in(app, phone="13900000002")
    set_switches(app, owner, member, [])
    assert verifier.verify(theirs.access_token).staff_id == other.id


def test_r6_a_switch_change_that_cannot_be_revoked_is_not_saved(app, verifier, seller):
    # Given Redis refusing writes (the revocation store is down)
    owner, member = seller
    log_in(app)

    class DownStore:
        def revoke(self, *_a, **_kw):
            raise Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")

    cmd = commands.SetStaffPermissions(staff_id=member.id, permissions=())
    with pytest.raises(Unavailable):
        staff.set_staff_permissions(app.db.uow(), staff_actor(owner), cmd, now=now(), revoked=DownStore())
    # Then the switches stay as they were: the owner retries, rather than believe it took effect
    assert staff.get_staff(app.db.uow(), staff_actor(owner), member.id).permissions == [
        "change_price",
        "see_all_customers",
    ]


def test_r6_identity_grpc_port_refuses_a_token_after_logout(grpc_app):
    app, client = grpc_app
    grpc_signup(grpc_app)
    pair = grpc_login(client)
    assert client.call("GetMe", pb.GetMeRequest(), token=pair.access_token).phone == "13800000001"
    client.call("Logout", pb.LogoutRequest(refresh_token=pair.refresh_token))
    with pytest.raises(Unauthenticated) as err:
        client.call("GetMe", pb.GetMeRequest(), token=pair.access_token)
    assert err.value.code == "TOKEN_REVOKED"


def set_active(app, owner, member, active):
    cmd = commands.SetStaffActive(staff_id=member.id, active=active)
    return staff_status.set_staff_active(app.db.uow(), staff_actor(owner), cmd, now=now(), revoked=app.ports.revoked)


def test_r6_an_account_switched_off_ends_its_sessions_at_once(app, verifier, seller):
    owner, member = seller
    pair = log_in(app)
    # When the owner switches the salesperson's account off
    assert set_active(app, owner, member, False).active is False
    # Then the access token is refused, the refresh token is dead, and login is refused
    assert_revoked(verifier, pair.access_token)
    with pytest.raises(Unauthenticated) as err:
        refresh(app, pair.refresh_token)
    assert err.value.code == "REFRESH_TOKEN_INVALID"
    with pytest.raises(PermissionDenied) as err:
        log_in(app)
    assert err.value.code == "STAFF_INACTIVE"
    # And switched on again, the person logs in afresh; the change log has both steps
    set_active(app, owner, member, True)
    assert verifier.verify(log_in(app).access_token).staff_id == member.id
    assert audit_actions(app, member.id)[-2:] == ["staff.deactivated", "staff.activated"]


def test_r6_only_the_owner_switches_accounts_and_never_their_own(app, seller):
    owner, member = seller
    with pytest.raises(PermissionDenied):
        set_active(app, member, owner, False)
    with pytest.raises(Conflict) as err:
        set_active(app, owner, owner, False)
    assert err.value.code == "OWNER_ALWAYS_ACTIVE"
    assert log_in(app, phone="13800000001").staff.active


def audit_actions(app, staff_id: str) -> list[str]:
    with app.db.uow() as uow:
        query = select(AuditLog.action).where(AuditLog.object_id == staff_id).order_by(AuditLog.created_at)
        return list(uow.session.scalars(query))
