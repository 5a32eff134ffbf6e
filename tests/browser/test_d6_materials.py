"""D6 in the web apps: the owner uploads a PDF into the 素材库 in the admin (el-upload), switches
it on; the salesperson finds it on the phone under 素材 and shares it (link and QR); a customer
opens the link and sees the document with its download; the admin's recipients drawer shows them."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from conftest import PHONE, Watched, admin_login, api_call, api_token, mobile_login, shot

OWNER = "13800000000"
SALES = "13800000002"  # 张业务 (demo)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"% filler\n" * 200 + b"%%EOF\n"


def test_d6_a_material_uploaded_in_the_admin_is_shared_from_the_phone_and_opened(
    platform, browser, desktop, phone, tmp_path
):
    owner = api_token(platform, OWNER)
    tag = uuid.uuid4().hex[:6]
    title = f"产品手册{tag}"
    document = tmp_path / f"手册{tag}.pdf"
    document.write_bytes(PDF)

    # The owner uploads the PDF in the admin and switches it on.
    page = desktop
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="素材库").click()
    page.locator("[data-test=upload-material]").click()
    dialog = page.locator("[data-test=upload-dialog]")
    dialog.locator("[data-test=upload-file] input[type=file]").set_input_files(str(document))
    dialog.locator("[data-test=upload-title]").fill(title)
    dialog.locator("[data-test=upload-folder]").fill("产品资料")
    dialog.locator("[data-test=upload-go]").click()
    expect(page.get_by_text(f"已上传「{title}」")).to_be_visible()
    page.locator("[data-test=filter-q]").fill(tag)
    page.locator("[data-test=filter-q]").press("Enter")
    row = page.locator("[data-test=materials] .el-table__row", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator("[data-test=kind]")).to_have_text("文档")
    found = api_call(platform, owner, "GET", "/api/v1/materials", params={"q": tag})["materials"]
    (material,) = found
    assert (material["content_type"], material["size"], material["folder"]) == ("application/pdf", len(PDF), "产品资料")
    row.locator(f"[data-test=active-{material['id']}]").click()
    expect(page.get_by_text(f"「{title}」已上架")).to_be_visible()
    shot(page, "admin-materials")

    # The salesperson finds it under 素材 on the phone and shares it.
    mobile = phone
    mobile_login(mobile, platform, SALES)
    mobile.get_by_text("素材", exact=True).click()
    mobile.locator("[data-test=search] input").fill(tag)
    mobile.locator("[data-test=search] input").press("Enter")
    expect(mobile.locator("[data-test=material]")).to_have_count(1)
    mobile.locator("[data-test=material]", has_text=title).click()
    mobile.locator(".van-action-sheet__item", has_text="分享给客户").click()
    link = mobile.locator("[data-test=share-url]")
    expect(link).to_contain_text("/s/")
    url = link.inner_text().strip()
    expect(mobile.locator("[data-test=share-qr]")).to_be_visible()
    shot(mobile, "m-material-share")

    # A customer opens it: the document, to preview or download through the link's own route.
    reader_context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        reader = reader_context.new_page()
        watched = Watched(reader)
        reader.goto(url)
        expect(reader.locator("h1")).to_have_text(title)
        download = reader.locator("[data-test=material-download]")
        expect(download).to_be_visible()
        token = url.rstrip("/").split("/")[-1]
        assert download.get_attribute("href") == f"/s/{token}/file?download=1"
        fetched = reader.request.get(f"{url}/file?download=1")
        assert fetched.status == 200 and fetched.body() == PDF
        assert not watched.errors, "\n".join(watched.errors)
    finally:
        reader_context.close()

    # The admin sees who opened it.
    page.reload()
    page.locator("[data-test=filter-q]").fill(tag)
    page.locator("[data-test=filter-q]").press("Enter")
    page.locator(f"[data-test=recipients-{material['id']}]").click()
    drawer = page.locator("[data-test=recipients-drawer]")
    expect(drawer.locator("[data-test=recipient]")).to_have_count(1)
    counted = api_call(platform, owner, "GET", f"/api/v1/materials/{material['id']}")
    assert (counted["view_count"], counted["share_count"], counted["download_count"]) == (1, 1, 1)
