"""A local fake of FeieYun's open API, for tests and `make run`: it checks every request's
signature as the cloud does and keeps the printers added and the orders printed.

    POST /Api/Open/                      the API (Open_printerAddlist, Open_printMsg,
                                         Open_queryOrderState, Open_queryOrderInfoByDate,
                                         Open_queryPrinterStatus)
    GET  /_fake/orders[?sn=...]          orders received (JSON list: id, sn, content, printed)
    GET  /_fake/calls                    how many times each apiname was called
    POST /_fake/printers/<sn>/offline    {"offline": true|false}: orders wait until it is back
    POST /_fake/delay_next               {"seconds": 2}: the next Open_printMsg is taken, then
                                         answered late (a client's timeout after the cloud has it)

Run it:   python -m printing.adapters.feieyun_fake --port 8091 [--print]
Embed it: server = FakeFeieyunServer(); url = server.start(); ...; server.stop()
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crmkit.fake_http import FakeHttpServer

from .feieyun import ALREADY_ADDED, signature

# The account the fake accepts by default, and the one a local run's printing service uses. Not
# secrets.
TEST_USER = "fake-feieyun-user@example.com"
TEST_UKEY = "fake-feieyun-ukey"
API_PATH = "/Api/Open/"
CHINA = timezone(timedelta(hours=8))
STIME_SKEW_SECONDS = 300


class FakeFeieyun:
    """The cloud's rules, without HTTP."""

    def __init__(self, user: str = TEST_USER, ukey: str = TEST_UKEY, *, echo=None):
        self.user, self.ukey = user, ukey
        self.echo = echo
        self.lock = threading.Lock()
        self.printers: dict[str, str] = {}  # sn -> key
        self.offline: set[str] = set()
        self.orders: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.delay_next = 0.0

    def answer(self, form: dict[str, str]) -> tuple[dict[str, Any], float]:
        """(body, seconds to wait before answering)."""
        api = form.get("apiname", "")
        with self.lock:
            self.calls[api] += 1
            if form.get("user") != self.user:
                return _error(-2, "参数错误 : 该帐号未注册."), 0
            stime = form.get("stime", "")
            if not stime.isdigit() or abs(time.time() - int(stime)) > STIME_SKEW_SECONDS:
                return _error(-2, "参数错误 : 时间格式不正确."), 0
            if form.get("sig") != signature(self.user, self.ukey, stime):
                return _error(-2, "参数错误 : 签名错误."), 0
            handler = getattr(self, f"_{api}", None)
            if handler is None:
                return _error(-2, f"参数错误 : 接口名称不正确 {api}."), 0
            return handler(form)

    def _Open_printerAddlist(self, form):
        ok, no = [], []
        for line in form.get("printerContent", "").splitlines():
            sn, _, rest = line.partition("#")
            key = rest.partition("#")[0]
            if not sn.isdigit() or len(key) < 4:
                no.append(f"{line} （错误：识别码不正确）")
            elif sn in self.printers:
                no.append(f"{line} （错误：{ALREADY_ADDED}）")
            else:
                self.printers[sn] = key
                ok.append(line)
        return _ok({"ok": ok, "no": no}), 0

    def _Open_printMsg(self, form):
        sn = form.get("sn", "")
        if sn not in self.printers:
            return _error(1002, "打印机编号未注册"), 0
        content = form.get("content", "")
        if not content or len(content.encode()) > 5000:
            return _error(-6, "参数错误 : 内容过长或为空."), 0
        now = datetime.now(CHINA)
        order_id = f"{sn}_{now:%Y%m%d%H%M%S}_{len(self.orders) + 1}"
        expired = form.get("expired")
        order = {
            "id": order_id,
            "sn": sn,
            "content": content,
            "times": int(form.get("times") or 1),
            "expired": int(expired) if expired else None,
            "date": now.strftime("%Y-%m-%d"),
            "printed": sn not in self.offline,
        }
        self.orders.append(order)
        if order["printed"] and self.echo:
            self.echo(order)
        delay, self.delay_next = self.delay_next, 0.0
        return _ok(order_id), delay

    def _Open_queryOrderState(self, form):
        for order in self.orders:
            if order["id"] == form.get("orderid"):
                return _ok(order["printed"]), 0
        return _error(-2, "参数错误 : 订单编号不存在."), 0

    def _Open_queryOrderInfoByDate(self, form):
        sn, date = form.get("sn", ""), form.get("date", "")
        mine = [o for o in self.orders if o["sn"] == sn and o["date"] == date]
        printed = sum(1 for o in mine if o["printed"])
        return _ok({"print": printed, "waiting": len(mine) - printed}), 0

    def _Open_queryPrinterStatus(self, form):
        sn = form.get("sn", "")
        if sn not in self.printers:
            return _error(1002, "打印机编号未注册"), 0
        return _ok("离线。" if sn in self.offline else "在线，工作状态正常。"), 0

    def set_offline(self, sn: str, offline: bool) -> None:
        """Back online, the printer prints what waited and has not expired (as the cloud does)."""
        with self.lock:
            if offline:
                self.offline.add(sn)
                return
            self.offline.discard(sn)
            now = time.time()
            for order in self.orders:
                if order["sn"] == sn and not order["printed"] and (order["expired"] or now + 1) > now:
                    order["printed"] = True
                    if self.echo:
                        self.echo(order)

    def list_orders(self, sn: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(o) for o in self.orders if sn is None or o["sn"] == sn]


def _ok(data) -> dict[str, Any]:
    return {"msg": "ok", "ret": 0, "data": data, "serverExecutedTime": 3}


def _error(ret: int, msg: str) -> dict[str, Any]:
    return {"msg": msg, "ret": ret, "data": None, "serverExecutedTime": 1}


def print_order(order: dict[str, Any]) -> None:
    print(f"[fake FeieYun] printer {order['sn']} order {order['id']}:\n{order['content']}", flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: Any  # crmkit.fake_http: the server, its state as `.fake`

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        fake = self.server.fake
        if path == API_PATH:
            body, delay = fake.answer(self._form())
            if delay:
                time.sleep(delay)
            self._reply(200, body)
        elif path.startswith("/_fake/printers/") and path.endswith("/offline"):
            spec = json.loads(self._form_json() or "{}")
            fake.set_offline(path.split("/")[3], bool(spec.get("offline", True)))
            self._reply(200, {"ok": True})
        elif path == "/_fake/delay_next":
            spec = json.loads(self._form_json() or "{}")
            with fake.lock:
                fake.delay_next = float(spec.get("seconds", 0))
            self._reply(200, {"ok": True})
        else:
            self._reply(404, {"error": f"no route {path}"})

    def _form_json(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        fake = self.server.fake
        if url.path == "/_fake/orders":
            self._reply(200, fake.list_orders(dict(parse_qsl(url.query)).get("sn")))
        elif url.path == "/_fake/calls":
            with fake.lock:
                self._reply(200, dict(fake.calls))
        else:
            self._reply(404, {"error": f"no route {url.path}"})

    def _reply(self, status: int, body: Any) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        try:
            self.wfile.write(raw)
        except OSError:
            pass  # the client gave up waiting (a delayed answer): as the cloud, we did our part

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeFeieyunServer(FakeHttpServer):
    """The fake on a real socket, served from a background thread."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, print_orders: bool = False, **account):
        fake = FakeFeieyun(**account, echo=print_order if print_orders else None)
        super().__init__(_Handler, fake, name="fake-feieyun", host=host, port=port)

    @property
    def api_url(self) -> str:
        return self.url + API_PATH


def serve_fake() -> FakeFeieyunServer:
    """The launcher's stand-in for `{fake:printing.adapters.feieyun_fake}` (declaration.py): started
    on a free port, printing each order it receives."""
    server = FakeFeieyunServer(print_orders=True)
    server.start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m printing.adapters.feieyun_fake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--user", default=TEST_USER)
    parser.add_argument("--ukey", default=TEST_UKEY)
    parser.add_argument("--print", action="store_true", dest="print_orders")
    args = parser.parse_args(argv)
    server = FakeFeieyunServer(
        host=args.host, port=args.port, print_orders=args.print_orders, user=args.user, ukey=args.ukey
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(f"fake FeieYun listening on {server.start()}{API_PATH}", file=sys.stderr, flush=True)
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["FakeFeieyun", "FakeFeieyunServer", "serve_fake"]
