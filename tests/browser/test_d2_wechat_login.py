"""D2 C7 C10 in a phone's browser against `make run`: with no WeChat app configured the platform
runs its local fake of WeChat, so a reader of a shared article taps 微信登录, agrees on the fake's
consent page (模拟微信授权) as a nickname, comes back to the article named by it with their avatar,
and the salesperson's visitor centre lists them by that nickname."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from conftest import api_call, api_token, shot

OWNER = "13800000000"


def test_d2_c7_a_reader_logs_in_with_the_local_fake_wechat_and_is_named(platform, phone):
    owner = api_token(platform, OWNER)
    title = f"微信登录看新品{uuid.uuid4().hex[:4]}"
    article = api_call(platform, owner, "POST", "/api/v1/articles", json={"title": title, "body_html": "<p>新品</p>"})
    api_call(platform, owner, "PUT", f"/api/v1/articles/{article['id']}/active", json={"active": True})
    share = api_call(platform, owner, "POST", f"/api/v1/articles/{article['id']}/shares", json={})
    nickname = f"读者{uuid.uuid4().hex[:4]}"

    page = phone
    page.goto(f"{platform.base_url}/s/{share['token']}")
    expect(page.get_by_text("用微信身份查看", exact=False)).to_be_visible()
    page.get_by_role("link", name="微信登录").click()
    expect(page.get_by_role("heading", name="模拟微信授权")).to_be_visible()
    page.get_by_label("微信昵称").fill(nickname)
    page.get_by_role("button", name="允许").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    named = page.locator("[data-test=wechat-as]")
    expect(named).to_contain_text(f"已用微信身份查看：{nickname}")
    expect(named.locator("img")).to_be_visible()
    expect(page.get_by_role("link", name="微信登录")).to_have_count(0)
    shot(page, "d2-wechat-login-reader")

    visitors = api_call(platform, owner, "GET", "/api/v1/visitors", params={"page_size": 100})["visitors"]
    (visitor,) = [v for v in visitors if v["nickname"] == nickname]
    assert visitor["wechat"] and visitor["avatar_url"]
