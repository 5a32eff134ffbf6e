"""D3 in the web apps: the owner's card template in the admin (modules reordered, renamed and
hidden, the company's defaults, copied onto every card) and the salesperson's card on the phone
(made from the template with their name, an intro and a featured product written, shared). The
shared link is then opened as a customer would, and everything is checked through the API too."""

from __future__ import annotations

import io
import re
import uuid

import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from conftest import PHONE, Watched, admin_login, api_call, api_token, mobile_login, shot

OWNER = "13800000000"
SALES = "13800000002"  # 张业务 (demo)


def test_d3_a_card_made_from_the_template_written_shared_and_read(platform, browser, desktop, phone):
    owner, sales = api_token(platform, OWNER), api_token(platform, SALES)
    before = api_call(platform, owner, "GET", "/api/v1/card-template")
    tag = uuid.uuid4().hex[:4]
    about_me, company = f"关于我{tag}", f"春风商贸{tag}"
    intro = f"做了十年的食品批发，欢迎来店里坐坐（{tag}）"
    try:
        # The owner: a blank module name is refused on its field; then the intro module renamed,
        # products moved to the top, the news hidden and the company's name set.
        page = desktop
        admin_login(page, platform.base_url, OWNER)
        page.get_by_role("menuitem", name="名片模板").click()
        modules = page.locator("[data-test=card-modules]")
        expect(modules.locator("[data-test=module-name-intro]")).to_have_value("个人简介")
        modules.locator("[data-test=module-name-news]").fill("")
        page.locator("[data-test=save-card-template]").click()
        news_row = modules.locator(".el-table__row", has=page.locator("[data-test=module-name-news]"))
        expect(news_row.locator(".el-form-item__error")).to_be_visible()
        modules.locator("[data-test=module-name-news]").fill("我的资讯")

        modules.locator("[data-test=module-name-intro]").fill(about_me)
        modules.locator("[data-test=module-up-1]").click()  # products above the intro
        modules.locator("[data-test=module-visible-news]").click()
        page.locator("[data-test=card-company_name]").fill(company)
        page.locator("[data-test=save-card-template]").click()
        expect(page.get_by_text("已保存")).to_be_visible()
        expect(news_row.locator(".el-form-item__error")).to_have_count(0)
        page.mouse.move(0, 0)
        expect(page.locator(".el-message")).to_have_count(0)
        shot(page, "admin-card-template")

        template = api_call(platform, owner, "GET", "/api/v1/card-template")
        assert template["modules"] == [
            {"key": "products", "name": "主推商品", "visible": True},
            {"key": "intro", "name": about_me, "visible": True},
            {"key": "news", "name": "我的资讯", "visible": False},
            {"key": "company", "name": "我的企业", "visible": True},
        ]
        assert template["content"]["company_name"] == company

        # The salesperson opens 我的名片: made from the template, with their own name.
        mobile = phone
        mobile_login(mobile, platform, SALES)
        mobile.get_by_text("我的名片", exact=True).click()
        preview = mobile.locator("[data-test=card-preview]")
        expect(preview.locator("[data-test=card-name]")).to_have_text("张业务")
        expect(preview).to_contain_text(company)
        expect(preview.locator("[data-test=module-intro] h3")).to_have_text(about_me)
        expect(preview.locator("[data-test=module-news]")).to_have_count(0)

        # Writes an intro and picks a featured product from the catalogue.
        mobile.locator("[data-test=edit-card]").click()
        mobile.locator("[data-test=card-intro] textarea").fill(intro)
        mobile.locator("[data-test=add-product]").click()
        first = mobile.locator("[data-test=pick-product]").first
        product = first.locator(".van-cell__title > span").inner_text().strip()
        first.click()
        expect(mobile.locator("[data-test=my-product]")).to_contain_text(product)
        mobile.locator("[data-test=save-card]").click()
        expect(mobile.get_by_text("名片已保存")).to_be_visible()
        expect(preview.locator("[data-test=module-intro]")).to_contain_text(intro)
        expect(preview.locator("[data-test=card-product]")).to_contain_text(product)

        mine = api_call(platform, sales, "GET", "/api/v1/my-card")
        assert (mine["display_name"], mine["company_name"], mine["intro"]) == ("张业务", company, intro)
        (product_id,) = mine["product_ids"]
        assert api_call(platform, sales, "GET", f"/api/v1/products/{product_id}")["name"] == product

        expect(mobile.get_by_text("名片已保存")).to_be_hidden()

        # Shares it: the link, with its QR.
        mobile.locator("[data-test=share-card]").click()
        link = mobile.locator("[data-test=share-url]")
        expect(link).to_contain_text("/c/")
        url = link.inner_text().strip()
        expect(mobile.locator("[data-test=share-qr]")).to_be_visible()
        expect(mobile.locator(".van-popup-slide-bottom-enter-active")).to_have_count(0)
        shot(mobile, "m-card-share")

        # A customer opens the link: the name, the renamed module with the intro, the product,
        # the company; not the hidden news.
        reader_context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        try:
            reader = reader_context.new_page()
            watched = Watched(reader)
            reader.goto(url)
            expect(reader.locator("h1")).to_have_text("张业务")
            expect(reader.locator("[data-test=module-intro] h2")).to_have_text(about_me)
            expect(reader.locator("[data-test=module-intro]")).to_contain_text(intro)
            expect(reader.locator("[data-test=module-products]")).to_contain_text(product)
            expect(reader.locator("[data-test=module-company]")).to_contain_text(company)
            expect(reader.locator("[data-test=module-news]")).to_have_count(0)
            sections = reader.locator("section").evaluate_all("all => all.map(s => s.dataset.test)")
            assert sections[:2] == ["module-products", "module-intro"]
            assert not watched.errors, "\n".join(watched.errors)
        finally:
            reader_context.close()

        # The owner copies a new company introduction onto every card: told how many changed.
        page.locator("[data-test=card-company_intro]").fill(f"二十年老店{tag}")
        page.locator("[data-test=apply-card-template]").click()
        page.locator(".el-message-box").get_by_role("button", name="确定").click()
        done = page.locator(".el-message-box", has_text="复制完成")
        expect(done).to_contain_text(" 张员工名片")
        count = int(done.locator(".el-message-box__message").inner_text().split()[1])
        assert count >= 1
        done.get_by_role("button", name="确定").click()
        mine = api_call(platform, sales, "GET", "/api/v1/my-card")
        assert (mine["company_intro"], mine["intro"], mine["product_ids"]) == (f"二十年老店{tag}", intro, [product_id])
    finally:
        api_call(platform, owner, "PUT", "/api/v1/card-template", json=before)


def test_d3_my_card_as_a_poster_whose_qr_is_my_card_link(platform, phone):
    page = phone
    mobile_login(page, platform, SALES)
    page.goto(f"{platform.base_url}/m/card")
    page.locator("[data-test=card-poster]").click()
    page.get_by_text("简约白").click()
    preview = page.locator(".poster-preview img")
    expect(preview).to_be_visible()
    png = page.evaluate(
        "async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer()))",
        preview.get_attribute("src"),
    )
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(png))))
    assert re.search(r"/c/[A-Za-z0-9_-]{22}$", code.text)
    reader = requests.get(code.text, timeout=10)
    assert reader.status_code == 200 and "张业务" in reader.text
