"""D1 D2 at the gateway: the article routes call the marketing service on the caller's behalf,
bad input is refused before any call, and the reader's page is rendered here, server-side, with
the share-card tags, the visible modules, the reader's own link and a strict script policy."""

from __future__ import annotations

import io

from marketing_fakes import CHILD, TOKEN

ARTICLES_PATHS = {
    ("get", "/api/v1/article-categories"),
    ("post", "/api/v1/article-categories"),
    ("put", "/api/v1/article-categories/{category_id}"),
    ("delete", "/api/v1/article-categories/{category_id}"),
    ("get", "/api/v1/articles"),
    ("post", "/api/v1/articles"),
    ("get", "/api/v1/articles/{article_id}"),
    ("put", "/api/v1/articles/{article_id}"),
    ("put", "/api/v1/articles/{article_id}/active"),
    ("post", "/api/v1/articles/{article_id}/shares"),
    ("get", "/api/v1/marketing-settings"),
    ("put", "/api/v1/marketing-settings"),
    ("get", "/api/v1/marketing-preferences"),
    ("put", "/api/v1/marketing-preferences"),
    ("post", "/api/v1/public/views/{view_id}/beats"),
    ("post", "/api/v1/public/shares/{token}/forward"),
    ("post", "/api/v1/public/views/{view_id}/identify"),
    ("get", "/api/v1/visitors"),
    ("get", "/api/v1/visitors/{visitor_id}"),
    ("get", "/api/v1/marketing-stats"),
    ("post", "/api/v1/articles/{article_id}/posters"),
    ("get", "/api/v1/card-template"),
    ("put", "/api/v1/card-template"),
    ("post", "/api/v1/card-template/apply"),
    ("get", "/api/v1/my-card"),
    ("put", "/api/v1/my-card"),
    ("post", "/api/v1/my-card/shares"),
    ("post", "/api/v1/products/{product_id}/posters"),
    ("post", "/api/v1/articles/import-link"),
    ("post", "/api/v1/articles/import-file"),
    ("post", "/api/v1/my-card/posters"),
    ("get", "/api/v1/my-posters"),
    ("post", "/api/v1/poster-images"),
    ("get", "/api/v1/poster-images"),
    ("get", "/api/v1/poster-images/{image_id}/file"),
    ("delete", "/api/v1/poster-images/{image_id}"),
    ("post", "/api/v1/my-posters"),
    ("post", "/api/v1/my-posters/{poster_id}/image"),
}
ARTICLES_PUBLIC = {
    "/api/v1/public/views/{view_id}/beats",
    "/api/v1/public/shares/{token}/forward",
    "/api/v1/public/views/{view_id}/identify",
}


def test_d1_an_article_is_written_for_the_caller_and_its_status_derived(client, auth, fakes):
    resp = client.post("/api/v1/articles", json={"title": "新品", "body_html": "<p>x</p>"}, headers=auth)
    assert resp.status_code == 201, resp.text
    assert resp.json["status"] == "created" and resp.json["published_at"] is None
    (call,) = fakes["marketing"].rec.named("CreateArticle")
    assert call.actor.staff_id == "s-1" and call.request.title == "新品"
    listed = client.get("/api/v1/articles", headers=auth).json["articles"]
    assert listed[0]["status"] == "shared"


def test_d1_bad_input_names_the_field_before_any_call(client, auth, fakes):
    resp = client.post(
        "/api/v1/articles",
        json={"title": "", "body_html": "<p>x</p>", "hidden_modules": ["ads"], "product_ids": ["p"] * 7},
        headers=auth,
    )
    assert resp.status_code == 400
    fields = resp.json["error"]["fields"]
    assert {"title", "product_ids"} <= set(fields)
    assert any(name.startswith("hidden_modules") for name in fields), fields
    assert not fakes["marketing"].rec.named("CreateArticle")


def test_d2_a_share_answers_the_readers_address(client, auth):
    resp = client.post("/api/v1/articles/a-1/shares", json={}, headers=auth)
    assert resp.status_code == 201
    assert resp.json["url"].endswith(f"/s/{TOKEN}") and resp.json["method"] == "link"


def test_d2_the_readers_page_is_whole_server_side_and_keeps_the_visitor(client, fakes):
    resp = client.get(f"/s/{TOKEN}")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.text
    assert '<meta property="og:title" content="秋冬新品到店">' in page
    assert "<p>正文<b>加粗</b></p>" in page and "7 人读过" in page and "推荐一篇" in page
    assert f'data-own="/s/{CHILD}"' in page and 'data-view="v-1"' in page
    # The reader's own link comes with the opening: one marketing call per page, not two.
    assert [c.method for c in fakes["marketing"].rec.calls] == ["OpenShare"]
    assert "冰红茶" in page and "¥36.00 / 箱" in page
    assert 'href="https://mall.example.com/?product_id=p-1&amp;sharer=s-1"' in page
    assert "13800000001" in page  # the sharer's contact block, from identity
    policy = resp.headers["Content-Security-Policy"]
    assert "script-src 'nonce-" in policy and "default-src 'none'" in policy
    cookie = resp.headers["Set-Cookie"]
    assert "crm_vk=a-new-visitor-key-0001" in cookie and "HttpOnly" in cookie
    (opened,) = fakes["marketing"].rec.named("OpenShare")
    assert opened.request.visitor_key == ""  # first visit
    client.get(f"/s/{TOKEN}")
    assert fakes["marketing"].rec.named("OpenShare")[1].request.visitor_key == "a-new-visitor-key-0001"


def test_d1_modules_hidden_by_any_level_are_not_on_the_page(client, fakes):
    fakes["marketing"].modules = ["recommended_articles"]
    try:
        page = client.get(f"/s/{TOKEN}").text
    finally:
        fakes["marketing"].modules = ["contact", "recommended_articles", "products", "read_count"]
    assert 'data-test="contact"' not in page and "人读过" not in page and "推荐一篇" in page
    assert "冰红茶" not in page


def test_p7_a_beat_is_queued_for_marketing_and_a_bad_one_is_refused_before_the_queue(client):
    beats = client.application.extensions["gateway"].beats
    before = beats.backlog()
    ok = client.post("/api/v1/public/views/v-1/beats", json={"visitor_key": "k" * 20, "seconds": 12, "clicks": 2})
    assert ok.status_code == 202 and ok.json == {"queued": True}
    bad = client.post("/api/v1/public/views/v-1/beats", json={"visitor_key": "k" * 20, "seconds": "12"})
    assert bad.status_code == 400 and "seconds" in bad.json["error"]["fields"]
    long_id = client.post("/api/v1/public/views/" + "v" * 65 + "/beats", json={"visitor_key": "k" * 20, "seconds": 1})
    assert long_id.status_code == 400 and "view_id" in long_id.json["error"]["fields"]
    assert beats.backlog() == before + 1
    beats.ensure_group()
    (queued,) = [d.beat for d in beats.read("test", count=100, block_ms=0) if d.beat.view_id == "v-1"]
    assert (queued.visitor_key, queued.seconds, queued.clicks) == ("k" * 20, 12, 2)


def test_c7_a_reader_leaves_a_phone_checked_before_the_service(client, fakes):
    bad = client.post("/api/v1/public/views/v-1/identify", json={"visitor_key": "k" * 20, "phone": "12"})
    assert bad.status_code == 400 and "phone" in bad.json["error"]["fields"]
    ok = client.post("/api/v1/public/views/v-1/identify", json={"visitor_key": "k" * 20, "phone": "13900001111"})
    assert ok.status_code == 200 and ok.json == {"identified": True}
    (call,) = fakes["marketing"].rec.named("IdentifyVisitor")
    assert call.request.phone == "13900001111" and call.request.view_id == "v-1"


def test_c10_the_visitor_centre_passes_filters_and_shows_the_trail(client, auth, fakes):
    listed = client.get(
        "/api/v1/visitors",
        query_string={"qualified": "yes", "sort": "visits", "since": "2026-12-01T00:00:00Z"},
        headers=auth,
    )
    assert listed.status_code == 200 and listed.json["visitors"][0]["seconds"] == 95
    (call,) = fakes["marketing"].rec.named("ListVisitors")
    assert (call.request.qualified, call.request.sort, call.request.since.seconds) == ("yes", "visits", 1796083200)
    assert client.get("/api/v1/visitors", query_string={"sort": "name"}, headers=auth).status_code == 400
    detail = client.get("/api/v1/visitors/vis-9", headers=auth).json
    assert detail["id"] == "vis-9" and detail["trail"][0]["depth"] == 1
    assert client.get("/api/v1/visitors").status_code == 401


def test_c10_the_visitor_centre_filters_and_shows_readers_who_became_customers(client, auth, fakes):
    listed = client.get("/api/v1/visitors", query_string={"customer": "yes"}, headers=auth)
    assert listed.status_code == 200
    (call,) = fakes["marketing"].rec.named("ListVisitors")
    assert call.request.customer == "yes"
    anonymous, became = listed.json["visitors"]
    assert (anonymous["customer_id"], anonymous["became_customer_at"]) == ("", None)
    assert (became["customer_id"], became["became_customer_at"]) == ("c-1", "2026-01-01T00:00:00+00:00")
    bad = client.get("/api/v1/visitors", query_string={"customer": "maybe"}, headers=auth)
    assert bad.status_code == 400 and "customer" in str(bad.json)


def test_d8_the_data_centre_counts_customers_made(client, auth, fakes):
    got = client.get("/api/v1/marketing-stats", query_string={"group_by": "day"}, headers=auth)
    assert got.status_code == 200
    assert (got.json["total"]["customers"], got.json["rows"][0]["figures"]["customers"]) == (1, 1)
    assert got.json["total"]["leads"] == 2


def test_d4_a_poster_is_drawn_by_marketing_with_the_readers_address_and_caption(client, auth, fakes):
    resp = client.post("/api/v1/articles/a-1/posters", json={"theme": "fresh"}, headers=auth)
    assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data.startswith(b"\x89PNG")
    (call,) = fakes["marketing"].rec.named("ArticlePoster")
    assert call.request.theme == "fresh" and call.request.link_base.endswith("/s/")
    assert call.request.caption == "长按识别二维码，阅读全文"
    assert client.post("/api/v1/articles/a-1/posters", json={"theme": "neon"}, headers=auth).status_code == 400


def test_d3_my_card_and_its_link(client, auth):
    assert client.get("/api/v1/my-card", headers=auth).json["display_name"] == "张业务"
    shared = client.post("/api/v1/my-card/shares", json={}, headers=auth)
    assert shared.status_code == 201 and shared.json["url"].endswith(f"/c/{TOKEN}")
    bad = client.put("/api/v1/card-template", json={"modules": [{"key": "ads", "name": "x"}]}, headers=auth)
    assert bad.status_code == 400


def test_d3_the_card_page_shows_the_visible_modules_by_their_names(client, fakes):
    page = client.get(f"/c/{TOKEN}").text
    assert "张业务" in page and "客户经理" in page and 'href="tel:13800000002"' in page
    assert "关于我" in page and "专注饮料批发" in page and "我的企业" not in page
    assert f'data-own="/c/{CHILD}"' in page and 'data-view="v-c"' in page


def test_d1_an_article_is_imported_from_a_link_or_a_saved_page(client, auth, fakes):
    by_link = client.post("/api/v1/articles/import-link", json={"url": "https://mp.weixin.qq.com/s/abc"}, headers=auth)
    assert by_link.status_code == 201 and by_link.json["source_url"] == "https://mp.weixin.qq.com/s/abc"
    page = (io.BytesIO("<html><title>存下来的文章</title></html>".encode()), "article.html")
    by_file = client.post(
        "/api/v1/articles/import-file", data={"file": page}, query_string={"category_id": "c-1"}, headers=auth
    )
    assert by_file.status_code == 201
    link_call, file_call = fakes["marketing"].rec.named("ImportArticle")
    assert link_call.request.url and not link_call.request.html
    assert "存下来的文章" in file_call.request.html and file_call.request.category_id == "c-1"
    huge = (io.BytesIO(b"<p>" + b"x" * (2 * 1024 * 1024) + b"</p>"), "big.html")
    too_big = client.post("/api/v1/articles/import-file", data={"file": huge}, headers=auth)
    assert too_big.status_code == 400 and too_big.json["error"]["fields"] == {"file": "网页不能大于 2 MB"}
