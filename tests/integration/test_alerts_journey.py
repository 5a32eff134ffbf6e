"""F4 D2 over HTTP, both modes: a salesperson shares an article and keeps the app open (it polls
`GET /api/v1/alerts`); a reader opens the link and, within 2 s, the salesperson's poll holds the
alert 「新访客」查看了您分享的文章《…》 and the inbox holds the notification; the reader's friend opens
the forwarded link and the alert says 转发. Nobody else hears of it, and nothing is told twice."""

from __future__ import annotations

import re
import time

import requests
from client import Api
from journey import create_staff, login, notifications
from open_app import ALERT_WITHIN_SECONDS, OpenApp


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def own_link(html: str) -> str:
    return dict(re.findall(r'data-(own)="([^"]*)"', html))["own"]


def test_f4_d2_an_opened_article_reaches_the_open_app_within_2_s_and_the_inbox(platform, world):
    owner, anon = world["owner"], world["anon"]
    # a salesperson of their own, so no other journey's alerts or notifications are theirs
    staff = create_staff(owner, "钱业务", ["salesperson"], world["store_id"], password="secret123")
    sales = anon.as_(login(anon, staff["phone"]))
    # the store manager: told of many things in the store, not of a salesperson's readers
    colleague = world["manager"]
    article = ok(owner.post("/api/v1/articles", json={"title": "新品到店通知", "body_html": "<p>新品上架</p>"}), 201)
    ok(owner.put(f"/api/v1/articles/{article['id']}/active", json={"active": True}))
    share = ok(sales.post(f"/api/v1/articles/{article['id']}/shares", json={}), 201)

    app = OpenApp(sales)
    colleague_app = OpenApp(colleague)
    assert app.poll() == []

    # a reader opens the link: the clock starts when the page has reached them
    page = requests.get(f"{platform.gateway_url}/s/{share['token']}", timeout=10)
    assert page.status_code == 200 and "新品上架" in page.text
    alerts, taken = app.wait_for_alert(time.monotonic())
    assert alerts, f"no alert within {ALERT_WITHIN_SECONDS} s"
    assert taken <= ALERT_WITHIN_SECONDS
    [alert] = alerts
    assert alert["kind"] == "article_opened"
    assert alert["title"] == "「新访客」查看了您分享的文章《新品到店通知》"
    assert alert["subject"] == f"article:{article['id']}"

    # the inbox holds the same notification, unread
    inbox = ok(sales.get("/api/v1/notifications"))
    [notice] = [n for n in inbox["notifications"] if n["subject"] == f"article:{article['id']}"]
    assert (notice["id"], notice["title"], notice["read"]) == (alert["notification_id"], alert["title"], False)
    assert inbox["unread_count"] >= 1

    # the reader's friend opens the link the page gave the reader: a forward
    friend = requests.get(f"{platform.gateway_url}{own_link(page.text)}", timeout=10)
    assert friend.status_code == 200
    alerts, taken = app.wait_for_alert(time.monotonic())
    assert [a["title"] for a in alerts] == ["「新访客」通过转发查看了您分享的文章《新品到店通知》"]
    assert taken <= ALERT_WITHIN_SECONDS

    # nothing more for the salesperson (each opening told once), nothing for a colleague
    time.sleep(1.0)
    assert app.poll() == []
    assert colleague_app.poll() == []
    about = [n for n in notifications(sales) if n["subject"] == f"article:{article['id']}"]
    assert len(about) == 2
    assert not [n for n in notifications(colleague) if n["subject"] == f"article:{article['id']}"]


def test_f4_alerts_are_the_callers_own_and_the_cursor_is_checked(platform, world):
    sales = world["sales_b"]
    bad = sales.get("/api/v1/alerts", params={"after": "yesterday"})
    assert bad.status_code == 400 and "after" in bad.json()["error"]["fields"]
    assert Api(platform.gateway_url).get("/api/v1/alerts").status_code == 401
    # another merchant's owner reads their own stream: none of the first merchant's alerts
    other = world["other_owner"]
    assert ok(other.get("/api/v1/alerts", params={"after": "0-0"}))["alerts"] == []
