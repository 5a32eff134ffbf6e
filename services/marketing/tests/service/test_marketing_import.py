"""D1 on PostgreSQL through gRPC: an article imported from a pasted link (a local page shaped like
a WeChat article, reached through a redirect) or an uploaded HTML page: title, summary, cover and
body found, WeChat's lazy images made real, scripts gone, off until switched on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput, PermissionDenied
from marketing.importer import HttpFetcher

WECHAT_PAGE = """<!doctype html><html><head><title>公众号</title>
<meta property="og:title" content="夏季冷饮订货指南">
<meta property="og:description" content="今年夏天卖什么，看这一篇">
<meta property="og:image" content="https://mmbiz.example.com/cover.jpg">
</head><body><h1 id="activity-name">夏季冷饮订货指南</h1>
<div id="js_content"><p>第一段<strong>重点</strong></p><img data-src="/pic/1.png" src="data:image/gif;base64,R0lG">
<script>steal()</script></div><div class="footer">阅读原文</div></body></html>"""


@pytest.fixture(scope="module")
def site():
    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/s/article")
                self.end_headers()
                return
            body = WECHAT_PAGE.encode() if self.path == "/s/article" else b"%PDF-1.4"
            self.send_response(200)
            self.send_header(
                "Content-Type", "text/html; charset=utf-8" if self.path == "/s/article" else "application/pdf"
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_d1_an_article_imported_from_a_link_keeps_its_words_and_pictures_not_its_scripts(marketing, tenant, site):
    made = marketing.call("ImportArticle", pb.ImportArticleRequest(url=f"{site}/moved"), token=tenant.owner)
    assert (made.title, made.summary) == ("夏季冷饮订货指南", "今年夏天卖什么，看这一篇")
    assert made.cover_url == "https://mmbiz.example.com/cover.jpg" and made.source_url == f"{site}/moved"
    assert "<strong>重点</strong>" in made.body_html and f'<img src="{site}/pic/1.png">' in made.body_html
    assert "steal" not in made.body_html and "阅读原文" not in made.body_html and not made.active


def test_d1_an_uploaded_page_imports_the_same_way(marketing, tenant):
    made = marketing.call("ImportArticle", pb.ImportArticleRequest(html=WECHAT_PAGE), token=tenant.owner)
    assert made.title == "夏季冷饮订货指南" and made.source_url == ""


def test_d1_bad_imports_name_the_field(marketing, tenant, site):
    cases = [
        (pb.ImportArticleRequest(), {"url": "validation.url_or_file"}),
        (pb.ImportArticleRequest(url=f"{site}/x", html="<p>x</p>"), {"url": "validation.url_or_file"}),
        (pb.ImportArticleRequest(url=f"{site}/report.pdf"), {"url": "validation.not_html"}),
        (pb.ImportArticleRequest(url="ftp://example.com/a"), {"url": "validation.invalid"}),
        (pb.ImportArticleRequest(html="<p>no title anywhere</p>"), {"file": "validation.no_article"}),
    ]
    for request, fields in cases:
        with pytest.raises(InvalidInput) as err:
            marketing.call("ImportArticle", request, token=tenant.owner)
        assert err.value.fields == fields, request
    with pytest.raises(PermissionDenied):
        marketing.call("ImportArticle", pb.ImportArticleRequest(html=WECHAT_PAGE), token=tenant.sales)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::1]/"]
)
def test_d1_a_pasted_link_never_reaches_inside_the_network(url):
    with pytest.raises(InvalidInput) as err:
        HttpFetcher().fetch(url)
    assert err.value.fields == {"url": "validation.private_address"}
