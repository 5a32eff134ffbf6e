"""A provider's local fake on a real socket (WeChat, WeChat Pay, FeieYun, Dada...), served from a
background thread: what `make run`, the test platform and adapter tests start in place of an API
we cannot reach. A fake's request handler reads its state as `self.server.fake`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: Any) -> None:
        self.fake = fake
        super().__init__(address, handler)


class FakeHttpServer:
    """Serves `handler` over `fake` on `host:port` (0: a free port) once started."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], fake: Any, *, name: str, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._handler = handler
        self._address = (host, port)
        self._name = name
        self.fake = fake
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> str:
        """Bind, serve, and return the base URL."""
        self._httpd = _Server(self._address, self._handler, self.fake)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self._name, daemon=True
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
        self._httpd = self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
