"""E3 physical coupons over the real gRPC server: make, export, issue, hand out, sell, redeem at
the counter, and the stock ledger."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from coupons_testkit import Caller, line, money, template
from openpyxl import load_workbook

from coupons.domain import codes
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


def _batch(caller, quantity=20, **overrides):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(min_spend=money(0), **overrides)))
    return made, caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=quantity))


def _export(caller, batch_id):
    reply = caller.owner("ExportBatch", pb.BatchRequest(id=batch_id))
    sheet = load_workbook(io.BytesIO(reply.content)).active
    return [row for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_e3_batch_is_made_exported_issued_handed_out_sold_and_redeemed(caller):
    made, batch = _batch(caller, quantity=20)
    assert (batch.status, batch.made, batch.issued, batch.in_stock) == ("made", 20, 0, 0)
    rows = _export(caller, batch.id)
    assert [r[0] for r in rows] == list(range(1, 21))
    assert len({r[1] for r in rows}) == 20 and all(codes.is_well_formed(r[1]) for r in rows)
    assert rows[0][2] == "CRMCPN:" + rows[0][1]
    # Printed but not released: the counter refuses it.
    with pytest.raises(Conflict) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=rows[0][1], order_id="o-1", lines=[line()]))
    assert err.value.code == "COUPON_NOT_RELEASED"
    with pytest.raises(Conflict) as err:
        caller.owner("HandOutCoupons", pb.HandOutCouponsRequest(batch_id=batch.id, store_id="store-1", quantity=5))
    assert err.value.code == "COUPON_BATCH_NOT_ISSUED"

    issued = caller.owner("IssueBatch", pb.BatchRequest(id=batch.id))
    assert (issued.status, issued.issued, issued.in_stock) == ("issued", 20, 20)
    with pytest.raises(Conflict):
        caller.owner("IssueBatch", pb.BatchRequest(id=batch.id))
    handed = caller.owner("HandOutCoupons", pb.HandOutCouponsRequest(batch_id=batch.id, store_id="store-1", quantity=5))
    sold = caller.owner("SellCoupons", pb.SellCouponsRequest(batch_id=batch.id, buyer="中国银行", quantity=10))
    assert (handed.handed_out, sold.sold, sold.in_stock) == (5, 10, 5)
    assert [(m.kind, m.first_serial, m.last_serial) for m in sold.movements] == [
        ("made", 1, 20),
        ("issued", 1, 20),
        ("handed_out", 1, 5),
        ("sold", 6, 15),
    ]
    with pytest.raises(Conflict) as err:
        caller.owner("SellCoupons", pb.SellCouponsRequest(batch_id=batch.id, buyer="x", quantity=6))
    assert err.value.code == "COUPON_BATCH_OUT_OF_STOCK"

    # A handed-out coupon is redeemed at the counter once; one still in stock is refused.
    done = caller.as_role(
        "store_manager", "RedeemCoupon", pb.RedeemCouponRequest(code=rows[2][1], order_id="o-2", lines=[line()])
    )
    assert done.discount.fen == 2000
    with pytest.raises(Conflict) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=rows[19][1], order_id="o-3", lines=[line()]))
    assert err.value.code == "COUPON_NOT_RELEASED"
    ledger = caller.owner("GetBatch", pb.BatchRequest(id=batch.id))
    assert (ledger.made, ledger.issued, ledger.handed_out, ledger.sold, ledger.redeemed, ledger.in_stock) == (
        20,
        20,
        5,
        10,
        1,
        5,
    )
    stats = caller.owner("GetTemplateStats", pb.GetTemplateStatsRequest(template_id=made.id))
    assert (stats.issued, stats.redeemed) == (15, 1)


def test_e3_concurrent_hand_outs_never_hand_a_coupon_twice(caller):
    _, batch = _batch(caller, quantity=30)
    caller.owner("IssueBatch", pb.BatchRequest(id=batch.id))
    start = threading.Barrier(8)

    def hand(i):
        start.wait()
        try:
            caller.owner(
                "HandOutCoupons", pb.HandOutCouponsRequest(batch_id=batch.id, store_id=f"store-{i}", quantity=4)
            )
            return "ok"
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(hand, range(8)))
    assert results.count("ok") == 7 and results.count("COUPON_BATCH_OUT_OF_STOCK") == 1
    ledger = caller.owner("GetBatch", pb.BatchRequest(id=batch.id))
    moves = sorted((m.first_serial, m.last_serial) for m in ledger.movements if m.kind == "handed_out")
    assert moves == [(1 + 4 * i, 4 + 4 * i) for i in range(7)]
    assert ledger.in_stock == 2


def test_e3_batch_input_permissions_and_tenants(caller, issuer, client):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    with pytest.raises(InvalidInput) as err:
        caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=100_001))
    assert err.value.fields == {"quantity": "validation.invalid"}
    with pytest.raises(PermissionDenied):
        caller.as_role("salesperson", "MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=1))
    batch = caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=1))
    caller.owner("IssueBatch", pb.BatchRequest(id=batch.id))
    with pytest.raises(InvalidInput) as err:
        caller.owner("SellCoupons", pb.SellCouponsRequest(batch_id=batch.id, quantity=1))
    assert err.value.fields == {"buyer": "validation.required"}
    import uuid

    other = Caller(issuer, client, f"t-{uuid.uuid4().hex[:12]}")
    with pytest.raises(NotFound):
        other.owner("GetBatch", pb.BatchRequest(id=batch.id))
    with pytest.raises(NotFound):
        other.owner("ExportBatch", pb.BatchRequest(id=batch.id))
