"""Issue 11 at the edge: bad input anywhere is a 400 naming the field, never a 500; the OpenAPI
document states every integer's range and names each schema once."""

from __future__ import annotations

import json
import warnings

import pytest
from test_gateway_openapi import operations, resolve

from gateway.openapi import duplicate_schema_names
from gateway.ranges import PROTO_INTEGERS, proto_integer_types

CUSTOMER = {"name": "张三", "phone": "13900000000"}


def post_raw(client, path: str, raw: str, headers: dict):
    # The body is sent as written: `json=` would re-encode the escape the test is about.
    return client.post(path, data=raw.encode(), headers={**headers, "Content-Type": "application/json"})


def error_of(response) -> dict:
    return response.get_json()["error"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"name": "\\ud800", "phone": "13900000000"}', "name"),
        ('{"name": "张三", "phone": "13900000000", "tags": ["ok", "x\\udfff"]}', "tags.1"),
        ('{"name": "张三", "phone": "13900000000", "fields": {"shop": "\\udc00a"}}', "fields.shop"),
        ('{"name": "张三", "phone": "13900000000", "fields": {"\\ud800": "a"}}', "fields"),
        ('"\\ud800"', "_schema"),
        ('{"name": "张\\u0000三", "phone": "13900000000"}', "name"),
    ],
)
def test_h1_lone_surrogate_or_nul_is_a_400_naming_the_field(client, fakes, auth, raw, field):
    response = post_raw(client, "/api/v1/customers", raw, auth)

    assert response.status_code == 400, response.get_data(as_text=True)
    error = error_of(response)
    assert error["code"] == "INVALID_INPUT"
    assert error["fields"] == {field: "含有无效字符（NUL 字符或孤立的 UTF-16 代理项）"}
    assert fakes["customers"].rec.named("RegisterCustomer") == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/returns?customer_id=%00", "customer_id"),
        ("/api/v1/customers/c%001", "customer_id"),
        ("/api/v1/customers?q=a%00b", "q"),
    ],
)
def test_h1_nul_in_a_query_or_path_is_a_400_naming_the_parameter(client, fakes, auth, path, field):
    # PostgreSQL refuses NUL in text: it reached the services and answered 500 before issue 11
    response = client.get(path, headers=auth)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert list(error_of(response)["fields"]) == [field]
    assert fakes["customers"].rec.calls == [] and fakes["orders"].rec.calls == []


def test_h1_lone_surrogate_message_follows_accept_language(client, auth):
    response = post_raw(client, "/api/v1/customers", '{"name": "\\ud800"}', {**auth, "Accept-Language": "en"})

    assert response.status_code == 400
    assert error_of(response)["fields"]["name"].startswith("Must be text")


def test_h1_surrogate_pair_is_a_character_not_an_error(client, fakes, auth):
    # Given an emoji written as its escaped UTF-16 pair
    response = post_raw(client, "/api/v1/customers", '{"name": "张\\ud83d\\ude00", "phone": "13900000000"}', auth)

    # Then it is one character and reaches the service
    assert response.status_code == 201, response.get_json()
    assert fakes["customers"].rec.named("RegisterCustomer")[0].request.name == "张\U0001f600"


def test_h1_integer_past_its_proto_range_is_a_400_naming_the_field(client, fakes, auth):
    # Given a coupon template whose stock does not fit the proto's int32
    body = {"name": "券", "kind": "cash", "value_fen": 100, "valid_days": 30, "total_quantity": 2**31}

    response = client.post("/api/v1/coupon-templates", json=body, headers=auth)

    assert response.status_code == 400, response.get_json()
    assert set(error_of(response)["fields"]) == {"total_quantity"}
    assert fakes["coupons"].rec.named("CreateTemplate") == []
    # The largest int32 is accepted and reaches the service unchanged
    response = client.post("/api/v1/coupon-templates", json={**body, "total_quantity": 2**31 - 1}, headers=auth)
    assert response.status_code == 201, response.get_json()
    assert fakes["coupons"].rec.named("CreateTemplate")[0].request.template.total_quantity == 2**31 - 1


def test_h1_query_integer_past_its_range_is_a_400(client, auth):
    response = client.get("/api/v1/coupon-templates?page=99999999999999999999", headers=auth)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"page"}


def integers(spec, node, where, seen=()):
    """(where, schema) of every integer in a schema, following $refs."""
    if "$ref" in node:
        if node["$ref"] in seen:
            return
        seen = (*seen, node["$ref"])
        node = resolve(spec, node["$ref"])
    types = node.get("type")
    if types == "integer" or (isinstance(types, list) and "integer" in types):
        yield where, node
    for name, sub in node.get("properties", {}).items():
        yield from integers(spec, sub, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from integers(spec, node[key], f"{where}[]", seen)


def document_integers(spec):
    for method, path, op in operations(spec):
        for parameter in op.get("parameters", []):
            yield from integers(spec, parameter.get("schema", {}), f"{method} {path} ?{parameter['name']}")
        for content in op.get("requestBody", {}).get("content", {}).values():
            yield from integers(spec, content.get("schema", {}), f"{method} {path} body")
        for status, response in op.get("responses", {}).items():
            for content in response.get("content", {}).values():
                yield from integers(spec, content.get("schema", {}), f"{method} {path} {status}")


def test_h1_every_integer_in_the_document_states_its_proto_range(client):
    spec = client.get("/openapi.json").get_json()

    found = list(document_integers(spec))

    assert len(found) > 100
    for where, schema in found:
        low, high = PROTO_INTEGERS[schema["format"]]
        assert low <= schema["minimum"] <= schema["maximum"] <= high, (where, schema)


def test_h1_integer_format_is_read_from_the_protos(client):
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    assert proto_integer_types()["total_quantity"] == {"int32"}
    assert schemas["TemplateIn"]["properties"]["total_quantity"]["maximum"] == 2**31 - 1
    # An int64 in the proto (the segment filter's amount bounds) keeps the int64 range
    assert proto_integer_types()["min_amount_fen"] == {"int64"}
    assert schemas["SegmentFilterSchema"]["properties"]["min_amount_fen"]["maximum"] == 2**63 - 1
    # A field's own narrower range is kept
    assert schemas["TemplateIn"]["properties"]["percent_off"]["maximum"] == 99


def test_h1_openapi_is_generated_without_warnings_or_duplicate_schemas(make_app):
    # Given a fresh app (the document is built on its first request)
    client = make_app().test_client()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = client.get("/openapi.json").get_json()

    assert [str(w.message) for w in caught] == []
    assert duplicate_schema_names(spec) == {}
    # Two schema classes of one name in different areas are named after their area
    assert {"OrderLineIn", "CouponLineIn"} <= set(spec["components"]["schemas"])
    assert json.dumps(spec)  # still one valid JSON document


@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "en_US"])
def test_h1_token_missing_follows_accept_language(client, language):
    response = client.get("/api/v1/customers", headers={"Accept-Language": language})

    assert response.status_code == 401
    assert error_of(response) | {"request_id": None} == {
        "code": "TOKEN_MISSING",
        "message": "Missing access token, please log in",
        "fields": {},
        "request_id": None,
    }
    assert error_of(client.get("/api/v1/customers"))["message"] == "缺少登录凭证，请先登录"


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC: overflowed in the gateway
        "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
        "0001-01-01T00:00:00",  # naive: read as local time, overflowed too
        "1899-12-31T23:59:59+00:00",
        "3000-01-01T00:00:00+00:00",
    ],
)
def test_h1_time_outside_the_business_years_is_a_400_naming_the_field(client, fakes, auth, when):
    body = {"name": "券", "kind": "cash", "value_fen": 100, "valid_from": when, "valid_until": "2026-12-31T00:00:00Z"}

    response = client.post("/api/v1/coupon-templates", json=body, headers=auth)

    assert response.status_code == 400, response.get_json()
    assert error_of(response)["fields"] == {"valid_from": "超出范围：应在 1900-01-01 至 2999-12-31 之间"}
    assert fakes["coupons"].rec.named("CreateTemplate") == []


def test_h1_times_at_the_ends_of_the_business_years_are_accepted(client, fakes, auth):
    body = {
        "name": "券",
        "kind": "cash",
        "value_fen": 100,
        "valid_from": "1900-01-01T00:00:00+00:00",
        "valid_until": "2999-12-31T23:59:59+00:00",
    }

    response = client.post("/api/v1/coupon-templates", json=body, headers=auth)

    assert response.status_code == 201, response.get_json()
    sent = fakes["coupons"].rec.named("CreateTemplate")[0].request.template
    assert (sent.valid_from.ToDatetime().year, sent.valid_until.ToDatetime().year) == (1900, 2999)


def test_h1_query_dates_are_bounded_too(client, auth):
    response = client.get("/api/v1/dashboard/stores?date_from=0001-01-01&date_to=0001-01-02", headers=auth)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"date_from", "date_to"}
