"""Readers who log in with WeChat (D2, C7; ADR 0018). The gateway sends the reader to WeChat's
authorization page and brings back the code; this service holds the app secret, exchanges the
code, and keeps WeChat's identity on the visitor. A unionID WeChat names for the first time is
published as visitor_identified: the customers service keeps one lead per unionID or phone."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable

from .. import events
from ..domain import shares
from ..errors import ErrorCode
from ..models import ArticleRow, VisitorRow
from ..wechat.port import WechatCodeRejected, WechatLogin, WechatUnavailable, WechatUser
from .access import require_service
from .sharing import live_item, share_by_token, visitor_by_key

log = logging.getLogger(__name__)

# WeChat: "state … a-zA-Z0-9, at most 128 bytes". Codes are letters and digits too.
STATE = re.compile(r"^[A-Za-z0-9]{1,128}$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
REDIRECT_MAX = 1000
# A lead needs a name; WeChat may name none.
UNNAMED = "微信用户"


@dataclass(frozen=True)
class LoggedIn:
    nickname: str
    avatar_url: str
    lead: bool


def _login(login: WechatLogin | None) -> WechatLogin:
    if login is None:
        raise Conflict(ErrorCode.WECHAT_LOGIN_OFF)
    return login


def start_wechat_login(
    db: Database, actor: Actor, login: WechatLogin | None, token: str, redirect_uri: str, state: str
) -> str:
    """WeChat's authorization page for this share's reader (the share must still be live)."""
    require_service(actor)
    login = _login(login)
    problems = {}
    if len(redirect_uri) > REDIRECT_MAX or urlsplit(redirect_uri).scheme not in ("http", "https"):
        problems["redirect_uri"] = "validation.invalid"
    if not STATE.match(state or ""):
        problems["state"] = "validation.invalid"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    with db.reader() as uow:
        live_item(uow, share_by_token(uow, token))
    return login.authorize_url(redirect_uri, state)


def _user(login: WechatLogin, code: str) -> WechatUser:
    try:
        return login.user_for_code(code)
    except WechatCodeRejected as exc:
        log.info("WeChat refused a reader's code: %s", exc)
        raise InvalidInput(ErrorCode.WECHAT_CODE_INVALID, fields={"code": "validation.wechat_code_invalid"}) from None
    except WechatUnavailable as exc:
        log.warning("WeChat login failed: %s", exc)
        raise Unavailable(ErrorCode.WECHAT_UNAVAILABLE) from None


def _avatar(url: str) -> str:
    return url if urlsplit(url).scheme in ("http", "https") and len(url) <= 500 else ""


def wechat_login(
    db: Database,
    actor: Actor,
    login: WechatLogin | None,
    token: str,
    visitor_key: str,
    code: str,
    *,
    now: datetime,
) -> LoggedIn:
    """The reader of `token` (by their browser's key) is who WeChat says. The code is asked of
    WeChat outside any transaction; the visitor is checked before, so a foreign or unknown
    visitor spends no code."""
    require_service(actor)
    login = _login(login)
    if not CODE.match(code or ""):
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"code": "validation.invalid"})
    with db.reader() as uow:
        share = share_by_token(uow, token)
        live_item(uow, share)
        visitor = visitor_by_key(uow, share.tenant_id, visitor_key)
        if visitor is None:
            raise NotFound(ErrorCode.VISITOR_NOT_FOUND, params={"id": ""})
        tenant_id, visitor_id = share.tenant_id, visitor.id
        title = ""
        if share.kind == shares.ARTICLE:
            title = uow.session.scalar(
                select(ArticleRow.title).where(ArticleRow.tenant_id == tenant_id, ArticleRow.id == share.item_id)
            )
    user = _user(login, code)
    with db.uow() as uow:
        visitor = uow.session.scalar(
            select(VisitorRow).where(VisitorRow.tenant_id == tenant_id, VisitorRow.id == visitor_id).with_for_update()
        )
        before = visitor.unionid
        visitor.openid = user.openid[:64]
        visitor.unionid = user.unionid[:64] or before
        visitor.nickname = " ".join(user.nickname.split())[:50] or visitor.nickname
        visitor.avatar_url = _avatar(user.avatar_url) or visitor.avatar_url
        visitor.last_seen_at = now
        if visitor.unionid and visitor.unionid != before:
            visitor.identified_at = visitor.identified_at or now
            # A phone given earlier is this person's, unless the browser was someone else's
            # WeChat before (then the phone belongs to that other lead).
            phone = "" if before else visitor.phone
            uow.publish(
                events.visitor_identified(visitor, visitor.nickname or UNNAMED, title or "", via="wechat", phone=phone),
                tenant_id,
            )
        result = LoggedIn(visitor.nickname, visitor.avatar_url, bool(visitor.unionid))
        uow.commit()
    return result
