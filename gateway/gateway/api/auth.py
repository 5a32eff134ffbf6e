"""Login (password or SMS code), token refresh, logout and the caller's own profile."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as pb
from gateway.api.common import SECURED, call
from gateway.api.identity_schemas import (
    PasswordLoginIn,
    RefreshTokenIn,
    SmsCodeIn,
    SmsCodeOut,
    SmsLoginIn,
    StaffOut,
    TokenPairOut,
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
@bp.output(TokenPairOut)
def login_with_password(body):
    """Log in with phone and password

    Returns a short-lived access token (send it as `Authorization: Bearer <token>`) and a
    refresh token. `tenant_id` is needed only when the phone belongs to staff of several tenants.
    """
    request = pb.LoginWithPasswordRequest(
        phone=body["phone"], password=body["password"], tenant_id=body.get("tenant_id", "")
    )
    return token_pair_dict(call("identity", "LoginWithPassword", request))


@bp.post("/auth/sms-codes")
@bp.doc(operation_id="requestSmsCode", responses=AUTH_ERRORS)
@public_limit
@bp.input(SmsCodeIn, arg_name="body")
@bp.output(SmsCodeOut, status_code=202)
def request_sms_code(body):
    """Send a login code by SMS

    The 6-digit code is valid 5 minutes; one send a minute and 10 a day per phone.
    """
    reply = call("identity", "RequestSmsCode", pb.RequestSmsCodeRequest(phone=body["phone"], purpose=body["purpose"]))
    return {"expires_in_seconds": reply.expires_in_seconds, "resend_after_seconds": reply.resend_after_seconds}


@bp.post("/auth/login/sms")
@bp.doc(operation_id="loginWithSmsCode", responses=AUTH_ERRORS)
@public_limit
@bp.input(SmsLoginIn, arg_name="body")
@bp.output(TokenPairOut)
def login_with_sms_code(body):
    """Log in with phone and SMS code"""
    request = pb.LoginWithSmsCodeRequest(phone=body["phone"], code=body["code"], tenant_id=body.get("tenant_id", ""))
    return token_pair_dict(call("identity", "LoginWithSmsCode", request))


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
        call("identity", "RefreshToken", pb.RefreshTokenRequest(refresh_token=body["refresh_token"]))
    )


@bp.post("/auth/logout")
@bp.doc(operation_id="logout", security=SECURED, responses=[400, 401, 429, 503])
@staff_only
@bp.input(RefreshTokenIn, arg_name="body")
@bp.output({}, status_code=204)
def logout(body):
    """Log out: revoke the refresh token's session"""
    call("identity", "Logout", pb.LogoutRequest(refresh_token=body["refresh_token"]))
    return ""


@bp.get("/me")
@bp.doc(operation_id="getMe", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(StaffOut)
def get_me():
    """The logged-in staff member, with roles, permission switches, stores and seat"""
    return staff_dict(call("identity", "GetMe", pb.GetMeRequest()))
