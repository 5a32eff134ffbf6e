"""E3 physical coupons over the real gRPC server: make, export, issue, hand out, sell, redeem at
the counter, and the stock ledger."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from coupons_testkit import Caller, line, money, template
from openpyxl import load_workbook
from sqlalchemy import select

from coupons.domain import codes
from coupons.models import Outbox
from coupons.service import batches
from coupons.subscriptions import subscriptions
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.db import utcnow
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.events import Event


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


def deliver_batch_requests(db) -> int:
    """What the worker does with the coupons outbox's `coupon_batch_requested` events (the
    service tests run no relay): the subscription's handler, as the worker runs it."""
    handle = subscriptions(db)[("coupons", "coupon_batch_requested")]
    with db.uow() as uow:
        payloads = uow.session.scalars(
            select(Outbox.payload).where(Outbox.type == "coupon_batch_requested", Outbox.published_at.is_(None))
        ).all()
    for payload in payloads:
        handle(Event.from_message(payload))
    return len(payloads)


@pytest.fixture
def make(caller, db):
    def _make(template_id, quantity):
        requested = caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=template_id, quantity=quantity))
        assert (requested.status, requested.made) == ("making", 0)
        deliver_batch_requests(db)
        return caller.owner("GetBatch", pb.BatchRequest(id=requested.id))

    return _make


def _batch(caller, make, quantity=20, **overrides):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(min_spend=money(0), **overrides)))
    return made, make(made.id, quantity)


def _export(caller, batch_id):
    reply = caller.owner("ExportBatch", pb.BatchRequest(id=batch_id))
    sheet = load_workbook(io.BytesIO(reply.content)).active
    return [row for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_e3_batch_is_made_exported_issued_handed_out_sold_and_redeemed(caller, make):
    made, batch = _batch(caller, make, quantity=20)
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


def test_e3_concurrent_hand_outs_never_hand_a_coupon_twice(caller, make):
    _, batch = _batch(caller, make, quantity=30)
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


def test_e3_batch_input_permissions_and_tenants(caller, make, issuer, client):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    with pytest.raises(InvalidInput) as err:
        caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=100_001))
    assert err.value.fields == {"quantity": "validation.invalid"}
    with pytest.raises(PermissionDenied):
        caller.as_role("salesperson", "MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=1))
    batch = make(made.id, 1)
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


def test_e3_a_batch_being_made_is_neither_issued_nor_exported(caller, db):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    requested = caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=5))
    for method in ("IssueBatch", "ExportBatch"):
        with pytest.raises(Conflict) as err:
            caller.owner(method, pb.BatchRequest(id=requested.id))
        assert err.value.code == "COUPON_BATCH_NOT_READY"
    deliver_batch_requests(db)
    assert caller.owner("IssueBatch", pb.BatchRequest(id=requested.id)).status == "issued"


def test_e3_a_fill_cut_short_goes_on_where_it_stopped(caller, db, monkeypatch):
    """Given a worker that died after writing one chunk, the redelivered request writes the rest:
    every serial once, one "made" entry in the ledger."""
    monkeypatch.setattr(batches, "CHUNK", 7)
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    requested = caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=20))
    assert batches._fill_chunk(db.uow(), caller.tenant, requested.id) is True
    assert caller.owner("GetBatch", pb.BatchRequest(id=requested.id)).made == 7
    deliver_batch_requests(db)
    deliver_batch_requests(db)  # the broker may deliver it again: nothing more happens
    batch = caller.owner("GetBatch", pb.BatchRequest(id=requested.id))
    assert (batch.status, batch.made) == ("made", 20)
    assert [m.kind for m in batch.movements] == ["made"]
    rows = _export(caller, batch.id)
    assert [r[0] for r in rows] == list(range(1, 21)) and len({r[1] for r in rows}) == 20


def test_e3_two_deliveries_at_once_write_each_serial_once(caller, db, monkeypatch):
    monkeypatch.setattr(batches, "CHUNK", 3)
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    requested = caller.owner("MakeBatch", pb.MakeBatchRequest(template_id=made.id, quantity=40))
    barrier = threading.Barrier(4)

    def fill(_):
        barrier.wait()
        return batches.fill_batch(db, caller.tenant, requested.id, now=utcnow())

    with ThreadPoolExecutor(max_workers=4) as pool:
        finished = list(pool.map(fill, range(4)))
    assert finished.count(True) == 1
    rows = _export(caller, requested.id)
    assert [r[0] for r in rows] == list(range(1, 41))
