"""E7 E8 E9 C11 over HTTP at the gateway: bad input is refused naming the field before any call
to the coupons service (the real service is exercised by the stored-value journey), and every
ledger reason has a label in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STORED_VALUE_PATHS = {
    ("get", "/api/v1/customers/{customer_id}/stored-value"),
    ("get", "/api/v1/customers/{customer_id}/stored-value/entries"),
    ("post", "/api/v1/customers/{customer_id}/stored-value/credits"),
    ("post", "/api/v1/customers/{customer_id}/stored-value/debits"),
    ("post", "/api/v1/stored-value/bulk-top-ups"),
    ("post", "/api/v1/stored-value/coupon-gifts"),
    ("post", "/api/v1/recharge-rules"),
    ("get", "/api/v1/recharge-rules"),
    ("put", "/api/v1/recharge-rules/{rule_id}/active"),
    ("post", "/api/v1/customers/{customer_id}/recharges"),
    ("get", "/api/v1/points-rule"),
    ("put", "/api/v1/points-rule"),
    ("post", "/api/v1/customers/{customer_id}/points/earnings"),
    ("post", "/api/v1/precharges"),
    ("get", "/api/v1/precharges/{batch_id}"),
    ("post", "/api/v1/precharges/{batch_id}/code"),
    ("post", "/api/v1/precharges/{batch_id}/confirm"),
}
I18N = Path(__file__).resolve().parents[1] / "gateway" / "i18n"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/customers/c-1/recharges", {"paid_fen": 0}, "paid_fen"),
        ("/api/v1/customers/c-1/recharges", {"paid_fen": 100, "member_type": "vip"}, "member_type"),
        ("/api/v1/customers/c-1/stored-value/debits", {"amount": 1.5}, "amount"),
        ("/api/v1/customers/c-1/stored-value/credits", {"amount": 100, "reason": "spend"}, "reason"),
        (
            "/api/v1/recharge-rules",
            {"name": "x", "member_type": "online", "pay_fen": 100, "instalments": 0},
            "instalments",
        ),
        ("/api/v1/stored-value/bulk-top-ups", {"lines": []}, "lines"),
        ("/api/v1/precharges/b-1/confirm", {}, "code"),
    ],
)
def test_e7_e9_bad_input_names_the_field(client, auth, path, body, field):
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]


def test_e8_a_precharge_upload_must_be_an_xlsx(client, auth):
    import io

    data = {"file": (io.BytesIO(b"phone,amount\n"), "sheet.csv")}
    response = client.post("/api/v1/precharges?client_name=中国银行", data=data, headers=auth)
    assert response.status_code == 400
    assert (
        response.get_json()["error"]["fields"] == {"file": "文件必须是 .xlsx 表格"}
        or "file" in (response.get_json()["error"]["fields"])
    )


def test_e9_every_ledger_reason_has_a_label_in_both_languages():
    from coupons.domain import stored_value as rules

    reasons = {
        v
        for k, v in vars(rules).items()
        if k.isupper() and isinstance(v, str) and k not in ("BALANCE", "POINTS", "ONLINE", "IN_STORE")
    }
    for language in ("zh_CN", "en"):
        table = json.loads((I18N / f"{language}.json").read_text())
        missing = {r for r in reasons if f"stored_value.reason.{r}" not in table}
        assert not missing, (language, missing)
