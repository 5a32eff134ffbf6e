"""C3 pool rules per member level over HTTP: the level rules reach the ownership service as
proto messages and come back as JSON; the edge refuses malformed ones naming the field; the
service's own refusal keeps its field names; the OpenAPI document describes the list."""

from __future__ import annotations

from crmkit.errors import InvalidInput
from gateway import i18n

WARNING_KEY = "validation.not_after_pool_warning"
VIP = {"level": "VIP", "followup_days": 0, "order_days": 90}


def error(response) -> dict:
    return response.get_json()["error"]


def test_c3_level_rules_sent_and_returned(client, fakes, auth):
    body = {"pool_order_days": 30, "pool_level_rules": [VIP, {"level": "金卡", "followup_days": 10}]}
    saved = client.put("/api/v1/customer-settings", json=body, headers=auth)
    assert saved.status_code == 200, saved.text
    assert saved.get_json()["pool_level_rules"] == [VIP, {"level": "金卡", "followup_days": 10, "order_days": 0}]
    sent = fakes["ownership"].rec.named("UpdateCustomerSettings")[-1].request
    assert [(r.level, r.followup_days, r.order_days) for r in sent.pool_level_rules] == [
        ("VIP", 0, 90),
        ("金卡", 10, 0),
    ]
    assert sent.pool_order_days == 30
    # Left out: no level rules (the whole set is replaced).
    plain = client.put("/api/v1/customer-settings", json={"pool_order_days": 30}, headers=auth).get_json()
    assert plain["pool_level_rules"] == []
    assert client.get("/api/v1/customer-settings", headers=auth).get_json()["pool_level_rules"] == []


def test_c3_malformed_level_rules_refused_at_the_edge(client, fakes, auth):
    calls = len(fakes["ownership"].rec.named("UpdateCustomerSettings"))
    bad = client.put(
        "/api/v1/customer-settings",
        json={"pool_level_rules": [VIP, {"level": "", "order_days": -1}, {"followup_days": 5}]},
        headers=auth,
    )
    assert bad.status_code == 400
    assert set(error(bad)["fields"]) == {
        "pool_level_rules.1.level",
        "pool_level_rules.1.order_days",
        "pool_level_rules.2.level",
    }
    many = [{"level": f"L{i}", "order_days": 30} for i in range(21)]
    too_many = client.put("/api/v1/customer-settings", json={"pool_level_rules": many}, headers=auth)
    assert too_many.status_code == 400 and set(error(too_many)["fields"]) == {"pool_level_rules"}
    assert len(fakes["ownership"].rec.named("UpdateCustomerSettings")) == calls


def test_c3_service_refusal_names_the_level_rule_field(client, fakes, auth):
    fakes["ownership"].rec.fail["UpdateCustomerSettings"] = InvalidInput(
        "CUSTOMER_SETTINGS_INVALID",
        "error.invalid_input",
        fields={"pool_level_rules.1.level": "validation.duplicate", "pool_level_rules.0.order_days": WARNING_KEY},
    )
    try:
        refused = client.put(
            "/api/v1/customer-settings",
            json={"pool_level_rules": [VIP, VIP]},
            headers=auth | {"Accept-Language": "zh-CN"},
        )
    finally:
        del fakes["ownership"].rec.fail["UpdateCustomerSettings"]
    assert refused.status_code == 400
    assert error(refused)["fields"] == {
        "pool_level_rules.1.level": "与其他行重复",
        "pool_level_rules.0.order_days": "须多于到期提醒天数",
    }
    english = i18n.render(WARNING_KEY, {}, language="en", fallback="")
    assert english == "Must be more days than the pool warning"


def test_c3_openapi_describes_level_rules(client):
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    settings = next(s for name, s in schemas.items() if name.startswith("SettingsIn"))
    rules = settings["properties"]["pool_level_rules"]
    assert "member level" in rules["description"].lower()
    rule = next(s for name, s in schemas.items() if name.startswith("PoolLevelRule"))
    assert {"level", "followup_days", "order_days"} <= set(rule["properties"])
