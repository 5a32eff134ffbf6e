"""B6 A4 in the admin's 门店 page: the owner opens a store, then renames it and says where it is;
the table shows it at once and the shop lists the store with that address (the head store's is
set the same way: identity's own test covers it)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from storefront_kit import OWNER, shop_customer

from conftest import admin_login, api_call, api_token, shot


def field(page, test: str):
    return page.locator(f"input[data-test={test}], [data-test={test}] input").first


def test_b6_the_owner_renames_a_store_and_says_where_it_is_for_the_shop(platform, desktop):
    page = desktop
    first, renamed = f"东店{uuid.uuid4().hex[:4]}", f"东门店{uuid.uuid4().hex[:4]}"
    admin_login(page, platform.base_url, OWNER)
    page.get_by_role("menuitem", name="门店", exact=True).click()
    page.get_by_placeholder("门店名称").fill(first)
    page.locator("[data-test=open-store]").click()
    table = page.locator("[data-test=stores]")
    expect(table).to_contain_text(first)

    page.locator(f"[data-test='edit-store-{first}']").click()
    dialog = page.locator("[data-test=store-form]")
    field(page, "store-name").fill(" ")
    page.locator("[data-test=save-store]").click()
    expect(dialog.locator(".el-form-item__error").first).to_have_text("必填")
    field(page, "store-name").fill(renamed)
    field(page, "store-address").fill("人民路 8 号")
    page.locator("[data-test=save-store]").click()
    expect(dialog).to_be_hidden()
    row = table.locator("tr", has_text=renamed)
    expect(row).to_contain_text("人民路 8 号")
    expect(table).not_to_contain_text(first)
    shot(page, "b6-admin-store-edited")

    owner = api_token(platform, OWNER)
    tenant_id = api_call(platform, owner, "GET", "/api/v1/me")["tenant_id"]
    customer = shop_customer(platform, tenant_id, "看门店")
    listed = api_call(platform, customer["token"], "GET", "/api/v1/shop/stores")["items"]
    assert {"name": renamed, "address": "人民路 8 号"}.items() <= next(
        s for s in listed if s["name"] == renamed
    ).items()
