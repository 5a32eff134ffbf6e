"""D2 C7 on PostgreSQL through gRPC, with the local fake of WeChat: a reader logs in with WeChat
(StartWechatLogin, WechatLogin); the visitor keeps openid, unionid, nickname and avatar, the page
and the visitor centre show them, and a unionID WeChat names for the first time is told once as
visitor_identified (then a phone joins it). A used code, another tenant's visitor, staff tokens
and a platform without a WeChat app are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from marketing_testkit import ref, staff_token
from test_marketing_visitors import identified_events, identify, open_, shared_article

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.auth import SERVICE, Actor
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marketing.service import wechat as wechat_login
from marketing.wechat import FAKE_APP_ID, FAKE_APP_SECRET
from marketing.wechat.fake_server import FakeWechatServer
from marketing.wechat.oauth import WechatOAuth

BACK = "https://crm.example.com/s/TOKEN/wechat/back"
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def login(marketing, token, key, code):
    return marketing.call(
        "WechatLogin", pb.WechatLoginRequest(token=token, visitor_key=key, code=code), as_service=True
    )


def test_d2_the_login_starts_on_wechats_page_for_a_live_share_only(marketing, tenant, wechat):
    link = shared_article(marketing, tenant, tenant.sales)
    started = marketing.call(
        "StartWechatLogin",
        pb.StartWechatLoginRequest(token=link.token, redirect_uri=BACK, state="abc123"),
        as_service=True,
    )
    url = urlsplit(started.url)
    assert f"{url.scheme}://{url.netloc}" == wechat.url and url.path == "/connect/oauth2/authorize"
    assert parse_qs(url.query)["appid"] == [FAKE_APP_ID] and parse_qs(url.query)["state"] == ["abc123"]
    with pytest.raises(InvalidInput) as bad:
        marketing.call(
            "StartWechatLogin",
            pb.StartWechatLoginRequest(token=link.token, redirect_uri="javascript:alert(1)", state="a-b"),
            as_service=True,
        )
    assert bad.value.fields == {"redirect_uri": "validation.invalid", "state": "validation.invalid"}
    with pytest.raises(NotFound):
        marketing.call(
            "StartWechatLogin",
            pb.StartWechatLoginRequest(token="AAAAAAAAAAAAAAAAAAAAAA", redirect_uri=BACK, state="abc"),
            as_service=True,
        )
    with pytest.raises(PermissionDenied):
        marketing.call(
            "StartWechatLogin",
            pb.StartWechatLoginRequest(token=link.token, redirect_uri=BACK, state="abc"),
            token=tenant.sales,
        )


def test_c7_a_wechat_reader_is_named_on_the_page_and_in_the_visitor_centre_and_told_once(marketing, tenant, wechat, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    assert opened.reader.wechat_login == "wechat" and not opened.reader.wechat
    done = login(marketing, link.token, opened.visitor_key, wechat.issue_code("王姐"))
    assert done.nickname == "王姐" and done.lead and done.avatar_url.startswith(wechat.url)

    again = open_(marketing, link.token, opened.visitor_key)
    assert again.reader.wechat and again.reader.nickname == "王姐" and again.reader.avatar_url == done.avatar_url
    (visitor,) = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.sales).visitors
    assert (visitor.nickname, visitor.avatar_url, visitor.wechat) == ("王姐", done.avatar_url, True)
    (event,) = identified_events(db, tenant.id)
    assert event["via"] == "wechat" and event["name"] == "王姐" and event["phone"] == ""
    assert event["union_id"] == wechat.fake.unionid("王姐")
    assert event["open_id"] == wechat.fake.openid(FAKE_APP_ID, "王姐")
    assert event["staff_id"] == tenant.sales_id and event["title"] == "新品推荐"

    # Logged in again as the same person: nothing new to tell.
    login(marketing, link.token, opened.visitor_key, wechat.issue_code("王姐"))
    assert len(identified_events(db, tenant.id)) == 1
    # A phone afterwards: told with the unionID, so the customers service fills that lead's phone.
    identify(marketing, opened, "13900002222")
    phone_event = identified_events(db, tenant.id)[-1]
    assert phone_event["via"] == "phone" and phone_event["phone"] == "13900002222"
    assert phone_event["union_id"] == event["union_id"] and phone_event["name"] == "王姐"


def test_c7_a_phone_given_first_goes_with_the_wechat_login(marketing, tenant, wechat, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    identify(marketing, opened, "13900003333", name="赵总")
    login(marketing, link.token, opened.visitor_key, wechat.issue_code("赵总的微信"))
    first, second = identified_events(db, tenant.id)
    assert first["via"] == "phone" and first["union_id"] == ""
    assert second["via"] == "wechat" and second["phone"] == "13900003333"
    assert second["union_id"] == wechat.fake.unionid("赵总的微信")


def test_c7_a_code_used_twice_is_refused_and_changes_nothing(marketing, tenant, wechat, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    code = wechat.issue_code("钱先生")
    login(marketing, link.token, opened.visitor_key, code)
    with pytest.raises(InvalidInput) as used:
        login(marketing, link.token, opened.visitor_key, code)
    assert used.value.code == "WECHAT_CODE_INVALID" and used.value.fields == {"code": "validation.wechat_code_invalid"}
    with pytest.raises(InvalidInput) as malformed:
        login(marketing, link.token, opened.visitor_key, "bad code!")
    assert malformed.value.fields == {"code": "validation.invalid"}
    assert len(identified_events(db, tenant.id)) == 1


def test_c7_another_tenants_visitor_is_not_found_and_spends_no_code(marketing, tenant, wechat):
    theirs = ref("t")
    other_owner = staff_token(theirs, ref("o"), "owner")
    other_sales = staff_token(theirs, ref("s"))
    made = marketing.call("CreateArticle", pb.ArticleInput(title="别家的", body_html="<p>x</p>"), token=other_owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=other_owner)
    other_link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=made.id), token=other_sales)
    mine = open_(marketing, shared_article(marketing, tenant, tenant.sales).token)
    code = wechat.issue_code("孙小姐")
    with pytest.raises(NotFound) as foreign:
        login(marketing, other_link.token, mine.visitor_key, code)
    assert foreign.value.code == "VISITOR_NOT_FOUND"
    with pytest.raises(NotFound):
        login(marketing, "AAAAAAAAAAAAAAAAAAAAAA", mine.visitor_key, code)
    with pytest.raises(PermissionDenied):
        marketing.call(
            "WechatLogin",
            pb.WechatLoginRequest(token=other_link.token, visitor_key=mine.visitor_key, code=code),
            token=other_sales,
        )


def test_c7_without_a_unionid_the_reader_is_named_but_no_lead_is_told(marketing, tenant, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    service = Actor(kind=SERVICE, subject_id="gateway", tenant_id="")
    with FakeWechatServer(port=0, bound=False) as unbound:
        port = WechatOAuth(app_id=FAKE_APP_ID, app_secret=FAKE_APP_SECRET, open_url=unbound.url, api_url=unbound.url)
        done = wechat_login.wechat_login(
            db, service, port, link.token, opened.visitor_key, unbound.issue_code("周先生"), now=NOW
        )
    assert done.nickname == "周先生" and not done.lead
    assert identified_events(db, tenant.id) == []
    (visitor,) = marketing.call("ListVisitors", pb.ListVisitorsRequest(), token=tenant.sales).visitors
    assert visitor.wechat and visitor.nickname == "周先生"


def test_d2_without_a_wechat_app_the_login_is_off(marketing, tenant, db):
    link = shared_article(marketing, tenant, tenant.sales)
    opened = open_(marketing, link.token)
    service = Actor(kind=SERVICE, subject_id="gateway", tenant_id="")
    with pytest.raises(Conflict) as off:
        wechat_login.start_wechat_login(db, service, None, link.token, BACK, "abc")
    assert off.value.code == "WECHAT_LOGIN_OFF"
    with pytest.raises(Conflict):
        wechat_login.wechat_login(db, service, None, link.token, opened.visitor_key, "abc", now=NOW)
