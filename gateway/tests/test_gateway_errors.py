"""H1: every error has one shape, the right status, and Chinese text; nothing leaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmkit.errors import InvalidInput, NotFound, PermissionDenied, QuotaExceeded, Unavailable


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def test_h1_missing_field_is_400_naming_it_in_chinese(client, fakes):
    response = client.post("/api/v1/auth/login/password", json={"phone": "13800000001"})

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_INPUT"
    assert error["message"] == "请求参数有误"
    assert error["fields"] == {"password": "此项为必填项"}
    assert fakes["identity"].rec.calls == []


def test_h1_invalid_fields_are_flattened_with_their_own_messages(client, auth):
    body = {"name": "x" * 40, "phone": "123", "roles": ["owner", "king"], "extra": 1}
    response = client.post("/api/v1/staff", json=body, headers=auth)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "name": "长度应在 1 到 32 个字符之间",
        "phone": "手机号格式不正确",
        "roles.1": "不是可选的值",
        "extra": "不支持的字段",
    }


def test_h1_query_out_of_range_names_the_parameter(client, auth, fakes):
    response = client.get("/api/v1/customers?page_size=1000", headers=auth)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"page_size": "应在 1 到 100 之间"}
    assert fakes["customers"].rec.calls == []


def test_h1_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login/password", data="{oops", content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_INPUT"
    assert error_of(response)["message"] == "请求内容不是有效的 JSON"


def test_h1_service_not_found_is_404_with_its_code_and_text(client, auth):
    response = client.get("/api/v1/customers/c-missing", headers=auth)

    assert response.status_code == 404
    assert error_of(response) | {"request_id": None} == {
        "code": "CUSTOMER_NOT_FOUND",
        "message": "客户不存在",
        "fields": {},
        "request_id": None,
    }


def test_h1_service_invalid_input_names_fields_in_chinese(client, auth, fakes):
    fakes["customers"].rec.fail["RegisterCustomer"] = InvalidInput(
        "CUSTOMER_INPUT_INVALID",
        "error.invalid_input",
        fields={"phone": "validation.phone_taken", "fields.birthday": "validation.invalid_date"},
    )
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "13900000000"}, headers=auth)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "CUSTOMER_INPUT_INVALID"
    assert error["fields"] == {"phone": "该手机号已被使用", "fields.birthday": "日期格式不正确，应为 YYYY-MM-DD"}


def test_h1_service_permission_denied_is_403(client, auth, fakes):
    fakes["identity"].rec.fail["SetStaffPermissions"] = PermissionDenied("NOT_ALLOWED", "error.permission_denied")
    response = client.put("/api/v1/staff/s-2/permissions", json={"permissions": ["change_price"]}, headers=auth)

    assert response.status_code == 403
    assert error_of(response)["code"] == "NOT_ALLOWED"
    assert error_of(response)["message"] == "没有权限执行此操作"


def test_h1_service_quota_exceeded_is_429_with_params_rendered(client, fakes):
    fakes["identity"].rec.fail["RequestSmsCode"] = QuotaExceeded(
        "SMS_TOO_FREQUENT", "error.sms_too_frequent", params={"retry_after": "42"}
    )
    response = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001"})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"
    assert error_of(response)["message"] == "验证码发送过于频繁，请 42 秒后再试"


def test_e2_a_coupon_not_yet_recorded_is_503_with_the_services_retry_after(client, auth, fakes):
    fakes["coupons"].rec.fail["RedeemCoupon"] = Unavailable(
        "COUPON_NOT_YET_RECORDED", "error.coupon_not_yet_recorded", params={"retry_after": "1"}
    )
    line = {"product_id": "p", "category_id": "c", "quantity": 1, "amount_fen": 12000}
    body = {"code": "1234567890123452", "order_id": "o-1", "lines": [line]}
    response = client.post("/api/v1/coupons/redeem", json=body, headers=auth)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert error_of(response)["code"] == "COUPON_NOT_YET_RECORDED"
    assert error_of(response)["message"] == "券刚领取，正在登记，请稍后再试"


def test_h1_unknown_message_key_falls_back_to_the_status_text(client, auth, fakes):
    fakes["customers"].rec.fail["ListCustomerFields"] = NotFound("THING_GONE", "error.brand_new_key_nobody_added")
    response = client.get("/api/v1/customer-fields", headers=auth)

    assert response.status_code == 404
    assert error_of(response)["message"] == "请求的资源不存在"
    assert "error." not in response.get_data(as_text=True).replace('"error"', "")


def test_h1_peer_down_is_503_not_500(make_app, auth, closed_port):
    client = make_app(peers={"messaging": closed_port}).test_client()

    response = client.get("/api/v1/notifications", headers=auth)

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert error_of(response)["code"] == "SERVICE_UNAVAILABLE"


def test_h1_exception_in_a_view_is_500_without_traceback(client, auth, monkeypatch, caplog):
    def broken(_customer):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("gateway.api.customers.customer_dict", broken)
    response = client.post("/api/v1/customers", json={"name": "张三", "phone": "13900000000"}, headers=auth)

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    error = error_of(response)
    assert error["code"] == "INTERNAL"
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert "hunter2" in caplog.text  # logged for us


def test_h1_no_token_is_401_before_any_call(client, fakes):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert error_of(response)["code"] == "TOKEN_MISSING"
    assert fakes["identity"].rec.calls == []


def test_h1_bad_and_expired_tokens_are_401(client, issuer):
    expired, _ = issuer.issue(
        kind="staff",
        subject_id="s-1",
        tenant_id="t-1",
        ttl=timedelta(minutes=1),
        now=datetime.now(UTC) - timedelta(hours=1),
    )

    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"})
    old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})

    assert (bad.status_code, error_of(bad)["code"]) == (401, "TOKEN_INVALID")
    assert (old.status_code, error_of(old)["code"]) == (401, "TOKEN_EXPIRED")
    assert error_of(old)["message"] == "登录已过期，请重新登录"


def test_a3_expired_seat_is_403_seat_expired(client, token):
    stale = token(roles=("salesperson",), seat_until=datetime.now(UTC) - timedelta(days=1))

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {stale}"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "SEAT_EXPIRED"
    assert error_of(response)["message"].startswith("试用期已结束")


def test_h1_stale_token_does_not_block_public_login(client):
    response = client.post(
        "/api/v1/auth/login/password",
        json={"phone": "13800000001", "password": "secret123"},
        headers={"Authorization": "Bearer expired-or-garbage"},
    )

    assert response.status_code == 200


def test_h1_wrong_password_is_401_invalid_credentials(client):
    response = client.post("/api/v1/auth/login/password", json={"phone": "13800000001", "password": "nope"})

    assert response.status_code == 401
    assert error_of(response)["message"] == "手机号或密码错误"


def test_h1_accept_language_en_gives_english(client):
    response = client.post(
        "/api/v1/auth/login/password", json={"phone": "13800000001"}, headers={"Accept-Language": "en-US,en;q=0.9"}
    )

    error = error_of(response)
    assert error["message"] == "The request is invalid"
    assert error["fields"] == {"password": "This field is required"}


def test_h1_flask_404_and_405_use_the_error_shape(client):
    missing = client.get("/api/v1/nothing-here")
    wrong_method = client.delete("/api/v1/stores")

    assert (missing.status_code, error_of(missing)["code"]) == (404, "NOT_FOUND")
    assert (wrong_method.status_code, error_of(wrong_method)["code"]) == (405, "METHOD_NOT_ALLOWED")
