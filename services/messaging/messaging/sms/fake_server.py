"""A local fake of Aliyun's SMS endpoint, for tests and `make run`.

It answers `GET /?Action=SendSms&...` as dysmsapi.aliyuncs.com does (see
fake_provider.py for the rules) and adds endpoints only tests use:

    GET    /_fake/messages[?phone=138...]   messages accepted so far (JSON list)
    DELETE /_fake/messages                  forget them
    POST   /_fake/fail_next                 {"code", "message", "status"}: the
                                            next signed request fails that way

Run it:   python -m messaging.sms.fake_server --port 8090 [--print]
Embed it: server = FakeSmsServer(port=0); url = server.start(); ...; server.stop()
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .fake_provider import FakeAliyunSms

# The credentials the fake accepts by default, and the ones
# sender_from_env uses for SMS_PROVIDER=fake. Not secrets.
TEST_ACCESS_KEY_ID = "fake-access-key-id"
TEST_ACCESS_KEY_SECRET = "fake-access-key-secret"


def print_message(record: dict[str, Any]) -> None:
    # one line a developer can read a login code from during `make run`
    params = json.dumps(record["params"], ensure_ascii=False)
    print(f"[fake SMS] {record['phone']} {record['template_code']} {params}", flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    # HTTP/1.0 (the default): one request per connection, so stop() leaves no
    # kept-alive connection behind that would go on answering

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            pairs = parse_qsl(url.query, keep_blank_values=True)
            status, body = self.server.provider.answer(dict(pairs), method="GET")
            self._reply(status, body)
        elif url.path == "/_fake/messages":
            phone = dict(parse_qsl(url.query)).get("phone")
            self._reply(200, self.server.provider.messages(phone))
        else:
            self._not_found()

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/_fake/messages":
            self._reply(200, {"deleted": self.server.provider.clear()})
        else:
            self._not_found()

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/_fake/fail_next":
            self._not_found()
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            spec = json.loads(self.rfile.read(length) or b"{}")
            self.server.provider.fail_next(
                str(spec["code"]), str(spec.get("message", "")), int(spec.get("status", 200))
            )
        except (ValueError, KeyError, TypeError) as exc:
            self._reply(400, {"error": f"expected JSON {{code, message?, status?}}: {exc}"})
            return
        self._reply(200, {"queued": True})

    def _not_found(self) -> None:
        self._reply(404, {"Code": "InvalidApi.NotFound", "Message": f"no route {self.path}"})

    def _reply(self, status: int, body: Any) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        # request lines on stderr would bury the [fake SMS] lines; stay quiet
        pass


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], provider: FakeAliyunSms) -> None:
        self.provider = provider
        super().__init__(address, _Handler)


class FakeSmsServer:
    """The fake provider on a real socket, served from a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        access_key_id: str = TEST_ACCESS_KEY_ID,
        access_key_secret: str = TEST_ACCESS_KEY_SECRET,
        sign_names: list[str] | None = None,
        template_codes: list[str] | None = None,
        print_messages: bool = False,
    ) -> None:
        self._address = (host, port)
        self.provider = FakeAliyunSms(
            access_key_id,
            access_key_secret,
            sign_names=sign_names,
            template_codes=template_codes,
            echo=print_message if print_messages else None,
        )
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> str:
        """Bind (port 0 picks a free port), serve, and return the base URL."""
        self._httpd = _HttpServer(self._address, self.provider)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            # a short poll keeps stop() quick in test teardown
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-sms",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def messages(self, phone: str | None = None) -> list[dict[str, Any]]:
        return self.provider.messages(phone)

    def clear(self) -> int:
        return self.provider.clear()

    def fail_next(self, code: str, message: str = "", status: int = 200) -> None:
        self.provider.fail_next(code, message, status)

    def __enter__(self) -> FakeSmsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m messaging.sms.fake_server",
        description="Local fake of Aliyun SMS (SendSms 2017-05-25).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--access-key-id", default=TEST_ACCESS_KEY_ID)
    parser.add_argument("--access-key-secret", default=TEST_ACCESS_KEY_SECRET)
    parser.add_argument(
        "--sign-name",
        action="append",
        dest="sign_names",
        help="accept only this sign name (repeatable; default: any)",
    )
    parser.add_argument(
        "--template-code",
        action="append",
        dest="template_codes",
        help="accept only this template code (repeatable; default: any)",
    )
    parser.add_argument(
        "--print",
        action="store_true",
        dest="print_messages",
        help="print each accepted message to stdout",
    )
    args = parser.parse_args(argv)
    server = FakeSmsServer(
        host=args.host,
        port=args.port,
        access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret,
        sign_names=args.sign_names,
        template_codes=args.template_codes,
        print_messages=args.print_messages,
    )
    stopping = threading.Event()
    # SIGTERM from a process manager and Ctrl-C both end it cleanly
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    url = server.start()
    print(f"fake Aliyun SMS listening on {url}", file=sys.stderr, flush=True)
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
