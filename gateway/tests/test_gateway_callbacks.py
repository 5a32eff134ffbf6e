"""B6 B8 B12 at the gateway: the providers' callbacks reach the StorefrontService untouched (the
raw body bytes, the provider's signing headers) under the gateway's service token, and the
service's verdict is answered in the provider's own format; no token, at most 64 KB, limited
per address."""

from __future__ import annotations

import json

from crmkit.errors import InvalidInput, Unavailable

CALLBACK_PATHS = {("post", "/api/v1/callbacks/wechatpay"), ("post", "/api/v1/callbacks/dada")}
# Spacing and key order as WeChat Pay sent them: the signature covers these exact bytes.
WECHAT_BODY = b'{"id":"EV-1", "event_type":"TRANSACTION.SUCCESS" ,"resource":{"ciphertext":"\xe5\xbe\xae"}}'
WECHAT_HEADERS = {
    "Wechatpay-Signature": "c2lnbmF0dXJl",
    "Wechatpay-Timestamp": "1796553000",
    "Wechatpay-Nonce": "n0nce",
    "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A72",
    "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    "Content-Type": "application/json",
}
DADA_BODY = json.dumps({"client_id": "d-1", "order_id": "sf-1", "order_status": 3, "update_time": 1796553000})


def test_b6_a_wechat_pay_notification_is_forwarded_raw_as_the_gateway(client, fakes):
    response = client.post(
        "/api/v1/callbacks/wechatpay",
        data=WECHAT_BODY,
        headers={**WECHAT_HEADERS, "Authorization": "Bearer nothing-of-ours", "Cookie": "a=b", "X-Other": "1"},
    )

    assert response.status_code == 200 and response.get_data() == b""
    (call,) = fakes["storefront"].rec.named("HandlePaymentNotification")
    assert call.request.body == WECHAT_BODY
    assert dict(call.request.headers) == WECHAT_HEADERS
    assert (call.actor.kind, call.actor.subject_id, call.actor.tenant_id) == ("service", "gateway", "")


def test_b6_a_notification_not_taken_is_answered_fail_so_wechat_pay_retries(client, fakes):
    fakes["storefront"].callback_answer.accepted = False
    fakes["storefront"].callback_answer.message = "order busy"
    refused = client.post("/api/v1/callbacks/wechatpay", data=WECHAT_BODY, headers=WECHAT_HEADERS)

    fakes["storefront"].rec.fail["HandlePaymentNotification"] = InvalidInput("NOTIFICATION_INVALID")
    forged = client.post("/api/v1/callbacks/wechatpay", data=WECHAT_BODY, headers=WECHAT_HEADERS)

    fakes["storefront"].rec.fail["HandlePaymentNotification"] = Unavailable("SERVICE_UNAVAILABLE")
    down = client.post("/api/v1/callbacks/wechatpay", data=WECHAT_BODY, headers=WECHAT_HEADERS)

    assert (refused.status_code, refused.json) == (400, {"code": "FAIL", "message": "order busy"})
    assert (forged.status_code, forged.json) == (400, {"code": "FAIL", "message": "NOTIFICATION_INVALID"})
    assert (down.status_code, down.json) == (500, {"code": "FAIL", "message": "SERVICE_UNAVAILABLE"})


def test_b12_a_dada_callback_is_forwarded_raw_and_answered_ok(client, fakes):
    taken = client.post("/api/v1/callbacks/dada", data=DADA_BODY, headers={"Content-Type": "application/json"})
    fakes["storefront"].callback_answer.accepted = False
    fakes["storefront"].callback_answer.message = "bad signature"
    refused = client.post("/api/v1/callbacks/dada", data=DADA_BODY, headers={"Content-Type": "application/json"})

    assert (taken.status_code, taken.json) == (200, {"status": "ok", "msg": "ok"})
    assert (refused.status_code, refused.json) == (400, {"status": "fail", "msg": "bad signature"})
    first, _ = fakes["storefront"].rec.named("HandleDeliveryCallback")
    assert first.request.body == DADA_BODY.encode()
    assert dict(first.request.headers) == {"Content-Type": "application/json"}
    assert first.actor.subject_id == "gateway"


def test_b6_a_callback_over_64_kb_is_refused_before_any_call(client, fakes):
    big = b'{"pad":"' + b"x" * (64 * 1024) + b'"}'

    wechat = client.post("/api/v1/callbacks/wechatpay", data=big, headers=WECHAT_HEADERS)
    dada = client.post("/api/v1/callbacks/dada", data=big, headers={"Content-Type": "application/json"})
    exactly = client.post("/api/v1/callbacks/dada", data=b"y" * (64 * 1024))

    assert (wechat.status_code, wechat.json["code"]) == (413, "FAIL")
    assert (dada.status_code, dada.json["status"]) == (413, "fail")
    assert exactly.status_code == 200
    assert [c.method for c in fakes["storefront"].rec.calls] == ["HandleDeliveryCallback"]


def test_b6_callbacks_are_limited_per_address_in_their_own_bucket(make_app, fakes):
    client = make_app(rate_limit_callbacks_per_min=2, rate_limit_public_per_min=1).test_client()

    statuses = [client.post("/api/v1/callbacks/dada", data=DADA_BODY).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert len(fakes["storefront"].rec.named("HandleDeliveryCallback")) == 2
