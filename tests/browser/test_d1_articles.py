"""D1 D2 in the web apps: the owner's article library in the admin (categories, the rich-text
editor, hidden modules, on/off, the settings) and the salesperson's articles on the phone (find,
read, share: link copied, QR shown, preferences). The shared link is then opened as a customer
would, and the reading shows in the admin's counts and through the API."""

from __future__ import annotations

import io
import re
import struct
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from conftest import PHONE, Watched, admin_login, api_call, api_token, mobile_login, shot

OWNER = "13800000000"
SALES = "13800000002"  # 张业务 (demo)


def _png(width: int = 48, height: int = 32) -> bytes:
    """A small solid PNG, made here: the article's picture needs an http(s) address that loads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x19\x89\xfa" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def picture_url():
    """An image host of the test's own (the reader's page allows http and https images)."""
    body = _png()

    class Picture(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Picture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/spring.png"
    finally:
        server.shutdown()


def _open_library(page, tab: str = "文章") -> None:
    page.get_by_role("menuitem", name="文章库").click()
    page.get_by_role("tab", name=tab).click()


def test_d1_an_article_written_switched_on_shared_and_read(platform, browser, desktop, phone, picture_url):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:6]
    category, title = f"行业热文{tag}", f"春季新品到店{tag}"

    # The owner adds a category and writes the article in the editor.
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    _open_library(page, "分类")
    page.get_by_role("textbox", name="分类名称").fill(category)
    page.locator("[data-test=add-category]").click()
    expect(page.locator("[data-test=article-categories]")).to_contain_text(category)

    page.locator("[data-test=write-article]").click()
    page.locator("[data-test=title]").fill(title)
    page.locator("[data-test=category]").click()
    page.locator(".el-select-dropdown__item:visible", has_text=category).click()
    page.locator("[data-test=summary]").fill("本周到店的新品和优惠")
    body = page.locator("[data-test=editor] .tiptap")
    body.click()
    page.keyboard.type("新品已经到店，")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("满减活动本周末截止")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("。")
    page.get_by_role("button", name="图片").click()
    prompt = page.locator(".el-message-box")
    prompt.locator("input").fill(picture_url)
    prompt.get_by_role("button", name="确定").click()
    expect(body.locator("img")).to_have_attribute("src", picture_url)
    expect(body.locator("strong")).to_have_text("满减活动本周末截止")
    page.locator("[data-test=hidden-modules] label", has_text="联系方式").click()
    page.locator("[data-test=save-article]").click()
    expect(page.get_by_text("文章已保存")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/articles/(?!new$)[^/?]+$"))
    article_id = page.url.rstrip("/").split("/")[-1]
    page.locator("[data-test=article-active]").click()
    expect(page.get_by_text(f"「{title}」已上架")).to_be_visible()
    page.mouse.move(0, 0)
    expect(page.locator(".el-message")).to_have_count(0)
    shot(page, "admin-article-editor")

    saved = api_call(platform, owner, "GET", f"/api/v1/articles/{article_id}")
    assert saved["active"] and saved["status"] == "published"
    assert "<strong>满减活动本周末截止</strong>" in saved["body_html"]
    assert f'src="{picture_url}"' in saved["body_html"]
    assert saved["hidden_modules"] == ["contact"]
    assert saved["category_id"] and saved["summary"] == "本周到店的新品和优惠"

    # The salesperson finds it on the phone and shares it.
    mobile = phone
    mobile.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=platform.base_url)
    mobile_login(mobile, platform, SALES)
    mobile.get_by_text("文章", exact=True).click()
    mobile.locator("[data-test=search] input").fill(tag)
    mobile.locator("[data-test=search] input").press("Enter")
    expect(mobile.locator("[data-test=article]")).to_have_count(1)
    mobile.locator("[data-test=article]", has_text=title).click()
    expect(mobile.locator("[data-test=article-body] strong")).to_have_text("满减活动本周末截止")
    mobile.locator("[data-test=share]").click()
    link = mobile.locator("[data-test=share-url]")
    expect(link).to_contain_text("/s/")
    url = link.inner_text().strip()
    qr = mobile.locator("[data-test=share-qr]")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0
    expect(mobile.locator(".van-popup-slide-bottom-enter-active")).to_have_count(0)
    shot(mobile, "m-article-share")
    mobile.locator("[data-test=copy-link]").click()
    expect(mobile.get_by_text("链接已复制")).to_be_visible()
    assert mobile.evaluate("navigator.clipboard.readText()") == url

    # A customer opens the link: the article with its bold words and picture, without the hidden
    # contact block.
    reader_context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        reader = reader_context.new_page()
        watched = Watched(reader)
        reader.goto(url)
        expect(reader.locator("h1")).to_have_text(title)
        expect(reader.locator("article.body strong")).to_have_text("满减活动本周末截止")
        expect(reader.locator("article.body img")).to_have_attribute("src", picture_url)
        assert reader.locator("article.body img").evaluate("img => img.complete && img.naturalWidth") > 0
        expect(reader.locator("[data-test=read-count]")).to_be_visible()
        expect(reader.locator("[data-test=contact]")).to_have_count(0)
        assert not watched.errors, "\n".join(watched.errors)
    finally:
        reader_context.close()

    read = api_call(platform, owner, "GET", f"/api/v1/articles/{article_id}")
    assert (read["reader_count"], read["view_count"], read["share_count"], read["status"]) == (1, 1, 1, "shared")

    # The admin's list shows the reader.
    _open_library(page)
    page.locator("[data-test=filter-q]").fill(tag)
    page.locator("[data-test=filter-q]").press("Enter")
    row = page.locator("[data-test=articles] .el-table__row", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator("[data-test=readers]")).to_have_text("1")
    expect(row.locator("[data-test=status]")).to_have_text("已分享")
    expect(row).to_contain_text(category)

    # Preview opens the reader's page through the owner's own link.
    with page.expect_popup() as opened:
        row.locator(f"[data-test=preview-{article_id}]").click()
    preview = opened.value
    expect(preview.locator("h1")).to_have_text(title)
    assert "/s/" in preview.url
    preview.close()


def test_d1_a_category_with_articles_is_kept_and_the_admin_told_why(platform, desktop):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:6]
    category = api_call(platform, owner, "POST", "/api/v1/article-categories", json={"name": f"案例{tag}", "sort": 5})
    article = api_call(
        platform,
        owner,
        "POST",
        "/api/v1/articles",
        json={"title": f"客户案例{tag}", "body_html": "<p>案例正文</p>", "category_id": category["id"]},
    )
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    _open_library(page, "分类")

    # A name already taken is said on the name field.
    page.get_by_role("textbox", name="分类名称").fill(f"案例{tag}")
    page.locator("[data-test=add-category]").click()
    expect(page.locator("[data-test=new-article-category] .el-form-item__error")).to_be_visible()

    # Deleting a category with an article: refused, explained, and its articles one click away.
    page.locator(f"[data-test='delete-案例{tag}']").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    box = page.locator(".el-message-box", has_text="还有 1 篇文章")
    expect(box).to_be_visible()
    box.get_by_role("button", name="查看这些文章").click()
    row = page.locator("[data-test=articles] .el-table__row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(article["title"])
    expect(row.locator("[data-test=status]")).to_have_text("已创建")
    categories = api_call(platform, owner, "GET", "/api/v1/article-categories")["categories"]
    assert any(c["id"] == category["id"] and c["article_count"] == 1 for c in categories)

    # Renamed and moved up.
    page.get_by_role("tab", name="分类").click()
    page.locator(f"[data-test='rename-案例{tag}']").click()
    dialog = page.get_by_role("dialog", name="修改分类")
    dialog.locator("input").first.fill(f"成功案例{tag}")
    dialog.locator(".el-input-number input").fill("1")
    dialog.locator("[data-test=save-category]").click()
    expect(page.locator("[data-test=article-categories]")).to_contain_text(f"成功案例{tag}")
    categories = api_call(platform, owner, "GET", "/api/v1/article-categories")["categories"]
    renamed = next(c for c in categories if c["id"] == category["id"])
    assert (renamed["name"], renamed["sort"]) == (f"成功案例{tag}", 1)


def test_d1_settings_and_a_salespersons_preferences(platform, desktop, phone):
    owner, sales = api_token(platform, OWNER), api_token(platform, SALES)
    before = api_call(platform, owner, "GET", "/api/v1/marketing-settings")
    mine_before = api_call(platform, sales, "GET", "/api/v1/marketing-preferences")
    body = {"title": f"推荐阅读{uuid.uuid4().hex[:6]}", "body_html": "<p>好文</p>"}
    recommended = api_call(platform, owner, "POST", "/api/v1/articles", json=body)
    api_call(platform, owner, "PUT", f"/api/v1/articles/{recommended['id']}/active", json={"active": True})
    try:
        page = desktop
        admin_login(page, platform.base_url, OWNER)
        _open_library(page, "设置")
        form = page.locator("[data-test=marketing-settings]")
        form.locator("[data-test=tenant-hidden] label", has_text="阅读数").click()
        form.locator("[data-test=min-clicks] input").fill("3")
        form.locator("[data-test=min-seconds] input").fill("45")
        form.locator("label.el-radio", has_text="业务员各自设置").click()
        # A mall address that is not a web address: refused on its field.
        form.locator("[data-test=mall-url]").fill("mall.example.com")
        form.locator("[data-test=save-settings]").click()
        mall = form.locator(".el-form-item", has=page.locator("[data-test=mall-url]"))
        expect(mall.locator(".el-form-item__error")).to_be_visible()
        form.locator("[data-test=mall-url]").fill("https://mall.example.com/shop")
        form.locator("[data-test=save-settings]").click()
        expect(page.get_by_text("已保存")).to_be_visible()
        settings = api_call(platform, owner, "GET", "/api/v1/marketing-settings")
        assert settings["hidden_modules"] == ["read_count"]
        assert (settings["qualified_min_clicks"], settings["qualified_min_seconds"]) == (3, 45)
        assert (settings["mall_url"], settings["recommended_scope"]) == ("https://mall.example.com/shop", "own")

        # The salesperson is not offered what the admin hides; hides the contact block's
        # recommended articles instead, puts the contact on top and picks a recommended article.
        mobile = phone
        mobile_login(mobile, platform, SALES)
        mobile.goto(f"{platform.base_url}/m/articles/preferences")
        expect(mobile.locator("[data-test=hide-contact]")).to_be_visible()
        expect(mobile.locator("[data-test=hide-read_count]")).to_have_count(0)
        mobile.locator("[data-test=hide-recommended_articles]").click()
        mobile.locator("[data-test=position-top]").click()
        mobile.locator("[data-test=pick-recommended]").click()
        picker = mobile.locator("[data-test=article-picker]")
        picker.locator("input[type=search]").fill(recommended["title"])
        picker.locator("input[type=search]").press("Enter")
        picker.locator("[data-test=pick-article]", has_text=recommended["title"]).click()
        picker.get_by_text("完成").click()
        expect(mobile.locator("[data-test=my-recommended]")).to_contain_text(recommended["title"])
        mobile.locator("[data-test=save-preferences]").click()
        expect(mobile.get_by_text("已保存")).to_be_visible()
        shot(mobile, "m-article-preferences")
        mine = api_call(platform, sales, "GET", "/api/v1/marketing-preferences")
        assert mine == {
            "hidden_modules": ["recommended_articles"],
            "contact_position": "top",
            "recommended_article_ids": [recommended["id"]],
        }
    finally:
        api_call(platform, owner, "PUT", "/api/v1/marketing-settings", json=before)
        api_call(platform, sales, "PUT", "/api/v1/marketing-preferences", json=mine_before)


def test_d4_a_salesperson_makes_a_poster_whose_qr_is_their_link(platform, phone):
    owner = api_token(platform, OWNER)
    title = f"海报文章{uuid.uuid4().hex[:4]}"
    made = api_call(platform, owner, "POST", "/api/v1/articles", json={"title": title, "body_html": "<p>订货会</p>"})
    api_call(platform, owner, "PUT", f"/api/v1/articles/{made['id']}/active", json={"active": True})
    page = phone
    mobile_login(page, platform, SALES)
    page.goto(f"{platform.base_url}/m/articles/{made['id']}")
    page.locator("[data-test=poster]").click()
    page.get_by_text("节日红").click()
    preview = page.locator(".poster-preview img")
    expect(preview).to_be_visible()
    shot(page, "m-article-poster")
    # The image on the phone is the one the server drew: its QR is this salesperson's poster link.
    png = page.evaluate(
        """async (src) => {
            const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
            return Array.from(bytes);
        }""",
        preview.get_attribute("src"),
    )
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(png))))
    assert re.search(r"/s/[A-Za-z0-9_-]{22}$", code.text)
    article = api_call(platform, owner, "GET", f"/api/v1/articles/{made['id']}")
    assert article["share_count"] == 1 and article["status"] == "shared"


def test_d1_an_article_imported_from_a_saved_page_opens_in_the_editor(platform, desktop):
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    _open_library(page)
    title = f"导入{uuid.uuid4().hex[:4]}"
    saved = f"<html><head><title>{title}</title></head><body><article><p>导入的正文</p></article></body></html>"
    page.locator("[data-test=import-article]").click()
    dialog = page.locator("[data-test=import-dialog]")
    dialog.get_by_role("tab", name="粘贴链接").click()
    dialog.locator("[data-test=import-url] input, input[data-test=import-url]").first.fill("not a link")
    dialog.locator("[data-test=import-go]").click()
    expect(dialog.get_by_text("请粘贴以 http:// 或 https:// 开头的链接")).to_be_visible()
    dialog.get_by_role("tab", name="上传网页").click()
    dialog.locator("[data-test=import-file]").set_input_files(
        files=[{"name": "saved.html", "mimeType": "text/html", "buffer": saved.encode()}]
    )
    dialog.locator("[data-test=import-go]").click()
    expect(page).to_have_url(re.compile(r"/admin/articles/[0-9a-f-]{36}$"))
    owner = api_token(platform, OWNER)
    article_id = page.url.rsplit("/", 1)[1]
    made = api_call(platform, owner, "GET", f"/api/v1/articles/{article_id}")
    assert made["title"] == title and "导入的正文" in made["body_html"] and not made["active"]
