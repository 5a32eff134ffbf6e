"""H1: the OpenAPI document describes every endpoint, and the interactive docs can use it."""

from __future__ import annotations

import re

from test_gateway_activity import ACTIVITY_PATHS
from test_gateway_articles import ARTICLES_PATHS, ARTICLES_PUBLIC
from test_gateway_callbacks import CALLBACK_PATHS
from test_gateway_changes_and_record import CHANGES_PATHS
from test_gateway_coupons import COUPONS_PATHS, COUPONS_PUBLIC
from test_gateway_materials import MATERIALS_PATHS
from test_gateway_orders import ORDERS_PATHS
from test_gateway_ownership import OWNERSHIP_PATHS, OWNERSHIP_PUBLIC
from test_gateway_performance import PERFORMANCE_PATHS
from test_gateway_printing import PRINTING_PATHS
from test_gateway_receivables import RECEIVABLES_PATHS
from test_gateway_reports import REPORTS_PATHS
from test_gateway_segments import SEGMENTS_PATHS
from test_gateway_shop import SHOP_PATHS, SHOP_PUBLIC
from test_gateway_store_network import STORE_NETWORK_PATHS
from test_gateway_stored_value import STORED_VALUE_PATHS
from test_gateway_storefront import STOREFRONT_PATHS

EXPECTED = (
    ORDERS_PATHS
    | RECEIVABLES_PATHS
    | PERFORMANCE_PATHS
    | STORE_NETWORK_PATHS
    | ACTIVITY_PATHS
    | OWNERSHIP_PATHS
    | SEGMENTS_PATHS
    | COUPONS_PATHS
    | STORED_VALUE_PATHS
    | REPORTS_PATHS
    | CHANGES_PATHS
    | ARTICLES_PATHS
    | MATERIALS_PATHS
    | PRINTING_PATHS
    | STOREFRONT_PATHS
    | SHOP_PATHS
    | CALLBACK_PATHS
    | {
        ("post", "/api/v1/auth/login/password"),
        ("post", "/api/v1/auth/sms-codes"),
        ("post", "/api/v1/auth/login/sms"),
        ("post", "/api/v1/auth/login/choose"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/tenants"),
        ("get", "/api/v1/stores"),
        ("post", "/api/v1/stores"),
        ("put", "/api/v1/stores/{store_id}"),
        ("get", "/api/v1/staff"),
        ("post", "/api/v1/staff"),
        ("get", "/api/v1/staff/{staff_id}"),
        ("put", "/api/v1/staff/{staff_id}/permissions"),
        ("put", "/api/v1/staff/{staff_id}/active"),
        ("get", "/api/v1/customer-fields"),
        ("put", "/api/v1/customer-fields/{key}"),
        ("post", "/api/v1/customers"),
        ("get", "/api/v1/customers"),
        ("post", "/api/v1/customers/levels"),
        ("get", "/api/v1/customers/{customer_id}"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
        ("get", "/api/v1/alerts"),
    }
)
PUBLIC = {
    "/api/v1/auth/login/password",
    "/api/v1/auth/sms-codes",
    "/api/v1/auth/login/sms",
    "/api/v1/auth/login/choose",
    "/api/v1/auth/refresh",
    "/api/v1/tenants",
    *OWNERSHIP_PUBLIC,
    *COUPONS_PUBLIC,
    *ARTICLES_PUBLIC,
    *SHOP_PUBLIC,
    *(path for _, path in CALLBACK_PATHS),
}
METHODS = {"get", "post", "put", "patch", "delete"}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(spec, ref):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def test_h1_openapi_is_valid_openapi_3_with_every_path(client):
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert {(m, p) for m, p, _ in operations(spec)} == EXPECTED
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)) == len(EXPECTED)
    for _, path, op in operations(spec):
        assert op["summary"] and op["tags"] and op["responses"], path
        for name in (p["name"] for p in op.get("parameters", []) if p["in"] == "path"):
            assert "{" + name + "}" in path
    for ref in set(refs(spec)):
        assert isinstance(resolve(spec, ref), dict), ref


def test_h1_openapi_has_bearer_scheme_on_staff_endpoints_only(client):
    spec = client.get("/openapi.json").get_json()

    schemes = spec["components"]["securitySchemes"]
    assert schemes == {"BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for _, path, op in operations(spec):
        if path in PUBLIC:
            assert not op.get("security"), path
        else:
            assert op["security"] == [{"BearerAuth": []}], path


def test_h1_openapi_documents_the_error_envelope_and_tags(client):
    spec = client.get("/openapi.json").get_json()

    error = spec["components"]["schemas"]["HTTPError"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    tags = {tag for _, _, op in operations(spec) for tag in op["tags"]}
    assert tags == {
        "Auth",
        "Tenants",
        "Stores",
        "Staff",
        "Customers",
        "Notifications",
        "Catalogue",
        "Orders",
        "Returns",
        "Receivables",
        "Performance",
        "Store network",
        "Activity",
        "Ownership",
        "Segments",
        "Coupons",
        "Coupon batches",
        "Stored value",
        "Reports",
        "Articles",
        "Printers",
        "Reading",
        "Visitors",
        "Data centre",
        "Cards",
        "Materials",
        "Posters",
        "Storefront",
        "Shop",
        "Callbacks",
    }
    query = spec["paths"]["/api/v1/customers"]["get"]["parameters"]
    page_size = next(p for p in query if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100 and page_size["schema"]["default"] == 20


def test_h1_docs_page_serves_html(client):
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/openapi.json" in response.get_data(as_text=True)


def test_h1_ops_endpoints_are_not_in_the_api_document(client):
    spec = client.get("/openapi.json").get_json()

    assert not {"/healthz", "/readyz", "/metrics"} & set(spec["paths"])


def test_h1_docs_page_needs_no_cdn(client):
    # Servers in China and offline installs often cannot reach jsdelivr: every asset is ours.
    html = client.get("/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.get_data()) > 100, asset


def test_h6_every_view_taking_an_idempotency_key_declares_the_header_once(client, app):
    spec = client.get("/openapi.json").get_json()
    declared = {
        (path, method): [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        for method, path, op in operations(spec)
    }
    takes = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "takes_idempotency_key", False)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(takes) >= 20
    assert all(len(declared[op]) == 1 for op in takes), [op for op in takes if len(declared[op]) != 1]
    assert not [op for op, found in declared.items() if found and op not in takes]
    # Optional where the gateway merely honours it; required where a duplicate costs goods.
    assert declared[("/api/v1/staff", "post")][0]["required"] is False
    assert declared[("/api/v1/orders", "post")][0]["required"] is True


# Schema classes that already share a name (apispec numbers the later one, so which one the web
# client's type gets depends on import order): to be renamed apart; no new name may join them.
KNOWN_SHARED_SCHEMA_NAMES = {"ActiveIn", "ApplicationIn", "ApplicationQuery", "LineIn", "ReasonIn"}


def test_h6_no_two_schemas_share_a_name():
    import importlib
    import pkgutil

    from apiflask import Schema

    import gateway.api

    seen: dict[str, set[str]] = {}
    for module in pkgutil.iter_modules(gateway.api.__path__):
        loaded = importlib.import_module(f"gateway.api.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == loaded.__name__:
                seen.setdefault(name, set()).add(loaded.__name__)
    shared = {name for name, modules in seen.items() if len(modules) > 1}
    assert shared <= KNOWN_SHARED_SCHEMA_NAMES, shared - KNOWN_SHARED_SCHEMA_NAMES
