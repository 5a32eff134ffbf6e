"""The WeChat login port: what the marketing service needs from WeChat's web-page authorization.

Use cases depend on `WechatLogin` only; `oauth.WechatOAuth` implements it (pointed at WeChat, or
at the local fake). The errors tell the caller the one thing it must decide: ask the reader to
log in again (the code is spent or was never good) or try later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Where the authorization page works: WeChat's own only opens inside WeChat's browser.
IN_WECHAT = "wechat"
ANY_BROWSER = "any"


@dataclass(frozen=True)
class WechatUser:
    openid: str
    # Empty when the official account is not bound to an Open Platform account.
    unionid: str
    nickname: str
    avatar_url: str


class WechatError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode}: {errmsg}" if errmsg else str(errcode))
        self.errcode = errcode
        self.errmsg = errmsg


class WechatCodeRejected(WechatError):
    """The code cannot be exchanged (40029 invalid, 40163 used, 42003 expired, or a snapshot-page
    user): the reader logs in again for a new one."""


class WechatUnavailable(WechatError):
    """WeChat could not be reached, failed on its side (-1 system busy, 5xx), or refused our app's
    credentials (40013, 40125: the operator's to fix). Retrying the same code may not work."""


class WechatLogin(Protocol):
    # IN_WECHAT or ANY_BROWSER: where the page should offer the login.
    browsers: str

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """The authorization page the reader's browser is sent to."""
        ...

    def user_for_code(self, code: str) -> WechatUser:
        """Exchange a code for the user; WechatCodeRejected or WechatUnavailable on failure."""
        ...
