"""A local fake of WeChat's web-page authorization (网页授权), for tests and `make run`.

It answers as open.weixin.qq.com and api.weixin.qq.com do:

    GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state
        a consent page (模拟微信授权): the reader picks a nickname and agrees; then
    GET /connect/oauth2/authorize/confirm?…&nickname=…
        302 to redirect_uri?code=…&state=… (a one-time code, valid 5 minutes)
    GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
    GET /sns/userinfo?access_token&openid&lang
        JSON, errors as {"errcode", "errmsg"}: 40013 unknown appid, 40125 wrong secret,
        40029 unknown code, 40163 code used, 42003 code expired, 40001/42001 bad or expired
        access_token, 40003 openid not the token's, 48001 userinfo with scope snsapi_base

and adds what only tests and people trying it need:

    GET  /_fake/avatar/<openid>.svg   the avatar headimgurl points at
    POST /_fake/fail_next             {"errcode", "errmsg"}: the next API call fails so

A WeChat user is their nickname here: the same nickname is the same person (one unionid for every
app, one openid per app), so two browsers can log in as one reader.

Run it:   python -m marketing.wechat.fake_server --port 8091
Embed it: server = FakeWechatServer(port=0); url = server.start(); ...; server.stop()
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from crmkit.fake_http import FakeHttpServer

from . import FAKE_APP_ID, FAKE_APP_SECRET

CODE_SECONDS = 300
TOKEN_SECONDS = 7200
SCOPES = ("snsapi_base", "snsapi_userinfo")
DEFAULT_NICKNAME = "微信读者"


def _id(prefix: str, text: str) -> str:
    return "oFk" + hashlib.sha256(f"{prefix}:{text}".encode()).hexdigest()[:25]


@dataclass
class _Grant:
    app_id: str
    nickname: str
    scope: str
    expires: float
    used: bool = False


class FakeWechat:
    """The rules, without HTTP: apps and their secrets, codes, access tokens."""

    def __init__(self, apps: dict[str, str], *, bound: bool = True, clock=time.monotonic) -> None:
        self.apps = dict(apps)
        # Bound to an Open Platform account: WeChat then names a unionid.
        self.bound = bound
        self.clock = clock
        self.base_url = ""
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, _Grant] = {}
        self._fail: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def openid(self, app_id: str, nickname: str) -> str:
        return _id(f"open:{app_id}", nickname)

    def unionid(self, nickname: str) -> str:
        return _id("union", nickname) if self.bound else ""

    def issue_code(self, nickname: str = DEFAULT_NICKNAME, *, app_id: str = "", scope: str = "snsapi_userinfo") -> str:
        code = secrets.token_hex(16)
        with self._lock:
            grant = _Grant(app_id or next(iter(self.apps)), nickname, scope, self.clock() + CODE_SECONDS)
            self._codes[code] = grant
        return code

    def fail_next(self, errcode: int, errmsg: str = "") -> None:
        with self._lock:
            self._fail.append((errcode, errmsg))

    def _failure(self) -> dict[str, Any] | None:
        with self._lock:
            if self._fail:
                errcode, errmsg = self._fail.pop(0)
                return {"errcode": errcode, "errmsg": errmsg}
        return None

    def access_token(self, q: dict[str, str]) -> dict[str, Any]:
        if failed := self._failure():
            return failed
        app_id = q.get("appid", "")
        if app_id not in self.apps:
            return _error(40013, "invalid appid")
        if not secrets.compare_digest(q.get("secret", ""), self.apps[app_id]):
            return _error(40125, "invalid appsecret")
        if q.get("grant_type") != "authorization_code":
            return _error(40002, "invalid grant_type")
        with self._lock:
            grant = self._codes.get(q.get("code", ""))
            if grant is None or grant.app_id != app_id:
                return _error(40029, "invalid code")
            if grant.used:
                return _error(40163, "code been used")
            if self.clock() > grant.expires:
                return _error(42003, "code expired")
            grant.used = True
            token = secrets.token_hex(24)
            self._tokens[token] = _Grant(grant.app_id, grant.nickname, grant.scope, self.clock() + TOKEN_SECONDS)
        answer = {
            "access_token": token,
            "expires_in": TOKEN_SECONDS,
            "refresh_token": secrets.token_hex(24),
            "openid": self.openid(app_id, grant.nickname),
            "scope": grant.scope,
        }
        if self.bound and grant.scope == "snsapi_userinfo":
            answer["unionid"] = self.unionid(grant.nickname)
        return answer

    def userinfo(self, q: dict[str, str]) -> dict[str, Any]:
        if failed := self._failure():
            return failed
        with self._lock:
            grant = self._tokens.get(q.get("access_token", ""))
        if grant is None:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if self.clock() > grant.expires:
            return _error(42001, "access_token expired")
        openid = self.openid(grant.app_id, grant.nickname)
        if q.get("openid") != openid:
            return _error(40003, "invalid openid")
        if grant.scope != "snsapi_userinfo":
            return _error(48001, "api unauthorized")
        answer = {
            "openid": openid,
            "nickname": grant.nickname,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": f"{self.base_url}/_fake/avatar/{openid}.svg",
            "privilege": [],
        }
        if self.bound:
            answer["unionid"] = self.unionid(grant.nickname)
        return answer

    def authorize_problem(self, q: dict[str, str]) -> str:
        """What WeChat's authorization page would say instead of asking (its numbered errors)."""
        if q.get("appid") not in self.apps:
            return "10016 appid参数错误"
        if urlsplit(q.get("redirect_uri", "")).scheme not in ("http", "https"):
            return "10003 redirect_uri参数错误"
        if q.get("response_type") != "code":
            return "10004 response_type参数错误"
        if q.get("scope") not in SCOPES:
            return "10005 此公众号并没有这些scope的权限"
        return ""


def _error(errcode: int, errmsg: str) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg}


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>模拟微信授权</title></head>
<body style="font-family:sans-serif;max-width:420px;margin:40px auto;padding:0 16px;color:#222">
<h2>模拟微信授权</h2><p style="color:#888">本地演示用的假微信（不是真的微信）。应用 {app} 申请获取你的昵称和头像。</p>
<form action="/connect/oauth2/authorize/confirm" method="get">{hidden}
<label>微信昵称 <input name="nickname" value="{nickname}" maxlength="30"></label>
<p><button type="submit" style="background:#07c160;color:#fff;border:0;padding:10px 24px;border-radius:6px">
允许</button></p>
</form></body></html>"""

_AVATAR = """<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132"><rect width="132" height="132"
fill="#{color}"/><text x="66" y="84" font-size="56" text-anchor="middle" fill="#fff">{letter}</text></svg>"""


class _Handler(BaseHTTPRequestHandler):
    server: Any  # crmkit.fake_http: the server, its state as `.fake`

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        q = dict(parse_qsl(url.query, keep_blank_values=True))
        fake = self.server.fake
        if url.path == "/sns/oauth2/access_token":
            self._json(fake.access_token(q))
        elif url.path == "/sns/userinfo":
            self._json(fake.userinfo(q))
        elif url.path == "/connect/oauth2/authorize":
            if problem := fake.authorize_problem(q):
                self._html(400, f"<p>{html.escape(problem)}</p>")
                return
            keep = ("appid", "redirect_uri", "response_type", "scope", "state")
            hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(q.get(k, ""))}">' for k in keep)
            self._html(200, _PAGE.format(app=html.escape(q["appid"]), hidden=hidden, nickname=DEFAULT_NICKNAME))
        elif url.path == "/connect/oauth2/authorize/confirm":
            if problem := fake.authorize_problem(q):
                self._html(400, f"<p>{html.escape(problem)}</p>")
                return
            nickname = " ".join(q.get("nickname", "").split())[:30] or DEFAULT_NICKNAME
            code = fake.issue_code(nickname, app_id=q["appid"], scope=q["scope"])
            joiner = "&" if "?" in q["redirect_uri"] else "?"
            self._redirect(f"{q['redirect_uri']}{joiner}{urlencode({'code': code, 'state': q.get('state', '')})}")
        elif url.path.startswith("/_fake/avatar/"):
            name = url.path.rsplit("/", 1)[-1].removesuffix(".svg")
            svg = _AVATAR.format(color=hashlib.sha256(name.encode()).hexdigest()[:6], letter="微")
            self._send(200, "image/svg+xml", svg.encode())
        else:
            self._json({"errcode": 404, "errmsg": f"no route {url.path}"}, 404)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/_fake/fail_next":
            self._json({"errcode": 404, "errmsg": "no route"}, 404)
            return
        try:
            spec = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            self.server.fake.fail_next(int(spec["errcode"]), str(spec.get("errmsg", "")))
        except (ValueError, KeyError, TypeError) as exc:
            self._json({"error": f"expected JSON {{errcode, errmsg?}}: {exc}"}, 400)
            return
        self._json({"queued": True})

    def _json(self, body: Any, status: int = 200) -> None:
        # As WeChat: errors too are HTTP 200 with an errcode.
        self._send(status, "application/json; charset=utf-8", json.dumps(body, ensure_ascii=False).encode())

    def _html(self, status: int, page: str) -> None:
        self._send(status, "text/html; charset=utf-8", page.encode())

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, content_type: str, raw: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeWechatServer(FakeHttpServer):
    """The fake on a real socket, served from a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = FAKE_APP_ID,
        app_secret: str = FAKE_APP_SECRET,
        bound: bool = True,
    ) -> None:
        super().__init__(
            _Handler, FakeWechat({app_id: app_secret}, bound=bound), name="fake-wechat", host=host, port=port
        )
        self.app_id = app_id

    def start(self) -> str:
        # The consent page links back to the fake itself.
        self.fake.base_url = super().start()
        return self.url

    def issue_code(self, nickname: str = DEFAULT_NICKNAME, *, scope: str = "snsapi_userinfo") -> str:
        """A code as if `nickname` had agreed on the consent page."""
        return self.fake.issue_code(nickname, app_id=self.app_id, scope=scope)

    def fail_next(self, errcode: int, errmsg: str = "") -> None:
        self.fake.fail_next(errcode, errmsg)


def serve_fake() -> FakeWechatServer:
    """The launcher's stand-in for `{fake:marketing.wechat.fake_server}` (declaration.py): readers
    log in on its consent page, from any browser on this machine, on a free port (nothing outside
    the run names it)."""
    server = FakeWechatServer(port=0)
    server.start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m marketing.wechat.fake_server", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--app-id", default=FAKE_APP_ID)
    parser.add_argument("--app-secret", default=FAKE_APP_SECRET)
    parser.add_argument("--unbound", action="store_true", help="no Open Platform account: no unionid")
    args = parser.parse_args(argv)
    server = FakeWechatServer(
        host=args.host, port=args.port, app_id=args.app_id, app_secret=args.app_secret, bound=not args.unbound
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(f"fake WeChat OAuth listening on {server.start()} (app {args.app_id})", file=sys.stderr, flush=True)
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
