"""E7 E8 E9 C11 over HTTP at the gateway: bad input is refused naming the field before any call
to the coupons service (the real service is exercised by the stored-value journey), and every
ledger reason has a label in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.coupons.v1 import stored_value_pb2_grpc
from crmkit.protos import timestamp

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
    ("get", "/api/v1/recharges/{recharge_id}"),
    ("get", "/api/v1/points-rule"),
    ("put", "/api/v1/points-rule"),
    ("post", "/api/v1/customers/{customer_id}/points/earnings"),
    ("post", "/api/v1/precharges"),
    ("get", "/api/v1/precharges/{batch_id}"),
    ("post", "/api/v1/precharges/{batch_id}/code"),
    ("post", "/api/v1/precharges/{batch_id}/confirm"),
}


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


class FakeStoredValue(stored_value_pb2_grpc.StoredValueServiceServicer):
    """Answers like the service and records what the gateway sent (the gateway maps shapes only)."""

    def __init__(self):
        self.requests: list[tuple[str, object, str]] = []

    def _seen(self, method, request):
        from crmkit.auth import require_actor

        self.requests.append((method, request, require_actor().tenant_id))

    def RecordRecharge(self, request, context):
        from crm.common.v1 import common_pb2
        from crm.coupons.v1 import stored_value_pb2 as pb

        self._seen("RecordRecharge", request)
        if request.paid.fen == 13:
            from crmkit.errors import InvalidInput

            raise InvalidInput("STORED_VALUE_INPUT_INVALID", fields={"paid": "validation.invalid"})
        entry = pb.Entry(id="e-1", customer_id=request.customer_id, kind="balance", amount=request.paid.fen)
        entry.reason, entry.balance_after, entry.reference = "recharge", request.paid.fen, "r-1"
        bonus = pb.Entry(
            id="e-2", customer_id=request.customer_id, kind="balance", amount=8000, reason="recharge_bonus"
        )
        return pb.Recharge(
            id="r-1",
            customer_id=request.customer_id,
            paid=request.paid,
            member_type=request.member_type,
            rule_id="rule-1",
            bonus=common_pb2.Money(fen=8000),
            instalments=[pb.Instalment(seq=1, bonus=common_pb2.Money(fen=8000), coupon_template_ids=["t-1"])],
            entries=[entry, bonus],
            created_at=timestamp(datetime(2026, 11, 23, tzinfo=UTC)),
            gift_outcomes=[
                pb.RechargeGiftOutcome(instalment=1, kind="coupon", item_id="t-1", quantity=1, status="issued"),
                pb.RechargeGiftOutcome(
                    instalment=1, kind="product", item_id="p-1", quantity=2, status="refused", reason="no_store"
                ),
            ],
        )

    def GetRecharge(self, request, context):
        from crm.coupons.v1 import stored_value_pb2 as pb
        from crmkit.errors import NotFound

        self._seen("GetRecharge", request)
        if request.id != "r-1":
            raise NotFound("RECHARGE_NOT_FOUND", "error.recharge_not_found", params={"id": request.id})
        return pb.Recharge(
            id="r-1",
            customer_id="c-9",
            gift_outcomes=[
                pb.RechargeGiftOutcome(
                    instalment=1,
                    kind="product",
                    item_id="p-1",
                    quantity=2,
                    status="handed_out",
                    updated_at=timestamp(datetime(2026, 11, 23, tzinfo=UTC)),
                )
            ],
        )


@pytest.fixture
def sv_app(make_app, keys):
    from crmkit.auth import TokenVerifier
    from crmkit.grpc_client import ServiceClient
    from crmkit.grpc_server import ServiceRegistration, build_server

    fake = FakeStoredValue()
    reg = ServiceRegistration(
        stored_value_pb2_grpc.add_StoredValueServiceServicer_to_server, fake, "crm.coupons.v1.StoredValueService"
    )
    server, port, _ = build_server("sv-fake", [reg], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1")
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", stored_value_pb2_grpc.StoredValueServiceStub, "crm.coupons.v1.StoredValueService"
    )
    yield make_app(stored_value=client).test_client(), fake
    client.close()
    server.stop(0)


def test_e7_recharge_passes_the_idempotency_key_and_shows_the_entries_with_labels(sv_app, auth):
    client, fake = sv_app
    headers = {**auth, "Idempotency-Key": "k-42", "Accept-Language": "zh-CN"}
    response = client.post("/api/v1/customers/c-9/recharges", json={"paid_fen": 50_000}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert [(e["reason"], e["reason_text"], e["amount"]) for e in body["entries"]] == [
        ("recharge", "充值", 50_000),
        ("recharge_bonus", "充值赠送", 8_000),
    ]
    assert body["instalments"][0]["coupon_template_ids"] == ["t-1"] and body["bonus_fen"] == 8_000
    method, sent, tenant = fake.requests[-1]
    assert (method, sent.customer_id, sent.paid.fen, sent.member_type, sent.idempotency_key, tenant) == (
        "RecordRecharge",
        "c-9",
        50_000,
        "in_store",
        "k-42",
        "t-1",
    )
    english = client.post(
        "/api/v1/customers/c-9/recharges",
        json={"paid_fen": 50_000},
        headers={**auth, "Idempotency-Key": "k-43", "Accept-Language": "en"},
    )
    assert english.get_json()["entries"][1]["reason_text"] == "Recharge bonus"


def test_e7_the_services_field_names_become_the_json_names(sv_app, auth):
    client, _ = sv_app
    response = client.post("/api/v1/customers/c-9/recharges", json={"paid_fen": 13}, headers=auth)
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["paid_fen"]


def test_e7_recharge_shows_each_gift_outcome_with_labels(sv_app, auth):
    client, fake = sv_app
    headers = {**auth, "Idempotency-Key": "k-50", "Accept-Language": "zh-CN"}
    body = client.post("/api/v1/customers/c-9/recharges", json={"paid_fen": 50_000}, headers=headers).get_json()
    shape = ("kind", "status", "status_text", "reason", "reason_text")
    assert [tuple(o[k] for k in shape) for o in body["gift_outcomes"]] == [
        ("coupon", "issued", "已发放", "", ""),
        ("product", "refused", "未出库", "no_store", "充值时未选门店，无法扣减库存"),
    ]
    shown = client.get("/api/v1/recharges/r-1", headers={**auth, "Accept-Language": "en"})
    assert shown.status_code == 200, shown.get_data(as_text=True)
    (outcome,) = shown.get_json()["gift_outcomes"]
    assert (outcome["item_id"], outcome["quantity"], outcome["status_text"]) == ("p-1", 2, "Taken from stock")
    assert fake.requests[-1][0] == "GetRecharge" and fake.requests[-1][1].id == "r-1"
    missing = client.get("/api/v1/recharges/r-404", headers=auth)
    assert missing.status_code == 404
