"""D2 C7: the WeChat web-page authorization adapter against the local fake of WeChat (a real
socket): the authorization URL as WeChat documents it, code → access_token → userinfo, the app
secret checked, a code used twice refused as 40163, and WeChat's failures told apart (log in
again, or try later)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from marketing.wechat import FAKE_APP_ID, FAKE_APP_SECRET
from marketing.wechat.fake_server import FakeWechatServer
from marketing.wechat.oauth import WechatOAuth, login_from_env
from marketing.wechat.port import ANY_BROWSER, IN_WECHAT, WechatCodeRejected, WechatUnavailable


@pytest.fixture(scope="module")
def fake():
    with FakeWechatServer(port=0) as server:
        yield server


def adapter(url: str, *, app_id: str = FAKE_APP_ID, secret: str = FAKE_APP_SECRET) -> WechatOAuth:
    return WechatOAuth(app_id=app_id, app_secret=secret, open_url=url, api_url=url)


def test_d2_the_authorization_url_is_wechats_with_our_app_state_and_userinfo_scope():
    url = WechatOAuth(app_id="wx123", app_secret="s").authorize_url("https://crm.example.com/s/T/wechat/back", "ab12")
    assert url.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx123&redirect_uri=")
    assert url.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "appid": ["wx123"],
        "redirect_uri": ["https://crm.example.com/s/T/wechat/back"],
        "response_type": ["code"],
        "scope": ["snsapi_userinfo"],
        "state": ["ab12"],
    }


def test_c7_a_code_becomes_the_readers_openid_unionid_nickname_and_avatar(fake):
    user = adapter(fake.url).user_for_code(fake.issue_code("老王"))
    assert user.openid == fake.fake.openid(FAKE_APP_ID, "老王") and user.unionid == fake.fake.unionid("老王")
    assert user.nickname == "老王" and user.avatar_url.startswith(f"{fake.url}/_fake/avatar/")
    again = adapter(fake.url).user_for_code(fake.issue_code("老王"))
    assert (again.openid, again.unionid) == (user.openid, user.unionid)  # the same person
    assert requests.get(user.avatar_url, timeout=5).headers["Content-Type"] == "image/svg+xml"


def test_c7_a_code_used_twice_is_40163_and_an_unknown_one_40029(fake):
    code = fake.issue_code("小李")
    adapter(fake.url).user_for_code(code)
    with pytest.raises(WechatCodeRejected) as used:
        adapter(fake.url).user_for_code(code)
    assert used.value.errcode == 40163
    with pytest.raises(WechatCodeRejected) as unknown:
        adapter(fake.url).user_for_code("never-issued")
    assert unknown.value.errcode == 40029


def test_d2_a_wrong_secret_or_app_is_refused_and_spends_no_code(fake):
    code = fake.issue_code("小张")
    with pytest.raises(WechatUnavailable) as secret:
        adapter(fake.url, secret="not-the-secret").user_for_code(code)
    assert secret.value.errcode == 40125
    with pytest.raises(WechatUnavailable) as app:
        adapter(fake.url, app_id="wx-someone-else").user_for_code(code)
    assert app.value.errcode == 40013
    assert adapter(fake.url).user_for_code(code).nickname == "小张"  # still good with the right secret


def test_d2_wechat_busy_or_unreachable_is_unavailable(fake):
    fake.fail_next(-1, "system error")
    with pytest.raises(WechatUnavailable) as busy:
        adapter(fake.url).user_for_code(fake.issue_code())
    assert busy.value.errcode == -1
    with pytest.raises(WechatUnavailable):
        adapter("http://127.0.0.1:9").user_for_code("abc")


def test_c7_an_account_without_open_platform_names_no_unionid():
    with FakeWechatServer(port=0, bound=False) as unbound:
        user = adapter(unbound.url).user_for_code(unbound.issue_code("无联合"))
    assert user.openid and user.unionid == "" and user.nickname == "无联合"


def test_d2_the_fakes_consent_page_sends_the_browser_back_with_a_code_and_the_state(fake):
    start = adapter(fake.url).authorize_url("http://127.0.0.1:8000/s/T/wechat/back", "st4te")
    page = requests.get(start, timeout=5)
    assert page.status_code == 200 and "模拟微信授权" in page.text and 'name="nickname"' in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(start).query).items()}
    agreed = requests.get(
        f"{fake.url}/connect/oauth2/authorize/confirm",
        params={**query, "nickname": "阿明"},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(agreed.headers["Location"])
    assert agreed.status_code == 302 and back.path == "/s/T/wechat/back"
    returned = parse_qs(back.query)
    assert returned["state"] == ["st4te"]
    assert adapter(fake.url).user_for_code(returned["code"][0]).nickname == "阿明"
    wrong_app = requests.get(start.replace(FAKE_APP_ID, "wx-unknown"), timeout=5)
    assert wrong_app.status_code == 400 and "10016" in wrong_app.text


def test_d2_the_environment_configures_the_login_or_none():
    assert login_from_env({}) is None
    assert login_from_env({"WECHAT_APP_ID": " "}) is None
    with pytest.raises(RuntimeError):
        login_from_env({"WECHAT_APP_ID": "wx1"})
    real = login_from_env({"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s"})
    assert real.browsers == IN_WECHAT and real.api_url == "https://api.weixin.qq.com"
    local = login_from_env(
        {
            "WECHAT_APP_ID": "wx1",
            "WECHAT_APP_SECRET": "s",
            "WECHAT_API_URL": "http://x",
            "WECHAT_LOGIN_ANY_BROWSER": "true",
        }
    )
    assert local.browsers == ANY_BROWSER and local.api_url == "http://x"
