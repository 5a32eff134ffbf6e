"""Readers log in with WeChat (D2, C7; ADR 0018): the gateway is the browser's side of WeChat's
web-page authorization, the marketing service the server's side (it holds the app secret).

    GET /s/<token>/wechat        (or /c/<token>/wechat for a card)
        a fresh random state in an HttpOnly cookie scoped to this share's login path, then 302
        to WeChat's authorization page (the URL marketing builds with its app id)
    GET /s/<token>/wechat/back?code&state
        the state must be the cookie's (else 400: a login this browser did not start, e.g. a
        forged link that would log the reader in as someone else); marketing exchanges the code
        for the visitor of this browser (the crm_vk cookie); back to the page

The state is one use: the cookie is cleared on the way back, whatever happens.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Response, redirect, request

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable
from gateway.api.calls import call_public
from gateway.api.common import public_url
from gateway.reader import VISITOR_COOKIE, message_page

bp = Blueprint("reader_wechat", __name__)
STATE_COOKIE = "crm_wx_state"
# WeChat's codes live 5 minutes; a consent page left open longer starts again.
STATE_SECONDS = 600
KINDS = "<any(s, c):kind>/<string:token>"


def _cookie_path(kind: str, token: str) -> str:
    return f"/{kind}/{token}/wechat"


def _refused(err: Exception, kind: str, token: str) -> Response:
    retry = _cookie_path(kind, token)
    if isinstance(err, InvalidInput):
        return message_page("error.wechat_code_invalid", 400, link=retry, link_key="reader.wechat_retry")
    if isinstance(err, Unavailable):
        return message_page("error.wechat_unavailable", 503, link=f"/{kind}/{token}", link_key="reader.wechat_back")
    if isinstance(err, Conflict):
        return message_page("error.wechat_login_off", 404, link=f"/{kind}/{token}", link_key="reader.wechat_back")
    return message_page("reader.not_found", 404)


@bp.get(f"/{KINDS}/wechat")
def start(kind: str, token: str):
    if not request.cookies.get(VISITOR_COOKIE):
        # The login names the visitor this browser is; one who never opened the page has none yet.
        return redirect(f"/{kind}/{token}", 302)
    state = secrets.token_hex(16)
    try:
        started = call_public(
            "marketing",
            "StartWechatLogin",
            pb.StartWechatLoginRequest(
                token=token, redirect_uri=public_url(f"{kind}/{token}/wechat/back"), state=state
            ),
        )
    except (NotFound, Conflict, InvalidInput) as err:
        return _refused(err, kind, token)
    response = redirect(started.url, 302)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_SECONDS,
        path=_cookie_path(kind, token),
        httponly=True,
        # Lax: sent on WeChat's top-level redirect back to us, never on a cross-site subrequest.
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def _state_matches() -> bool:
    expected = request.cookies.get(STATE_COOKIE, "").encode()
    given = request.args.get("state", "").encode()
    return bool(expected) and hmac.compare_digest(expected, given)


@bp.get(f"/{KINDS}/wechat/back")
def back(kind: str, token: str):
    visitor_key = request.cookies.get(VISITOR_COOKIE, "")
    code = request.args.get("code", "")
    if not _state_matches() or not visitor_key:
        response = message_page("reader.wechat_state", 400, link=f"/{kind}/{token}", link_key="reader.wechat_back")
    elif not code:
        # The reader declined on WeChat's page: back to reading, nothing changed.
        response = redirect(f"/{kind}/{token}", 302)
    else:
        try:
            call_public(
                "marketing",
                "WechatLogin",
                pb.WechatLoginRequest(token=token, visitor_key=visitor_key, code=code),
            )
            response = redirect(f"/{kind}/{token}", 302)
        except (NotFound, Conflict, InvalidInput, Unavailable) as err:
            response = _refused(err, kind, token)
    response.delete_cookie(STATE_COOKIE, path=_cookie_path(kind, token))
    response.headers["Cache-Control"] = "no-store"
    return response
