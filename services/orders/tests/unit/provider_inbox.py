"""What the adapter tests of a provider (WeChat Pay, Dada) start on real sockets: the provider's
local fake, and the inbox its callbacks are sent to, each served for a whole test module.

    fake = served(FakeDadaServer)
    inbox = served(lambda: Inbox(answer=200))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar

import pytest

from crmkit.fake_http import FakeHttpServer

Served = TypeVar("Served")


def served(start: Callable[[], AbstractContextManager[Served]]) -> Any:
    """A module-scoped fixture of what `start` builds, served from the module's first test that
    asks for it and stopped after its last; it takes the name it is assigned to."""

    @pytest.fixture(scope="module")
    def fixture() -> Iterator[Served]:
        with start() as server:
            yield server

    return fixture


class Inbox:
    """Our callback route as a provider's fake sees it: it keeps each POST's headers and body and
    answers `answer` (the status the fake then reports for that callback)."""

    def __init__(self, answer: int) -> None:
        self.answer = answer
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._http = FakeHttpServer(_InboxHandler, self, name="callback-inbox")

    @property
    def bodies(self) -> list[bytes]:
        return [body for _, body in self.received]

    def fresh_url(self, path: str) -> str:
        """`path` here, with what earlier tests received forgotten: a test reads only its own."""
        self.received.clear()
        return self._http.url + path

    def __enter__(self) -> Inbox:
        self._http.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.stop()


class _InboxHandler(BaseHTTPRequestHandler):
    server: Any  # crmkit.fake_http: the server, the Inbox as `.fake`

    def do_POST(self) -> None:
        inbox: Inbox = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        inbox.received.append((dict(self.headers.items()), body))
        self.send_response(inbox.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass
