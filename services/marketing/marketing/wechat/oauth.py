"""WeChat web-page authorization (网页授权) for official accounts, written to the published API:

1. the reader's browser goes to
   `{open}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_userinfo&state=…#wechat_redirect`
   and, once they agree, back to redirect_uri with `code` (valid 5 minutes, once) and `state`;
2. `GET {api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` →
   access_token, openid, unionid (when the account is bound to an Open Platform account);
3. `GET {api}/sns/userinfo?access_token&openid&lang=zh_CN` → nickname, headimgurl, unionid.

Every failure is a JSON body with `errcode`/`errmsg` (HTTP 200).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import requests

from .port import ANY_BROWSER, IN_WECHAT, WechatCodeRejected, WechatUnavailable, WechatUser

log = logging.getLogger(__name__)

OPEN_URL = "https://open.weixin.qq.com"
API_URL = "https://api.weixin.qq.com"
SCOPE = "snsapi_userinfo"
TIMEOUT = (3.0, 5.0)

# The reader's code is spent or was never good: they log in again for a new one.
# 40029 invalid code, 40163 code been used, 42003 code timeout.
CODE_REJECTED = frozenset({40029, 40163, 42003})
# Our app's credentials refused: the operator's to fix (logged loudly), the reader can only wait.
# 40013 invalid appid, 40125 invalid appsecret, 40001 invalid credential, 41002/41004 missing.
MISCONFIGURED = frozenset({40013, 40125, 40001, 41002, 41004})


class WechatOAuth:
    """`WechatLogin` for one official account. Create once: it keeps one HTTP session."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        open_url: str = OPEN_URL,
        api_url: str = API_URL,
        browsers: str = IN_WECHAT,
        session: requests.Session | None = None,
    ) -> None:
        self.app_id = app_id
        self._secret = app_secret
        self.open_url = open_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.browsers = browsers
        self._http = session or requests.Session()

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        # The parameters in this order, and the fragment: WeChat documents the page so.
        query = urlencode(
            {
                "appid": self.app_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": SCOPE,
                "state": state,
            }
        )
        return f"{self.open_url}/connect/oauth2/authorize?{query}#wechat_redirect"

    def user_for_code(self, code: str) -> WechatUser:
        token = self._get(
            "/sns/oauth2/access_token",
            {"appid": self.app_id, "secret": self._secret, "code": code, "grant_type": "authorization_code"},
        )
        if token.get("is_snapshotuser") == 1:
            # The "snapshot page" of a shared link: a virtual openid, not the person.
            raise WechatCodeRejected(0, "snapshot-page user: open the full page to log in")
        openid, access_token = str(token.get("openid") or ""), str(token.get("access_token") or "")
        if not openid or not access_token:
            raise WechatUnavailable(-1, "access_token answer without openid or access_token")
        info = self._get("/sns/userinfo", {"access_token": access_token, "openid": openid, "lang": "zh_CN"})
        return WechatUser(
            openid=openid,
            unionid=str(info.get("unionid") or token.get("unionid") or ""),
            nickname=str(info.get("nickname") or ""),
            avatar_url=str(info.get("headimgurl") or ""),
        )

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.get(f"{self.api_url}{path}", params=params, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise WechatUnavailable(-1, f"{path}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise WechatUnavailable(-1, f"{path}: HTTP {response.status_code}")
        try:
            # WeChat answers JSON as text/plain at times: decode the bytes as UTF-8 ourselves.
            body = json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WechatUnavailable(-1, f"{path}: HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict):
            raise WechatUnavailable(-1, f"{path}: unexpected answer")
        errcode = int(body.get("errcode") or 0)
        if errcode == 0:
            return body
        errmsg = str(body.get("errmsg") or "")
        if errcode in CODE_REJECTED:
            raise WechatCodeRejected(errcode, errmsg)
        if errcode in MISCONFIGURED:
            log.error("WeChat refused this app's credentials (%s %s): check WECHAT_APP_ID/SECRET", errcode, errmsg)
        raise WechatUnavailable(errcode, errmsg)


def login_from_env(environ) -> WechatOAuth | None:
    """The adapter the environment configures, or None (no WECHAT_APP_ID: no WeChat login)."""
    app_id = (environ.get("WECHAT_APP_ID") or "").strip()
    if not app_id:
        return None
    secret = (environ.get("WECHAT_APP_SECRET") or "").strip()
    if not secret:
        raise RuntimeError("WECHAT_APP_ID is set but WECHAT_APP_SECRET is empty")
    return WechatOAuth(
        app_id=app_id,
        app_secret=secret,
        open_url=environ.get("WECHAT_OPEN_URL") or OPEN_URL,
        api_url=environ.get("WECHAT_API_URL") or API_URL,
        browsers=ANY_BROWSER if environ.get("WECHAT_LOGIN_ANY_BROWSER") == "true" else IN_WECHAT,
    )
