"""D2 C7 at the gateway: the reader's page offers WeChat login where it can work (any browser with
the local fake, WeChat's own browser with WeChat: there at the top), names a reader who logged
in, and the login's two legs: a one-time state in a cookie scoped to the share's login path, and
the way back, refused (400) when the state is not this browser's, 404 for a share or visitor
marketing does not know (another tenant's), a clear page for a spent code."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from marketing_fakes import TOKEN, WECHAT_PAGE

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable

WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI"
KEY = "a-new-visitor-key-0001"


@pytest.fixture
def reader(fakes):
    marketing = fakes["marketing"]
    yield marketing
    marketing.reader = pb.ReaderIdentity()


def test_d2_no_wechat_app_no_button(client, reader):
    page = client.get(f"/s/{TOKEN}", headers={"User-Agent": WECHAT_UA}).text
    assert 'data-test="wechat-login"' not in page and "微信登录" not in page


def test_d2_with_the_fake_any_browser_is_offered_the_login_above_the_phone_form(client, reader):
    reader.reader = pb.ReaderIdentity(wechat_login="any")
    page = client.get(f"/s/{TOKEN}").text
    assert f'href="/s/{TOKEN}/wechat"' in page and "微信登录" in page and "用微信身份查看" in page
    assert page.index('data-test="wechat-offer"') > page.index('class="body"')  # not at the top
    card = client.get(f"/c/{TOKEN}").text
    assert f'href="/c/{TOKEN}/wechat"' in card


def test_d2_with_wechat_only_its_own_browser_is_offered_and_at_the_top(client, reader):
    reader.reader = pb.ReaderIdentity(wechat_login="wechat")
    assert 'data-test="wechat-login"' not in client.get(f"/s/{TOKEN}").text
    page = client.get(f"/s/{TOKEN}", headers={"User-Agent": WECHAT_UA}).text
    assert page.index('data-test="wechat-offer"') < page.index("<h1>")


def test_c10_a_reader_who_logged_in_is_named_on_the_page(client, reader):
    reader.reader = pb.ReaderIdentity(
        wechat_login="any", wechat=True, nickname="王姐", avatar_url="https://thirdwx.qlogo.cn/a.png"
    )
    page = client.get(f"/s/{TOKEN}").text
    assert "已用微信身份查看：王姐" in page and 'src="https://thirdwx.qlogo.cn/a.png"' in page
    assert 'data-test="wechat-login"' not in page


def state_cookie(client):
    cookie = client.get_cookie("crm_wx_state", path=f"/s/{TOKEN}/wechat")
    return cookie.value if cookie else None


def test_c7_the_login_goes_to_wechat_with_a_state_only_this_browser_holds_and_back(client, fakes):
    assert client.get(f"/s/{TOKEN}/wechat").headers["Location"] == f"/s/{TOKEN}"  # no visitor yet
    client.get(f"/s/{TOKEN}")  # the page keeps the visitor's key
    resp = client.get(f"/s/{TOKEN}/wechat")
    assert resp.status_code == 302 and resp.headers["Location"].startswith(WECHAT_PAGE)
    set_cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and f"Path=/s/{TOKEN}/wechat" in set_cookie and "SameSite=Lax" in set_cookie
    (started,) = fakes["marketing"].rec.named("StartWechatLogin")
    state = state_cookie(client)
    assert started.request.state == state and len(state) == 32
    assert started.request.redirect_uri == f"http://localhost/s/{TOKEN}/wechat/back"
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["state"] == [state]

    back = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c0de", "state": state})
    assert back.status_code == 302 and back.headers["Location"] == f"/s/{TOKEN}"
    (login,) = fakes["marketing"].rec.named("WechatLogin")
    assert (login.request.token, login.request.visitor_key, login.request.code) == (TOKEN, KEY, "c0de")
    assert state_cookie(client) is None  # one use
    again = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c0de", "state": state})
    assert again.status_code == 400 and len(fakes["marketing"].rec.named("WechatLogin")) == 1


def test_c7_a_state_that_is_not_this_browsers_is_400_and_never_reaches_marketing(client, fakes):
    client.get(f"/s/{TOKEN}")
    client.get(f"/s/{TOKEN}/wechat")
    forged = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "attackers-code", "state": "0" * 32})
    assert forged.status_code == 400 and "请返回页面重新登录" in forged.text
    assert f'href="/s/{TOKEN}"' in forged.text
    other = client.application.test_client()  # a browser that never started a login
    other.set_cookie("crm_vk", KEY)
    none = other.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c", "state": ""})
    assert none.status_code == 400
    assert fakes["marketing"].rec.named("WechatLogin") == []


def logged_in_start(client):
    client.get(f"/s/{TOKEN}")
    client.get(f"/s/{TOKEN}/wechat")
    return state_cookie(client)


def test_r4_another_tenants_share_or_visitor_is_404(client, fakes):
    state = logged_in_start(client)
    fakes["marketing"].rec.fail["WechatLogin"] = NotFound("VISITOR_NOT_FOUND", "error.visitor_not_found")
    resp = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c0de", "state": state})
    assert resp.status_code == 404 and "链接无效或已失效" in resp.text
    fakes["marketing"].rec.fail["StartWechatLogin"] = NotFound("SHARE_NOT_FOUND", "error.share_not_found")
    assert client.get(f"/s/{TOKEN}/wechat").status_code == 404
    assert state_cookie(client) is None


def test_c7_a_spent_code_asks_to_log_in_again_and_wechat_down_is_503(client, fakes):
    state = logged_in_start(client)
    fakes["marketing"].rec.fail["WechatLogin"] = InvalidInput(
        "WECHAT_CODE_INVALID", "error.wechat_code_invalid", fields={"code": "validation.wechat_code_invalid"}
    )
    spent = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c0de", "state": state})
    assert spent.status_code == 400 and "微信授权已失效" in spent.text and f'href="/s/{TOKEN}/wechat"' in spent.text
    state = logged_in_start(client)
    fakes["marketing"].rec.fail["WechatLogin"] = Unavailable("WECHAT_UNAVAILABLE", "error.wechat_unavailable")
    down = client.get(f"/s/{TOKEN}/wechat/back", query_string={"code": "c0de", "state": state})
    assert down.status_code == 503 and "微信暂时无法登录" in down.text
    fakes["marketing"].rec.fail["StartWechatLogin"] = Conflict("WECHAT_LOGIN_OFF", "error.wechat_login_off")
    off = client.get(f"/s/{TOKEN}/wechat")
    assert off.status_code == 404 and "暂未开通微信登录" in off.text


def test_c7_a_reader_who_declines_goes_back_to_reading(client, fakes):
    state = logged_in_start(client)
    resp = client.get(f"/s/{TOKEN}/wechat/back", query_string={"state": state})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/s/{TOKEN}"
    assert fakes["marketing"].rec.named("WechatLogin") == []
