"""H1: each area's endpoints turn JSON into the right gRPC request, forward the caller's token
and request id, and turn the answer back into snake_case JSON with ISO 8601 UTC times."""

from __future__ import annotations


def test_h1_password_login_returns_token_pair(client, fakes):
    response = client.post("/api/v1/auth/login/password", json={"phone": "13800000001", "password": "secret123"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["outcome"] == "logged_in" and body["choice"] is None
    assert body["access_token"] == "access.jwt" and body["refresh_token"] == "refresh-1"
    assert body["access_expires_at"] == "2026-01-01T00:00:00+00:00"
    assert body["staff"]["roles"] == ["owner"] and body["staff"]["seat"] is None
    (call,) = fakes["identity"].rec.named("LoginWithPassword")
    assert (call.request.phone, call.request.password, call.request.tenant_id) == ("13800000001", "secret123", "")
    # The gateway calls as itself (a service token), naming the client's address (issue 11).
    assert call.metadata["x-client-ip"] == "127.0.0.1"


def test_h1_sms_code_login_refresh_and_logout(client, fakes, auth):
    code = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001"})
    login = client.post("/api/v1/auth/login/sms", json={"phone": "13800000001", "code": "123456"})
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": "refresh-1"})
    logout = client.post("/api/v1/auth/logout", json={"refresh_token": "refresh-1"}, headers=auth)

    assert code.status_code == 202 and code.get_json() == {"expires_in_seconds": 300, "resend_after_seconds": 60}
    assert fakes["identity"].rec.named("RequestSmsCode")[0].request.purpose == "login"
    assert login.status_code == refreshed.status_code == 200
    assert logout.status_code == 204 and logout.get_data() == b""
    assert fakes["identity"].rec.named("Logout")[0].request.refresh_token == "refresh-1"


def test_h1_me_forwards_the_callers_token_to_the_service(client, fakes, token):
    mine = token(staff_id="s-7", tenant_id="t-7")

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {mine}"})

    assert response.status_code == 200
    assert response.get_json()["id"] == "s-7"
    (call,) = fakes["identity"].rec.named("GetMe")
    assert call.metadata["authorization"] == f"Bearer {mine}"
    assert call.actor.tenant_id == "t-7"


def test_h1_request_id_is_echoed_and_forwarded_to_the_service(client, fakes, auth):
    response = client.get("/api/v1/stores", headers={**auth, "X-Request-Id": "req-abc-123"})

    assert response.headers["X-Request-Id"] == "req-abc-123"
    assert fakes["identity"].rec.named("ListStores")[0].metadata["x-request-id"] == "req-abc-123"


def test_h1_request_id_is_made_when_missing_or_unsafe(client, fakes, auth):
    response = client.get("/api/v1/stores", headers={**auth, "X-Request-Id": "bad id <script>"})

    made = response.headers["X-Request-Id"]
    assert made and " " not in made
    assert fakes["identity"].rec.named("ListStores")[0].metadata["x-request-id"] == made


def test_h1_staff_create_list_get_and_permissions(client, fakes, auth):
    created = client.post(
        "/api/v1/staff",
        json={"name": "李销售", "phone": "13900000001", "roles": ["salesperson"], "store_ids": ["st-1"]},
        headers=auth,
    )
    listed = client.get("/api/v1/staff?role=salesperson&page=2&page_size=5", headers=auth)
    one = client.get("/api/v1/staff/s-3", headers=auth)
    switched = client.put("/api/v1/staff/s-3/permissions", json={"permissions": ["change_price"]}, headers=auth)

    assert created.status_code == 201 and created.get_json()["roles"] == ["salesperson"]
    request = fakes["identity"].rec.named("CreateStaff")[0].request
    assert (list(request.store_ids), request.password, list(request.permissions)) == (["st-1"], "", [])
    assert listed.get_json()["page"] == {"page": 2, "page_size": 5, "total": 1}
    list_request = fakes["identity"].rec.named("ListStaff")[0].request
    assert (list_request.role, list_request.page.page, list_request.page.page_size) == ("salesperson", 2, 5)
    assert one.get_json()["id"] == "s-3"
    assert switched.get_json()["permissions"] == ["change_price"]


def test_h1_customer_fields_define_and_list(client, fakes, auth):
    defined = client.put(
        "/api/v1/customer-fields/birthday", json={"label": "生日", "kind": "date", "required": True}, headers=auth
    )
    listed = client.get("/api/v1/customer-fields", headers=auth)
    bad_key = client.put("/api/v1/customer-fields/Bad-Key", json={"label": "x", "kind": "text"}, headers=auth)

    assert defined.status_code == 200
    assert defined.get_json() == {
        "key": "birthday",
        "label": "生日",
        "kind": "date",
        "required": True,
        "options": [],
        "position": 0,
    }
    assert listed.get_json()["fields"][0]["kind"] == "choice"
    assert bad_key.status_code == 400 and list(bad_key.get_json()["error"]["fields"]) == ["key"]
    assert len(fakes["customers"].rec.named("DefineCustomerField")) == 1


def test_c2_register_search_and_get_customer(client, fakes, auth):
    created = client.post(
        "/api/v1/customers",
        json={"name": "张三", "phone": "13900000000", "fields": {"industry": "餐饮"}},
        headers=auth,
    )
    found = client.get("/api/v1/customers?q=张&page_size=10", headers=auth)
    one = client.get(f"/api/v1/customers/{created.get_json()['id']}", headers=auth)

    assert created.status_code == 201
    assert created.get_json()["fields"] == {"industry": "餐饮"}
    assert created.get_json()["created_at"] == "2026-01-01T00:00:00+00:00"
    assert found.get_json()["page"] == {"page": 1, "page_size": 10, "total": 1}
    assert [c["name"] for c in found.get_json()["customers"]] == ["张三"]
    assert one.get_json() == created.get_json()
    assert fakes["customers"].rec.named("ListCustomers")[0].request.query == "张"


def test_f4_notifications_render_title_in_chinese_with_unread_count(client, auth):
    response = client.get("/api/v1/notifications?unread_only=true", headers=auth)

    body = response.get_json()
    assert response.status_code == 200
    assert body["unread_count"] == 2
    first, unknown = body["notifications"]
    assert first["title"] == "新客户登记：张三"
    assert first | {"title": None} == {
        "id": "n-1",
        "kind": "customer_registered",
        "title": None,
        "params": {"customer_name": "张三", "customer_id": "c-1"},
        "subject": "customer:c-1",
        "read": False,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    assert unknown["title"] == "您有一条新通知"  # never the raw key


def test_f4_notifications_title_follows_accept_language(client, auth):
    response = client.get("/api/v1/notifications", headers={**auth, "Accept-Language": "en"})

    assert response.get_json()["notifications"][0]["title"] == "New customer registered: 张三"


def test_f4_mark_read_takes_ids_or_all_but_not_neither(client, fakes, auth):
    by_ids = client.post("/api/v1/notifications/read", json={"ids": ["n-1"]}, headers=auth)
    every = client.post("/api/v1/notifications/read", json={"all": True}, headers=auth)
    neither = client.post("/api/v1/notifications/read", json={}, headers=auth)

    assert by_ids.get_json() == {"unread_count": 1}
    assert every.get_json() == {"unread_count": 0}
    assert neither.status_code == 400
    assert neither.get_json()["error"]["fields"] == {"ids": "请提供 ids 或 all=true"}
    calls = fakes["messaging"].rec.named("MarkNotificationsRead")
    assert [(list(c.request.ids), c.request.all) for c in calls] == [(["n-1"], False), ([], True)]


def test_h1_healthz_and_readyz_when_everything_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {
        "redis": "ok",
        "identity": "ok",
        "customers": "ok",
        "messaging": "ok",
        "orders": "ok",
        "coupons": "ok",
        "marketing": "ok",
        "printing": "ok",
    }


def test_h1_readyz_is_503_naming_what_is_down(make_app, closed_port):
    client = make_app(peers={"customers": closed_port}).test_client()

    ready = client.get("/readyz")

    assert ready.status_code == 503
    assert ready.get_json()["down"] == ["customers"]


def test_h1_metrics_count_requests_by_endpoint_and_status(client, auth):
    client.get("/api/v1/stores", headers=auth)
    client.get("/api/v1/me")

    text = client.get("/metrics").get_data(as_text=True)

    assert 'crm_http_requests_total{endpoint="/api/v1/stores",method="GET",status="200"}' in text
    assert 'crm_http_requests_total{endpoint="/api/v1/me",method="GET",status="401"}' in text
    assert 'crm_http_request_seconds_bucket{endpoint="/api/v1/stores"' in text
