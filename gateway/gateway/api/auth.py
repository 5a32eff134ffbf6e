"""Login (password or SMS code, then a choice of merchant when the phone has several), token
refresh, logout and the caller's own profile.

The public calls go to identity under the gateway's service token with the client's address
(`call_public`): identity limits guessing per phone and address, not per phone alone (issue 11).
"""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as pb
from gateway.api.calls import call, call_public
from gateway.api.common import SECURED
from gateway.api.identity_schemas import (
    ChooseTenantIn,
    LoginOut,
    PasswordLoginIn,
    RefreshTokenIn,
    SmsCodeIn,
    SmsCodeOut,
    SmsLoginIn,
    StaffOut,
    TokenPairOut,
    login_dict,
    staff_dict,
    token_pair_dict,
)
from gateway.auth import staff_only
from gateway.ratelimit import public_limit

bp = APIBlueprint("auth", __name__, tag="Auth", url_prefix="/api/v1")
AUTH_ERRORS = [400, 401, 403, 429, 503]


@bp.post("/auth/login/password")
@bp.doc(operation_id="loginWithPassword", responses=AUTH_ERRORS)
@public_limit
@bp.input(PasswordLoginIn, arg_name="body")
@bp.output(LoginOut)
def login_with_password(body):
    """Log in with phone and password

    `outcome: logged_in`: a short-lived access token (send it as `Authorization: Bearer <token>`)
    and a refresh token. `outcome: choose_tenant`: the phone is staff of several merchants that
    this password opens; `choice.tenants` lists them (name, the person's roles there) and
    `choice.ticket` picks one with `POST /auth/login/choose`. Ten wrong passwords for a phone
    from one address lock that address out of it for 15 minutes (429 `TOO_MANY_ATTEMPTS`);
    other addresses, and SMS-code login, are not affected.
    """
    request = pb.LoginWithPasswordRequest(
        phone=body["phone"], password=body["password"], tenant_id=body.get("tenant_id", "")
    )
    return login_dict(call_public("identity", "LoginWithPassword", request))


@bp.post("/auth/sms-codes")
@bp.doc(operation_id="requestSmsCode", responses=AUTH_ERRORS)
@public_limit
@bp.input(SmsCodeIn, arg_name="body")
@bp.output(SmsCodeOut, status_code=202)
def request_sms_code(body):
    """Send a login or sign-up code by SMS

    The 6-digit code is valid 5 minutes; one send a minute per purpose and 10 a day per phone.
    `purpose: login` codes reach staff only; `signup` codes reach any phone (the owner of a
    merchant signing up proves it with `POST /tenants`). The answer is the same either way.
    """
    request = pb.RequestSmsCodeRequest(phone=body["phone"], purpose=body["purpose"])
    reply = call_public("identity", "RequestSmsCode", request)
    return {"expires_in_seconds": reply.expires_in_seconds, "resend_after_seconds": reply.resend_after_seconds}


@bp.post("/auth/login/sms")
@bp.doc(operation_id="loginWithSmsCode", responses=AUTH_ERRORS)
@public_limit
@bp.input(SmsLoginIn, arg_name="body")
@bp.output(LoginOut)
def login_with_sms_code(body):
    """Log in with phone and SMS code

    Answers like the password login: tokens, or the merchants to pick from. The code is used up
    either way; the choice ticket carries the proof to `POST /auth/login/choose`.
    """
    request = pb.LoginWithSmsCodeRequest(phone=body["phone"], code=body["code"], tenant_id=body.get("tenant_id", ""))
    return login_dict(call_public("identity", "LoginWithSmsCode", request))


@bp.post("/auth/login/choose")
@bp.doc(operation_id="chooseTenant", responses=AUTH_ERRORS)
@public_limit
@bp.input(ChooseTenantIn, arg_name="body")
@bp.output(TokenPairOut)
def choose_tenant(body):
    """Finish a login by picking the merchant

    `ticket` is the login answer's `choice.ticket` (5 minutes, one login); `tenant_id` one of
    its `choice.tenants`. A merchant not offered is 400 naming `tenant_id`; an expired or used
    ticket is 401 `CHOICE_TICKET_INVALID` (log in again).
    """
    request = pb.ChooseTenantRequest(ticket=body["ticket"], tenant_id=body["tenant_id"])
    return token_pair_dict(call_public("identity", "ChooseTenant", request))


@bp.post("/auth/refresh")
@bp.doc(operation_id="refreshToken", responses=AUTH_ERRORS)
@public_limit
@bp.input(RefreshTokenIn, arg_name="body")
@bp.output(TokenPairOut)
def refresh_token(body):
    """Exchange a refresh token for a new token pair

    The old refresh token stops working; presenting a rotated one again ends the whole session.
    """
    return token_pair_dict(
        call_public("identity", "RefreshToken", pb.RefreshTokenRequest(refresh_token=body["refresh_token"]))
    )


@bp.post("/auth/logout")
@bp.doc(operation_id="logout", security=SECURED, responses=[400, 401, 429, 503])
@staff_only
@bp.input(RefreshTokenIn, arg_name="body")
@bp.output({}, status_code=204)
def logout(body):
    """Log out: end the refresh token's session

    Its access tokens stop working at once, at the gateway and at every service.
    """
    call("identity", "Logout", pb.LogoutRequest(refresh_token=body["refresh_token"]))
    return ""


@bp.get("/me")
@bp.doc(operation_id="getMe", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(StaffOut)
def get_me():
    """The logged-in staff member, with roles, permission switches, stores and seat"""
    return staff_dict(call("identity", "GetMe", pb.GetMeRequest()))
