"""B6: a shop customer's token opens the shop and nothing of the staff's. Generated from the
gateway's own routes, like R4's matrix from the document: every route of the API blueprints is a
staff route (answers a customer token 403 before any service is called), a shop route, or listed
here as public with the reason; a new route that is none of these fails the walk."""

from __future__ import annotations

import re

from gateway import customer_pages, reader, reader_wechat
from gateway.api import BLUEPRINTS

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LOGIN = "public: login, sign-up and refresh take no access token"
TOKEN_LINK = "public: the token in the path is the capability"
READER = "public: a reader's page or beat, the share token or view key is the capability"
CALLBACK = "public: a provider's callback, verified by the orders service"
PUBLIC = {
    ("POST", "/api/v1/auth/login/password"): LOGIN,
    ("POST", "/api/v1/auth/sms-codes"): LOGIN,
    ("POST", "/api/v1/auth/login/sms"): LOGIN,
    ("POST", "/api/v1/auth/login/choose"): LOGIN,
    ("POST", "/api/v1/auth/refresh"): LOGIN,
    ("POST", "/api/v1/tenants"): LOGIN,
    ("POST", "/api/v1/shop/login/code"): LOGIN,
    ("POST", "/api/v1/shop/login"): LOGIN,
    ("GET", "/api/v1/public/registrations/<string:token>"): TOKEN_LINK,
    ("POST", "/api/v1/public/registrations/<string:token>"): TOKEN_LINK,
    ("GET", "/api/v1/public/coupons/<string:claim_token>"): TOKEN_LINK,
    ("POST", "/api/v1/public/coupons/<string:claim_token>/claim"): TOKEN_LINK,
    ("POST", "/api/v1/public/views/<string:view_id>/beats"): READER,
    ("POST", "/api/v1/public/shares/<string:token>/forward"): READER,
    ("POST", "/api/v1/public/views/<string:view_id>/identify"): READER,
    ("GET", "/s/<string:token>"): READER,
    ("GET", "/s/<string:token>/file"): READER,
    ("GET", "/c/<string:token>"): READER,
    ("GET", "/<any(s, c):kind>/<string:token>/wechat"): READER,
    ("GET", "/<any(s, c):kind>/<string:token>/wechat/back"): READER,
    ("GET", "/join/<string:token>"): TOKEN_LINK,
    ("GET", "/q/<string:token>"): TOKEN_LINK,
    ("POST", "/api/v1/callbacks/wechatpay"): CALLBACK,
    ("POST", "/api/v1/callbacks/dada"): CALLBACK,
}


def routes(app):
    """(method, rule, view) of every route the gateway authenticates (its API and pages)."""
    names = {bp.name for bp in BLUEPRINTS} | {reader.bp.name, reader_wechat.bp.name, customer_pages.bp.name}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in names:
            for method in sorted(set(rule.methods) & set(METHODS)):
                yield method, rule, app.view_functions[rule.endpoint]


def url_of(rule) -> str:
    """The rule with each path parameter filled by a plausible id."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: f"{m.group(1)}-1", rule.rule)


def test_b6_every_route_is_staff_shop_or_listed_public(app):
    unclassified = [
        (method, rule.rule)
        for method, rule, view in routes(app)
        if not getattr(view, "_gateway_staff_only", False)
        and not getattr(view, "_gateway_customer_only", False)
        and (method, rule.rule) not in PUBLIC
    ]

    assert unclassified == []
    listed = {(method, rule.rule) for method, rule, _ in routes(app)}
    assert set(PUBLIC) <= listed, set(PUBLIC) - listed


def test_b6_a_customer_token_gets_403_on_every_staff_route_and_no_service_is_called(make_app, customer_auth, fakes):
    # No rate limit in the way of a walk over a few hundred routes.
    app = make_app(rate_limit_actor_per_min=100_000)
    client = app.test_client()
    staff_routes = [(method, rule) for method, rule, view in routes(app) if getattr(view, "_gateway_staff_only", False)]
    answers = {}

    for method, rule in staff_routes:
        response = client.open(url_of(rule), method=method, headers=customer_auth(), json={})
        answers[(method, rule.rule)] = (response.status_code, (response.get_json(silent=True) or {}).get("error", {}))

    assert len(staff_routes) > 200
    not_refused = {
        op: status for op, (status, error) in answers.items() if (status, error.get("code")) != (403, "STAFF_ONLY")
    }
    assert not_refused == {}
    assert all(not fake.rec.calls for fake in fakes.values())


def test_b6_a_customer_token_is_no_staff_member_to_the_services_either(client, customer_auth, fakes):
    # The gateway never sends it to a staff method; a caller of the gRPC port that does is
    # refused by crmkit's interceptor (test_grpc_customer_tokens), and the fakes here answer the
    # public methods whatever token comes along.
    response = client.post(
        "/api/v1/auth/sms-codes", json={"phone": "13912345678", "purpose": "login"}, headers=customer_auth()
    )

    assert response.status_code == 202
    assert fakes["identity"].rec.named("RequestSmsCode")
