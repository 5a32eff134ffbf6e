"""D4 D12 in the web apps: the owner uploads a poster template in the admin (a file that is not a
picture is refused on its field); the salesperson picks it by theme on the phone and gets a
poster whose QR (decoded by zxing-cpp) is a card link of its own; a customer scans it and
管理我的海报 shows that poster with the visitor it brought. Their own photo and a short text
become posters too."""

from __future__ import annotations

import io
import re
import uuid

import requests
import zxingcpp
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from conftest import admin_login, api_call, api_token, mobile_login, shot

OWNER = "13800000000"
# 赵业务 (demo): not 张业务, whose first card the D3 journey makes from its template.
SALES = "13800000003"


def picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), "#c81e1e")
    draw = ImageDraw.Draw(image)
    for i in range(0, width + height, 30):
        draw.line((i, 0, i - height, height), fill=("#fff7e6", "#f59e0b")[i // 30 % 2], width=12)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def poster_qr(page: Page) -> str:
    """The QR code of the poster shown full screen, and the preview closed."""
    preview = page.locator(".poster-preview img")
    expect(preview).to_be_visible()
    png = page.evaluate(
        "async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer()))",
        preview.get_attribute("src"),
    )
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(png))))
    page.locator(".poster-preview .van-image-preview__close-icon").click()
    expect(preview).to_be_hidden()
    return code.text


def test_d4_a_template_uploaded_by_the_owner_becomes_the_salespersons_poster(platform, desktop, phone):
    owner = api_token(platform, OWNER)
    name = f"国庆{uuid.uuid4().hex[:4]}"
    template_id = ""
    try:
        # The owner: 海报模板 next to 名片模板; a text file is refused on the picture's field.
        page = desktop
        admin_login(page, platform.base_url, OWNER)
        page.get_by_role("menuitem", name="海报模板").click()
        form = page.locator("[data-test=template-form]")
        form.locator("[data-test=template-file]").set_input_files(
            {"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture at all"}
        )
        form.locator("[data-test=template-upload]").click()
        expect(form.locator(".el-form-item__error")).to_have_text("仅支持 JPEG、PNG 或 WebP 图片")
        page.locator(".el-message").first.wait_for(state="hidden")

        form.locator("[data-test=template-theme]").click()
        page.get_by_role("option", name="节日红").click()
        form.locator("[data-test=template-name]").fill(name)
        form.locator("[data-test=template-position]").click()
        page.get_by_role("option", name="左上角").click()
        form.locator("[data-test=template-file]").set_input_files(
            {"name": "festival.png", "mimeType": "image/png", "buffer": picture(750, 1334)}
        )
        form.locator("[data-test=template-upload]").click()
        card = page.locator("[data-test=poster-template]", has_text=name)
        expect(card).to_contain_text("节日红 · 左上角 · 750×1334")
        expect(card.locator("img")).to_be_visible()  # the picture itself, fetched with the token
        expect(form.locator(".el-form-item__error")).to_have_count(0)
        page.mouse.move(0, 0)
        expect(page.locator(".el-message")).to_have_count(0)
        shot(page, "admin-poster-templates")
        listed = api_call(platform, owner, "GET", "/api/v1/poster-images", params={"theme": "festival"})
        (template,) = [i for i in listed["images"] if i["name"] == name]
        template_id = template["id"]

        # The salesperson: 海报 on the home page, the festival theme, the template.
        mobile = phone
        mobile_login(mobile, platform, SALES)
        mobile.locator("[data-test=posters-tile]").click()
        mobile.locator("[data-test=template-themes]").get_by_text("节日红").click()
        mobile.locator("[data-test=poster-template]", has_text=name).click()
        link = poster_qr(mobile)
        assert re.search(r"/c/[A-Za-z0-9_-]{22}$", link)

        # A customer scans it: my card.
        reader = requests.get(link, timeout=10)
        assert reader.status_code == 200 and "赵业务" in reader.text

        # 管理我的海报: that poster, with the visitor it brought.
        mobile.get_by_text("管理我的海报").click()
        row = mobile.locator("[data-test=my-poster]", has_text=name)
        expect(row.locator("[data-test=my-poster-visitors]")).to_have_text("获客 1")
        expect(row).to_contain_text("浏览 1")
        expect(mobile.locator("[data-test=posters-total]")).to_contain_text("我的海报共获客")
        shot(mobile, "m-my-posters")
        row.click()  # drawn again to save: the same link
        assert poster_qr(mobile) == link
        sales = api_token(platform, SALES)
        mine = api_call(platform, sales, "GET", "/api/v1/my-posters")["posters"]
        (made,) = [p for p in mine if p["title"] == name]
        assert (made["url"], made["visitors"], made["kind"]) == (link, 1, "card")
    finally:
        if template_id:
            api_call(platform, owner, "DELETE", f"/api/v1/poster-images/{template_id}")


def test_d4_d12_my_photo_and_my_text_become_posters(platform, phone):
    page = phone
    mobile_login(page, platform, SALES)
    page.goto(f"{platform.base_url}/m/posters")

    # 上传海报: my event photo, the QR at the bottom left.
    page.get_by_role("tab", name="上传海报").click()
    before = page.locator("[data-test=my-picture]").count()
    page.locator("[data-test=upload-picture] input[type=file]").set_input_files(
        {"name": "event.jpg", "mimeType": "image/jpeg", "buffer": picture(1200, 1600, "JPEG")}
    )
    expect(page.locator("[data-test=my-picture]")).to_have_count(before + 1)
    page.locator("[data-test=my-picture] button.open").first.click()
    page.get_by_role("button", name="左下角").click()
    photo_link = poster_qr(page)
    assert re.search(r"/c/[A-Za-z0-9_-]{22}$", photo_link)
    shot(page, "m-poster-upload")

    # 图文海报: a short text over my photo, in festival red.
    page.get_by_role("tab", name="图文海报").click()
    page.locator("[data-test=make-text-poster]").click()
    expect(page.locator("[data-test=post-text] .van-field__error-message")).to_be_visible()
    words = f"国庆大促{uuid.uuid4().hex[:4]}"
    page.locator("[data-test=post-text] textarea").fill(f"{words}\n全场饮料第二箱半价")
    page.locator("[data-test=post-picture]").first.click()
    page.locator("[data-test=post-themes]").get_by_text("节日红").click()
    page.locator("[data-test=make-text-poster]").click()
    text_link = poster_qr(page)
    assert text_link != photo_link and re.search(r"/c/[A-Za-z0-9_-]{22}$", text_link)

    # Both are under 管理我的海报, each with a link of its own.
    page.get_by_text("管理我的海报").click()
    expect(page.locator("[data-test=my-poster]", has_text=words)).to_be_visible()
    sales = api_token(platform, SALES)
    urls = {p["url"] for p in api_call(platform, sales, "GET", "/api/v1/my-posters")["posters"] if p["poster_id"]}
    assert {photo_link, text_link} <= urls
