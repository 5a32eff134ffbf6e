"""D2 C7 C10 over HTTP in both modes, with the local fake of WeChat the platform starts when no
WeChat app is configured: a reader logs in with WeChat from the article's page (the gateway's
state cookie, the fake's consent page, the code exchanged by marketing), is named on the page and
in the visitor centre with their WeChat nickname and avatar, and becomes exactly one lead with
their unionID: the same WeChat user in a second browser joins it, and a phone they give later
fills its phone. A state the browser did not start, a replayed return and another tenant's share
are refused."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import requests
from client import eventually


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def shared(owner, sharer, title: str) -> str:
    article = ok(owner.post("/api/v1/articles", json={"title": title, "body_html": "<p>正文</p>"}), 201)
    ok(owner.put(f"/api/v1/articles/{article['id']}/active", json={"active": True}))
    return ok(sharer.post(f"/api/v1/articles/{article['id']}/shares", json={}), 201)["token"]


def wechat_login(gateway: str, browser: requests.Session, token: str, nickname: str) -> requests.Response:
    """Open the page, follow its WeChat button to the fake's consent page, agree as `nickname`:
    answers WeChat's redirect back to the gateway (not yet followed)."""
    page = browser.get(f"{gateway}/s/{token}", timeout=10)
    assert page.status_code == 200 and f'href="/s/{token}/wechat"' in page.text and "微信登录" in page.text
    start = browser.get(f"{gateway}/s/{token}/wechat", allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text
    authorize = start.headers["Location"]
    consent = requests.get(authorize, timeout=10)
    assert consent.status_code == 200 and "模拟微信授权" in consent.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    fake = urlsplit(authorize)
    agreed = requests.get(
        f"{fake.scheme}://{fake.netloc}/connect/oauth2/authorize/confirm",
        params={**query, "nickname": nickname},
        allow_redirects=False,
        timeout=10,
    )
    assert agreed.status_code == 302 and agreed.headers["Location"].startswith(f"{gateway}/s/{token}/wechat/back?")
    return agreed


def test_c7_a_reader_logs_in_with_wechat_and_is_one_lead_by_unionid(platform, world):
    owner, sales, other = world["owner"], world["sales_b"], world["other_owner"]
    gateway = platform.gateway_url
    token = shared(owner, sales, "微信登录看新品")
    nickname = f"微信读者{uuid.uuid4().hex[:6]}"

    reader = requests.Session()
    back = wechat_login(gateway, reader, token, nickname).headers["Location"]
    returned = reader.get(back, allow_redirects=False, timeout=10)
    assert returned.status_code == 302 and returned.headers["Location"] == f"/s/{token}"
    page = reader.get(f"{gateway}/s/{token}", timeout=10).text
    assert f"已用微信身份查看：{nickname}" in page and 'data-test="wechat-login"' not in page
    # The return replayed (its state spent, its code used): refused, nothing changes.
    assert reader.get(back, allow_redirects=False, timeout=10).status_code == 400

    # C10: the visitor centre names them with WeChat's nickname and avatar.
    visitors = ok(sales.get("/api/v1/visitors", params={"page_size": 100}))["visitors"]
    (visitor,) = [v for v in visitors if v["nickname"] == nickname]
    assert visitor["wechat"] and visitor["avatar_url"].endswith(".svg") and visitor["phone"] == ""
    assert requests.get(visitor["avatar_url"], timeout=10).status_code == 200

    def leads_named():
        listed = ok(sales.get("/api/v1/leads", params={"scope": "mine", "page_size": 100}))["leads"]
        return [lead for lead in listed if lead["name"] == nickname]

    (lead,) = eventually(leads_named)
    assert lead["union_id"] and lead["source"] == "visitor" and lead["phone"] in ("", None)

    # The same WeChat user in another browser: another visitor, the same lead.
    second = requests.Session()
    agreed = wechat_login(gateway, second, token, nickname)
    assert second.get(agreed.headers["Location"], allow_redirects=False, timeout=10).status_code == 302
    # A phone the first browser gives later fills that lead's phone.
    number = "139" + str(uuid.uuid4().int)[:8]
    data = dict(re.findall(r'data-(view|visitor)="([^"]*)"', reader.get(f"{gateway}/s/{token}", timeout=10).text))
    left = reader.post(
        f"{gateway}/api/v1/public/views/{data['view']}/identify",
        json={"visitor_key": data["visitor"], "phone": number},
        timeout=10,
    )
    assert ok(left) == {"identified": True}

    def lead_with_phone():
        found = leads_named()
        return found if found and found[0]["phone"] == number else None

    (joined,) = eventually(lead_with_phone)
    assert joined["id"] == lead["id"] and joined["union_id"] == lead["union_id"]
    seen = [
        v for v in ok(sales.get("/api/v1/visitors", params={"page_size": 100}))["visitors"] if v["nickname"] == nickname
    ]
    assert len(seen) == 2 and len(leads_named()) == 1

    # A return this browser did not start: 400, marketing never asked.
    stranger = requests.Session()
    stranger.get(f"{gateway}/s/{token}", timeout=10)
    forged = stranger.get(f"{back.split('&state=')[0]}&state={'0' * 32}", allow_redirects=False, timeout=10)
    assert forged.status_code == 400

    # Another tenant's share: this browser is no visitor of theirs, so the login finds no one.
    theirs = shared(other, other, "别家的文章")
    foreign = requests.Session()
    foreign.cookies.set("crm_vk", reader.cookies["crm_vk"])
    start = foreign.get(f"{gateway}/s/{theirs}/wechat", allow_redirects=False, timeout=10)
    assert start.status_code == 302
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    refused = foreign.get(
        f"{gateway}/s/{theirs}/wechat/back", params={"code": code, "state": state}, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 404
    assert all(v["nickname"] != nickname for v in ok(other.get("/api/v1/visitors"))["visitors"])
