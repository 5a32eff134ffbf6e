"""Importing an article (D1) from a pasted link or an uploaded HTML file: the page's title,
summary, cover and body (a WeChat article's `#js_content`, else `<article>`, `<main>` or the body),
then cleaned like any article. The port fetches a link; its adapter refuses addresses inside the
network (a pasted link must not make the server reach internal services or cloud metadata), pages
over 2 MB and anything but HTML."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import requests
from bs4 import BeautifulSoup

from crmkit.errors import InvalidInput, Unavailable

from .errors import ErrorCode

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Page:
    title: str
    summary: str
    cover_url: str
    body_html: str


class Fetcher(Protocol):
    def fetch(self, url: str) -> str: ...


def _refused(reason: str = "validation.invalid") -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"url": reason})


class HttpFetcher:
    """`allow_private`: only for local fakes in tests and `make run`."""

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Mozilla/5.0 (compatible; crm-article-import)"

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _refused()
        if self.allow_private:
            return
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
        except OSError:
            raise _refused("validation.unreachable") from None
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global:
                raise _refused("validation.private_address")

    def fetch(self, url: str) -> str:
        # Redirects are followed by hand so that each hop is checked, not only the first.
        for _ in range(5):
            self._check(url)
            try:
                response = self.session.get(url, timeout=TIMEOUT_SECONDS, stream=True, allow_redirects=False)
            except requests.RequestException:
                raise Unavailable(ErrorCode.IMPORT_UNREACHABLE) from None
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise _refused("validation.unreachable")
            if "html" not in response.headers.get("Content-Type", "text/html"):
                raise _refused("validation.not_html")
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
            if len(body) > MAX_BYTES:
                raise _refused("validation.page_too_large")
            return body.decode(response.encoding or "utf-8", errors="replace")
        raise _refused("validation.unreachable")


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            return " ".join(str(tag["content"]).split())
    return ""


def extract(html: str, base_url: str = "") -> Page:
    """What an article page holds; WeChat's lazy images (`data-src`) become real ones."""
    soup = BeautifulSoup(html, "html.parser")
    title = _meta(soup, "og:title", "twitter:title") or (soup.title.get_text(" ", strip=True) if soup.title else "")
    heading = soup.find(id="activity-name") or soup.find("h1")
    if not title and heading:
        title = heading.get_text(" ", strip=True)
    content = soup.find(id="js_content") or soup.find("article") or soup.find("main") or soup.body or soup
    for image in content.find_all("img"):
        source = image.get("data-src") or image.get("src") or ""
        image.attrs = {"src": urljoin(base_url, source)} if source else {}
    cover = _meta(soup, "og:image", "twitter:image")
    return Page(
        title=title[:100],
        summary=_meta(soup, "og:description", "description")[:300],
        cover_url=urljoin(base_url, cover) if cover else "",
        body_html=content.decode_contents() if hasattr(content, "decode_contents") else str(content),
    )
