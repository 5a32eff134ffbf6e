"""E2 P2 (ADR 0021): a public claim is answered from Redis and written behind the answer by the
claim writer, exactly once; a code not yet written answers "not yet", never "unknown".

Most tests queue claims under a key prefix of their own, which the server's running writer does
not read, and drive a writer of their own step by step on it."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from coupons_testkit import Caller, line, template
from sqlalchemy import event, func, select

from coupons.claims_writer import ClaimWriter
from coupons.domain import codes
from coupons.domain.redemption import Line
from coupons.models import Outbox
from coupons.models_coupons import CouponClaimRow, CouponRow
from coupons.service import claims_record, coupons_claims, coupons_lookup, redemption
from coupons.service.claims_record import record_claims
from coupons.service.coupons_stock import ClaimStock
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit import testing
from crmkit.auth import STAFF, Actor
from crmkit.errors import Conflict, NotFound, Unavailable
from crmkit.redis_client import Keys

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


@pytest.fixture
def stock(redis_prefix):
    """Claim counters and a claims stream of this test alone (the server's writer reads its own)."""
    client = redis_lib.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    yield ClaimStock(client, Keys(f"{redis_prefix}own-{uuid.uuid4().hex[:8]}:", "coupons"))
    client.close()


@pytest.fixture
def writer(db, stock):
    return ClaimWriter(db, stock.claims, consumer="writer-a")


def create(caller, **overrides):
    return caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(**overrides)))


def claim(db, stock, made, phone):
    return coupons_claims.claim_coupon(db.uow, stock, made.claim_token, phone, now=NOW)


def rows(db, made):
    with db.uow() as uow:
        coupons = uow.session.scalars(select(CouponRow).where(CouponRow.template_id == made.id)).all()
        slots = uow.session.scalars(select(CouponClaimRow).where(CouponClaimRow.template_id == made.id)).all()
        issued = [
            json.loads(r.payload)
            for r in uow.session.scalars(select(Outbox).where(Outbox.type == "coupon_issued")).all()
            if json.loads(r.payload)["data"]["template_id"] == made.id
        ]
        uow.session.expunge_all()
    return coupons, slots, issued


def owner(tenant):
    return Actor(kind=STAFF, subject_id="s-1", tenant_id=tenant, roles=frozenset({"owner"}))


def test_e2_a_claim_is_answered_from_redis_without_a_database_transaction(caller, db, stock, writer):
    made = create(caller, per_person_limit=1)
    claim(db, stock, made, "13500000001")  # the link's template is kept, the counters loaded
    begins = []
    listener = lambda conn: begins.append(conn)  # noqa: E731
    event.listen(db.engine, "begin", listener)
    try:
        answer = claim(db, stock, made, "13500000002")
    finally:
        event.remove(db.engine, "begin", listener)
    assert begins == []
    assert codes.is_well_formed(answer.code) and len(answer.id) == 36
    assert (answer.phone, answer.channel, answer.status, answer.valid_until) == (
        "13500000002",
        "claim",
        "active",
        NOW + timedelta(days=30),
    )
    assert rows(db, made) == ([], [], []) and stock.claims.backlog() == 2

    assert writer.write_once().written == 2
    coupons, slots, issued = rows(db, made)
    got = {c.id: c for c in coupons}[answer.id]
    assert (got.code, got.phone, got.holder, got.channel, got.status) == (
        answer.code,
        "13500000002",
        "p:13500000002",
        "claim",
        "active",
    )
    assert (got.valid_from, got.valid_until, got.created_at) == (NOW, NOW + timedelta(days=30), NOW)
    assert sorted((s.holder, s.seq) for s in slots) == [("p:13500000001", 1), ("p:13500000002", 1)]
    mine = [e for e in issued if e["data"]["coupon_id"] == answer.id]
    assert len(issued) == 2 and len(mine) == 1
    assert mine[0]["data"] | {"valid_until": None} == {
        "coupon_id": answer.id,
        "code": answer.code,
        "template_id": made.id,
        "template_name": "满100减20",
        "customer_id": "",
        "phone": "13500000002",
        "channel": "claim",
        "valid_until": None,
    }
    assert datetime.fromisoformat(mine[0]["occurred_at"]) == NOW
    assert stock.claims.backlog() == 0 and stock.claims.pending_tenant(answer.code) is None


def test_e2_a_batch_delivered_again_after_its_commit_writes_nothing_twice(caller, db, stock, writer):
    made = create(caller, per_person_limit=1)
    answers = [claim(db, stock, made, f"1350000010{i}") for i in range(5)]
    stock.claims.ensure_group()
    # Writer A commits its batch and dies before acknowledging it.
    deliveries = stock.claims.read("writer-a", count=100, block_ms=0)
    assert record_claims(db, [d.claim for d in deliveries]).written == 5
    # Writer B takes the idle batch over: everything is there already, and now acknowledged.
    other = ClaimWriter(db, stock.claims, consumer="writer-b", claim_idle_ms=0)
    assert other.write_once() == claims_record.Recorded(written=0, already=5)
    coupons, slots, issued = rows(db, made)
    assert sorted(c.code for c in coupons) == sorted(a.code for a in answers)
    assert len(slots) == 5 and len(issued) == 5
    assert stock.claims.backlog() == 0


def test_e2_a_batch_abandoned_before_its_commit_is_taken_over_and_written_once(caller, db, stock):
    made = create(caller, per_person_limit=1)
    answers = [claim(db, stock, made, f"1350000020{i}") for i in range(3)]
    stock.claims.ensure_group()
    assert len(stock.claims.read("writer-a", count=100, block_ms=0)) == 3  # then killed
    # Not idle long enough yet: nobody else takes it.
    assert ClaimWriter(db, stock.claims, consumer="writer-b").write_once().handled == 0
    assert ClaimWriter(db, stock.claims, consumer="writer-b", claim_idle_ms=0).write_once().written == 3
    coupons, slots, issued = rows(db, made)
    assert sorted(c.id for c in coupons) == sorted(a.id for a in answers)
    assert len(slots) == len(issued) == 3


def test_e2_e4_a_code_not_yet_written_answers_not_yet_and_is_redeemable_once_written(caller, db, stock, writer):
    made = create(caller, per_person_limit=1)
    got = claim(db, stock, made, "13500000301")
    me = owner(caller.tenant)
    cmd = redemption.RedeemCommand(got.code, "o-1", "", (Line("p-1", "cat-1", 1, 20000),))
    queued = stock.claims.pending_tenant
    with pytest.raises(Unavailable) as err:
        redemption.redeem(db.uow(), me, cmd, now=NOW, queued=queued)
    assert (err.value.code, err.value.params) == ("COUPON_NOT_YET_RECORDED", {"retry_after": "1"})
    with pytest.raises(Unavailable):
        coupons_lookup.get_coupon(db.uow(), me, got.code, now=NOW, queued=queued)
    # Another tenant never learns that the code exists.
    with pytest.raises(NotFound):
        coupons_lookup.get_coupon(db.uow(), owner("t-other"), got.code, now=NOW, queued=queued)
    writer.write_once()
    assert coupons_lookup.get_coupon(db.uow(), me, got.code, now=NOW, queued=queued).id == got.id
    assert redemption.redeem(db.uow(), me, cmd, now=NOW, queued=queued).discount_fen == 2000


def test_e2_e4_over_grpc_a_claimed_code_is_found_once_the_server_writer_wrote_it(caller, runtime, client):
    made = create(caller, per_person_limit=1)
    writer = runtime.background[0]
    writer.stop()
    try:
        got = client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13500000401"))
        # GetCoupon is retried by the client on UNAVAILABLE; with the writer stopped it stays so.
        with pytest.raises(Unavailable) as err:
            caller.owner("GetCoupon", pb.GetCouponRequest(code=got.code))
        assert err.value.code == "COUPON_NOT_YET_RECORDED"
    finally:
        writer.start()
    found = caller.owner("GetCoupon", pb.GetCouponRequest(code=got.code))
    assert (found.id, found.code, found.phone) == (got.id, got.code, "13500000401")
    done = caller.service(
        "RedeemCoupon", pb.RedeemCouponRequest(code=got.code, order_id="o-1", lines=[line(amount=20000)])
    )
    assert done.discount.fen == 2000


def test_e2_a_taken_code_is_drawn_again_and_a_taken_slot_refuses_only_its_claim(caller, db, stock, writer):
    made = create(caller, per_person_limit=1)
    first = claim(db, stock, made, "13500000501")
    writer.write_once()
    a = claim(db, stock, made, "13500000502")
    b = claim(db, stock, made, "13500000503")
    stock.claims.ensure_group()
    deliveries = stock.claims.read("writer-a", count=100, block_ms=0)
    by_id = {d.claim.id: d.claim for d in deliveries}
    # a's code was taken meanwhile (odds 1 in 10^15); b's slot is the first claim's (counters
    # behind the record).
    crafted = [replace(by_id[a.id], code=first.code), replace(by_id[b.id], holder="p:13500000501")]
    assert record_claims(db, crafted) == claims_record.Recorded(written=1, refused=1)
    coupons, slots, issued = rows(db, made)
    written = {c.id: c for c in coupons}
    assert set(written) == {first.id, a.id} and written[a.id].code not in (a.code, first.code)
    assert [e["data"]["code"] for e in issued if e["data"]["coupon_id"] == a.id] == [written[a.id].code]


def test_e2_counters_reloaded_while_claims_wait_for_the_writer_count_them_once(caller, db, stock, writer):
    made = create(caller, total_quantity=3, per_person_limit=1)
    claim(db, stock, made, "13500000601")
    writer.write_once()
    claim(db, stock, made, "13500000602")  # queued, not written
    stock.redis.delete(*stock._keys(made.id))  # Redis lost the counters, not the stream
    with pytest.raises(Conflict) as err:
        claim(db, stock, made, "13500000602")
    assert err.value.code == "COUPON_PER_PERSON_LIMIT"
    claim(db, stock, made, "13500000603")
    with pytest.raises(Conflict) as err:
        claim(db, stock, made, "13500000604")
    assert err.value.code == "COUPON_SOLD_OUT"
    writer.drain()
    coupons, slots, issued = rows(db, made)
    assert len(coupons) == len(slots) == len(issued) == 3


def test_e2_claims_are_refused_as_busy_while_too_many_wait_for_the_writer(caller, db, stock):
    made = create(caller, per_person_limit=1)
    stock.max_backlog = 2
    claim(db, stock, made, "13500000701")
    claim(db, stock, made, "13500000702")
    with pytest.raises(Unavailable) as err:
        claim(db, stock, made, "13500000703")
    assert err.value.code == "COUPON_CLAIMS_BUSY"
    # Nothing was reserved for the refused claim.
    assert stock.remaining(made.id) == 98 and stock.redis.hget(stock._keys(made.id)[1], "p:13500000703") is None


def test_e2_the_claim_page_shows_what_is_left_including_claims_not_yet_written(caller, db, stock):
    made = create(caller, total_quantity=10, per_person_limit=1)
    claim(db, stock, made, "13500000801")
    _, remaining = coupons_claims.claim_page(db.uow, stock, made.claim_token)
    assert remaining == 9
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(func.count()).select_from(CouponRow).where(CouponRow.template_id == made.id)) == 0
        )


def test_e2_an_entry_the_writer_cannot_read_stays_pending_and_the_others_are_written(caller, db, stock, writer):
    made = create(caller, per_person_limit=1)
    stock.claims.ensure_group()
    # As a newer server might queue it during a rolling upgrade: a field this writer lacks.
    odd = stock.redis.xadd(stock.claims.key, {"id": "x", "seq": "1", "c": "1234567890123452"})
    got = claim(db, stock, made, "13500000901")
    result = writer.write_once()
    assert (result.written, result.unreadable) == (1, 1)
    assert [c.id for c in rows(db, made)[0]] == [got.id]
    pending = stock.redis.xpending_range(stock.claims.key, "claim-writers", min="-", max="+", count=10)
    assert [p["message_id"] for p in pending] == [odd] and stock.claims.backlog() == 1
