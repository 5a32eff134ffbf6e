"""E7 E8 E9 C11 through the real StoredValueService gRPC server on PostgreSQL, with the peers
(customers, identity+messaging for SMS) replaced by in-memory fakes that keep tenants apart."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from sqlalchemy import select

from coupons import grpc_api_stored_value, precharge_sheet
from coupons.domain.templates import TemplateInput
from coupons.models import Outbox
from coupons.service import coupons_lookup, recharge, recharge_rules, stored_value, templates
from coupons.service.coupons_customers import CustomerInfo, customer_not_found
from coupons.service.coupons_stock import ClaimStock
from crm.common.v1 import common_pb2
from crm.coupons.v1 import stored_value_pb2 as pb
from crm.coupons.v1 import stored_value_pb2_grpc
from crmkit import testing
from crmkit.auth import STAFF, Actor, TokenVerifier, require_actor
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.protos import money
from crmkit.redis_client import Keys


class FakeCustomers:
    def __init__(self):
        self.by_tenant: dict[str, dict[str, CustomerInfo]] = {}
        self.lock = threading.Lock()

    def add(self, tenant: str, phone: str | None = None) -> str:
        cid = str(uuid.uuid4())
        phone = phone or f"139{uuid.uuid4().int % 10**8:08d}"
        with self.lock:
            self.by_tenant.setdefault(tenant, {})[cid] = CustomerInfo(cid, f"客户{phone[-4:]}", phone)
        return cid

    def get(self, customer_id: str) -> CustomerInfo:
        found = self.by_tenant.get(require_actor().tenant_id, {}).get(customer_id)
        if found is None:
            raise customer_not_found(customer_id)
        return found

    def by_phone(self, phone: str) -> CustomerInfo | None:
        return next((c for c in self.by_tenant.get(require_actor().tenant_id, {}).values() if c.phone == phone), None)


class FakeSms:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def own_phone(self, staff_id: str) -> str:
        return "13900001111"

    def send_code(self, phone: str, code: str, idempotency_key: str) -> None:
        self.sent.append((phone, code))


@pytest.fixture(scope="module")
def peers():
    return FakeCustomers(), FakeSms()


@pytest.fixture(scope="module")
def stock(redis_prefix):
    # The server's own claim counters (same Redis keys), as the scheduled job builds them.
    client = redis_lib.Redis.from_url(testing.REDIS_URL)
    yield ClaimStock(client, Keys(redis_prefix, "coupons"))
    client.close()


@pytest.fixture(scope="module")
def sv(db, keys, peers, stock):
    reg = grpc_api_stored_value.registration(db, peers[0], peers[1], stock)
    server, port, _ = build_server(
        "coupons-sv", [reg], verifier=TokenVerifier(keys[1]), port=0, host="127.0.0.1", max_workers=32
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", stored_value_pb2_grpc.StoredValueServiceStub, grpc_api_stored_value.FULL_NAME
    )
    yield client
    client.close()
    server.stop(0)


def actor(tenant, *roles) -> Actor:
    return Actor(kind=STAFF, subject_id=str(uuid.uuid4()), tenant_id=tenant, roles=frozenset(roles))


@pytest.fixture
def call(sv, issuer):
    def _call(who: Actor, method: str, request):
        token = issuer.issue(
            kind=who.kind, subject_id=who.subject_id, tenant_id=who.tenant_id, roles=who.roles, ttl=timedelta(minutes=5)
        )[0]
        return sv.call(method, request, token=token, timeout=30)

    return _call


def events(db, tenant, type_):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == type_)).all()
        return [json.loads(r.payload)["data"] for r in rows]


def test_e9_credit_debit_list_and_never_negative(call, peers, tenant):
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    call(owner, "Credit", pb.LedgerRequest(customer_id=cid, amount=10_000, reason="top_up", note="开卡"))
    call(owner, "Debit", pb.LedgerRequest(customer_id=cid, amount=3_000, reason="spend", reference="order-1"))
    with pytest.raises(Conflict) as err:
        call(owner, "Debit", pb.LedgerRequest(customer_id=cid, amount=7_001))
    assert err.value.code == "INSUFFICIENT_BALANCE"
    got = call(owner, "ListEntries", pb.ListEntriesRequest(customer_id=cid, page=common_pb2.PageRequest(page_size=1)))
    assert got.page.total == 2 and [(e.amount, e.balance_after, e.reason) for e in got.entries] == [
        (-3_000, 7_000, "spend")
    ]
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 7_000
    with pytest.raises(InvalidInput) as err:
        call(owner, "Credit", pb.LedgerRequest(customer_id=cid, amount=0))
    assert "amount" in err.value.fields
    with pytest.raises(PermissionDenied):
        call(actor(tenant, "salesperson"), "Credit", pb.LedgerRequest(customer_id=cid, amount=100))
    # Another tenant's customer does not exist for this caller.
    with pytest.raises(NotFound):
        call(actor("t-other-" + tenant, "owner"), "GetAccount", pb.GetAccountRequest(customer_id=cid))


def test_e9_a_repeated_idempotency_key_returns_the_first_entry(call, peers, tenant):
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    req = pb.LedgerRequest(customer_id=cid, amount=500, idempotency_key="k-1")
    first, again = call(owner, "Credit", req), call(owner, "Credit", req)
    assert first.id == again.id
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 500


def test_e9_100_concurrent_debits_on_one_balance_never_make_it_negative(db, tenant):
    owner = actor(tenant, "owner")
    cid = str(uuid.uuid4())
    lookup = _TenantOnly(tenant)  # use cases called directly: no request context to read
    now = datetime.now(UTC)
    stored_value.credit(db.uow(), owner, lookup, stored_value.LedgerCommand(cid, "balance", 5_000, "top_up"), now=now)

    def spend(i):
        try:
            cmd = stored_value.LedgerCommand(cid, "balance", 100, "spend", reference=str(i))
            stored_value.debit(db.uow(), owner, lookup, cmd, now=now)
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(spend, range(100)))
    assert results.count(True) == 50
    ctx_account = stored_value.get_account(db.uow(), owner, _TenantOnly(tenant), cid)
    assert ctx_account.balance_fen == 0
    rows, total = stored_value.list_entries(db.uow(), owner, _TenantOnly(tenant), cid, "balance", _page())
    assert total == 51 and min(e.balance_after for e in rows) >= 0


class _TenantOnly:
    def __init__(self, tenant):
        self.tenant = tenant

    def get(self, customer_id):
        return CustomerInfo(customer_id, "", "")


def gift_template(db, tenant, **overrides) -> str:
    data = {"name": "满100减20", "kind": "cash", "value_fen": 2_000, "valid_days": 30, "min_spend_fen": 10_000}
    data.update(overrides)
    view = templates.create_template(db.uow(), actor(tenant, "owner"), TemplateInput(**data), now=datetime.now(UTC))
    return view.id


def held(db, tenant, customer_id):
    return coupons_lookup.list_coupons(
        db.uow(), actor(tenant, "owner"), customer_id=customer_id, page=_page(), now=datetime.now(UTC)
    )[0]


def _page():
    from crmkit.paging import page_of

    return page_of(1, 100)


def test_e7_pay_500_get_80_and_a_coupon_leaves_the_customer_holding_the_coupon(db, call, peers, tenant):
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    tpl = gift_template(db, tenant, valid_days=15)
    rule = call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(
            name="充500送80",
            member_type="in_store",
            pay=money(50_000),
            bonus=money(8_000),
            coupon_template_ids=[tpl],
        ),
    )
    call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(name="充100送5", member_type="in_store", pay=money(10_000), bonus=money(500)),
    )
    got = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000), idempotency_key="r-1"))
    assert got.rule_id == rule.id
    assert [(e.amount, e.reason, e.balance_after, e.reference) for e in got.entries] == [
        (50_000, "recharge", 50_000, got.id),
        (8_000, "recharge_bonus", 58_000, got.id),
    ]
    (coupon,) = held(db, tenant, cid)
    assert (coupon.template_id, coupon.channel, coupon.status) == (tpl, "recharge", "active")
    # The template's validity: 15 days from the recharge.
    assert coupon.valid_until - coupon.valid_from == timedelta(days=15)
    assert abs(coupon.valid_from - datetime.now(UTC)) < timedelta(minutes=5)
    issued = [e for e in events(db, tenant, "coupon_issued") if e["customer_id"] == cid]
    assert [(e["coupon_id"], e["channel"]) for e in issued] == [(coupon.id, "recharge")]
    again = call(
        owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000), idempotency_key="r-1")
    )
    assert again.id == got.id
    assert len(held(db, tenant, cid)) == 1  # the repeated request issued nothing more
    # A rule may only give the tenant's own templates.
    foreign = gift_template(db, str(uuid.uuid4()))
    for bad in (foreign, "no-such-template"):
        with pytest.raises(InvalidInput) as err:
            call(
                owner,
                "CreateRechargeRule",
                pb.RechargeRuleInput(
                    name="充200送券", member_type="in_store", pay=money(20_000), coupon_template_ids=[tpl, bad]
                ),
            )
        assert err.value.fields == {"coupon_template_ids": "validation.invalid"}
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 58_000
    # Online members have no such rule: the payment alone.
    plain = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(50_000), member_type="online"))
    assert plain.rule_id == "" and [e.reason for e in plain.entries] == ["recharge"]


def test_e7_first_recharge_rules_and_monthly_instalments_released_once(db, call, peers, tenant, stock):
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    tpl = gift_template(db, tenant, per_person_limit=5)
    call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(
            name="首充10送10", member_type="online", pay=money(1_000), bonus=money(1_000), first_recharge_only=True
        ),
    )
    call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(
            name="充1000分3月送300",
            member_type="online",
            pay=money(100_000),
            bonus=money(30_000),
            instalments=3,
            coupon_template_ids=[tpl],
        ),
    )
    first = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(1_000), member_type="online"))
    assert first.bonus.fen == 1_000
    second = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(1_000), member_type="online"))
    assert second.rule_id == ""
    big = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=cid, paid=money(100_000), member_type="online"))
    assert [(i.seq, i.bonus.fen, i.HasField("released_at")) for i in big.instalments] == [
        (1, 10_000, True),
        (2, 10_000, False),
        (3, 10_000, False),
    ]
    balance = lambda: call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen  # noqa: E731
    assert balance() == 1_000 + 1_000 + 1_000 + 100_000 + 10_000
    assert len(held(db, tenant, cid)) == 1  # the first instalment's coupon, at once
    later = datetime.now(UTC) + timedelta(days=40)
    assert recharge.release_due(db, stock, now=later) >= 1
    assert recharge.release_due(db, stock, now=later) == 0  # each instalment once
    assert balance() == 123_000
    coupons = held(db, tenant, cid)
    assert len(coupons) == 2 and {c.template_id for c in coupons} == {tpl}
    # Issued when released: the second instalment's coupon counts its days from the release.
    assert max(c.valid_from for c in coupons) == later


def test_e9_points_per_yuan_earned_once_per_order(call, peers, tenant):
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    with pytest.raises(Conflict):
        call(owner, "EarnPoints", pb.EarnPointsRequest(customer_id=cid, order_id="o-1", order_amount=money(12_345)))
    with pytest.raises(PermissionDenied):
        call(actor(tenant, "store_manager"), "SetPointsRule", pb.PointsRule(points_per_yuan=2))
    call(owner, "SetPointsRule", pb.PointsRule(points_per_yuan=2))
    req = pb.EarnPointsRequest(customer_id=cid, order_id="o-1", order_amount=money(12_345))
    first, again = call(owner, "EarnPoints", req), call(owner, "EarnPoints", req)
    assert (first.amount, first.kind, first.reason, first.id) == (246, "points", "order_points", again.id)
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).points == 246


def test_e8_precharge_waits_for_the_owners_sms_code_then_applies_once(call, peers, tenant):
    owner, finance = actor(tenant, "owner"), actor(tenant, "finance")
    a = peers[0].add(tenant, "13700000001")
    b = peers[0].add(tenant, "13700000002")
    bad = precharge_sheet.template([("13700000001", "100", ""), ("13700000009", "50", ""), ("13700000002", "x", "")])
    got = call(finance, "UploadPrecharge", pb.UploadPrechargeRequest(client_name="中国银行", xlsx=bad))
    assert got.status == "invalid" and got.id == ""
    assert [(p.row, p.column, p.message_key) for p in got.problems] == [
        (3, "手机号", "error.customer_not_found"),
        (4, "金额", "validation.not_a_number"),
    ]
    good = precharge_sheet.template([("13700000001", "100", "员工福利"), ("13700000002", "250.5", "")])
    batch = call(finance, "UploadPrecharge", pb.UploadPrechargeRequest(client_name="中国银行", xlsx=good))
    assert (batch.status, batch.total.fen, len(batch.rows)) == ("pending", 35_050, 2)
    with pytest.raises(Conflict) as err:  # no code requested yet
        call(owner, "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch.id, code="123456"))
    assert err.value.code == "PRECHARGE_CODE_MISSING"
    with pytest.raises(PermissionDenied):
        call(finance, "RequestPrechargeCode", pb.RequestPrechargeCodeRequest(batch_id=batch.id))
    sent = call(owner, "RequestPrechargeCode", pb.RequestPrechargeCodeRequest(batch_id=batch.id))
    assert sent.sent_to == "139****1111"
    code = peers[1].sent[-1][1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(InvalidInput) as err:
        call(owner, "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch.id, code=wrong))
    assert err.value.fields == {"code": "validation.invalid"}
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=a)).balance.fen == 0
    with pytest.raises(NotFound):
        call(
            actor("t-x" + tenant, "owner"), "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch.id, code=code)
        )
    done = call(owner, "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch.id, code=code))
    assert done.status == "applied"
    with pytest.raises(Conflict):
        call(owner, "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch.id, code=code))
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=a)).balance.fen == 10_000
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=b)).balance.fen == 25_050
    entries = call(owner, "ListEntries", pb.ListEntriesRequest(customer_id=b)).entries
    assert [(e.reason, e.reference) for e in entries] == [("precharge", batch.id)]


def test_c11_bulk_top_up_is_all_or_nothing_and_coupon_gifts_are_issued(db, call, peers, tenant):
    manager = actor(tenant, "store_manager")
    a, b = peers[0].add(tenant), peers[0].add(tenant)
    lines = [pb.TopUpLine(customer_id=a, amount=money(1_000)), pb.TopUpLine(customer_id="missing", amount=money(1))]
    with pytest.raises(NotFound):
        call(manager, "BulkTopUp", pb.BulkTopUpRequest(lines=lines))
    assert call(manager, "GetAccount", pb.GetAccountRequest(customer_id=a)).balance.fen == 0
    lines = [pb.TopUpLine(customer_id=a, amount=money(1_000)), pb.TopUpLine(customer_id=b, amount=money(2_000))]
    got = call(manager, "BulkTopUp", pb.BulkTopUpRequest(lines=lines, note="会员日", idempotency_key="bulk-1"))
    assert [(e.customer_id, e.amount, e.reason) for e in got.entries] == [(a, 1_000, "top_up"), (b, 2_000, "top_up")]
    call(manager, "BulkTopUp", pb.BulkTopUpRequest(lines=lines, idempotency_key="bulk-1"))
    assert call(manager, "GetAccount", pb.GetAccountRequest(customer_id=b)).balance.fen == 2_000
    tpl = gift_template(db, tenant, total_quantity=3)
    assert (
        call(manager, "GiftCoupons", pb.GiftCouponsRequest(customer_ids=[a, b, a], template_ids=[tpl])).customers == 2
    )
    assert [(c.template_id, c.channel) for c in held(db, tenant, a) + held(db, tenant, b)] == [(tpl, "gift")] * 2
    # a already holds the one coupon a person may have: the whole gift is refused, b gets nothing more.
    with pytest.raises(Conflict):
        call(manager, "GiftCoupons", pb.GiftCouponsRequest(customer_ids=[b, a], template_ids=[tpl]))
    assert len(held(db, tenant, b)) == 1
    with pytest.raises(NotFound):
        call(manager, "GiftCoupons", pb.GiftCouponsRequest(customer_ids=[a], template_ids=["no-such-template"]))
    # Another tenant's template is not found either.
    foreign = gift_template(db, str(uuid.uuid4()))
    with pytest.raises(NotFound):
        call(manager, "GiftCoupons", pb.GiftCouponsRequest(customer_ids=[a], template_ids=[foreign]))
    assert events(db, tenant, "member_coupon_gift") == []  # the coupons' own events say it all


def test_e9_an_approved_order_earns_points_once_even_when_redelivered(db, call, peers, tenant):
    from coupons import handlers
    from crmkit.events import Event

    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    data = {"order_id": "o-77", "customer_id": cid, "total_fen": 5_050}
    # No rule yet: nothing earned, and the event is still consumed.
    assert handlers.on_order_approved(db.uow(), Event("order_approved", "orders", tenant, data)) is False
    call(owner, "SetPointsRule", pb.PointsRule(points_per_yuan=3))
    event = Event("order_approved", "orders", tenant, {**data, "order_id": "o-78"})
    assert handlers.on_order_approved(db.uow(), event) is True
    assert handlers.on_order_approved(db.uow(), event) is False  # redelivered
    # The same order through EarnPoints by staff finds the same entry.
    again = call(owner, "EarnPoints", pb.EarnPointsRequest(customer_id=cid, order_id="o-78", order_amount=money(5_050)))
    assert again.amount == 150
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).points == 150
    bad = Event("order_approved", "orders", tenant, {"customer_id": cid})
    assert handlers.on_order_approved(db.uow(), bad) is False


class _Fixed:
    """A customers port for use cases called directly (no request context): one customer."""

    def __init__(self, customer_id, phone):
        self.info = CustomerInfo(customer_id, "客户", phone)

    def get(self, customer_id):
        return self.info

    def by_phone(self, phone):
        return self.info if phone == self.info.phone else None


def test_e8_ten_concurrent_confirmations_apply_the_batch_once(db, tenant):
    from coupons.service import precharge

    owner = actor(tenant, "owner")
    cid = str(uuid.uuid4())
    lookup, sms = _Fixed(cid, "13600000001"), FakeSms()
    now = datetime.now(UTC)
    batch = precharge.upload(
        db.uow(), owner, lookup, "中国银行", precharge_sheet.template([("13600000001", "88", "")]), now=now
    )
    precharge.request_code(db.uow(), owner, sms, batch.id, now=now)
    code = sms.sent[-1][1]

    def confirm(_):
        try:
            precharge.confirm(db.uow(), owner, batch.id, code, now=now)
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(confirm, range(10)))
    assert results.count(True) == 1
    assert stored_value.get_account(db.uow(), owner, lookup, cid).balance_fen == 8_800


def test_e7_concurrent_first_recharges_get_the_first_recharge_bonus_once(db, tenant, stock):
    owner = actor(tenant, "owner")
    cid = str(uuid.uuid4())
    lookup = _Fixed(cid, "13600000002")
    now = datetime.now(UTC)
    recharge_rules.create_rule(
        db.uow(),
        owner,
        recharge_rules.RuleInput("首充10送10", "in_store", 1_000, 1_000, first_recharge_only=True),
        now=now,
    )

    def pay(_):
        return recharge.record_recharge(db.uow(), owner, lookup, stock, recharge.RechargeCommand(cid, 1_000), now=now)

    with ThreadPoolExecutor(max_workers=8) as pool:
        views = list(pool.map(pay, range(8)))
    assert sorted(v.recharge.bonus_fen for v in views) == [0] * 7 + [1_000]
    assert stored_value.get_account(db.uow(), owner, lookup, cid).balance_fen == 9_000


def test_e8_five_wrong_codes_void_the_code(db, tenant):
    from coupons.service import precharge

    owner = actor(tenant, "owner")
    cid = str(uuid.uuid4())
    lookup, sms = _Fixed(cid, "13600000003"), FakeSms()
    now = datetime.now(UTC)
    batch = precharge.upload(
        db.uow(), owner, lookup, "工商银行", precharge_sheet.template([("13600000003", "1", "")]), now=now
    )
    precharge.request_code(db.uow(), owner, sms, batch.id, now=now)
    code = sms.sent[-1][1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    def guess(_):
        try:
            precharge.confirm(db.uow(), owner, batch.id, wrong, now=now)
        except (InvalidInput, Conflict) as err:
            return err.code

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert sorted(pool.map(guess, range(5))) == ["PRECHARGE_CODE_WRONG"] * 5
    with pytest.raises(Conflict) as err:  # the right code no longer works: ask for a new one
        precharge.confirm(db.uow(), owner, batch.id, code, now=now)
    assert err.value.code == "PRECHARGE_CODE_MISSING"
    with pytest.raises(Conflict):  # and an expired code does not work either
        precharge.request_code(db.uow(), owner, sms, batch.id, now=now)
        precharge.confirm(db.uow(), owner, batch.id, sms.sent[-1][1], now=now + timedelta(minutes=6))
    assert precharge.confirm(db.uow(), owner, batch.id, sms.sent[-1][1], now=now).status == "applied"


def test_e7_a_gift_coupon_out_of_stock_is_skipped_and_recorded_but_the_recharge_succeeds(db, call, peers, tenant):
    owner = actor(tenant, "owner")
    a, b = peers[0].add(tenant), peers[0].add(tenant)
    scarce = gift_template(db, tenant, name="限量券", total_quantity=1)
    plenty = gift_template(db, tenant, name="满减券")
    call(
        owner,
        "CreateRechargeRule",
        pb.RechargeRuleInput(
            name="充300送券",
            member_type="in_store",
            pay=money(30_000),
            bonus=money(0),
            coupon_template_ids=[scarce, plenty],
        ),
    )
    first = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=a, paid=money(30_000)))
    assert sorted(c.template_id for c in held(db, tenant, a)) == sorted([scarce, plenty])
    second = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=b, paid=money(30_000)))
    assert second.rule_id and call(owner, "GetAccount", pb.GetAccountRequest(customer_id=b)).balance.fen == 30_000
    assert [c.template_id for c in held(db, tenant, b)] == [plenty]  # the scarce one ran out
    skipped = events(db, tenant, "recharge_gift_coupon_skipped")
    assert skipped == [
        {
            "recharge_id": second.id,
            "customer_id": b,
            "instalment": 1,
            "template_id": scarce,
            "count": 1,
            "reason": "sold_out",
        }
    ]
    # b now holds the one "plenty" coupon a person may have: the next recharge skips both gifts.
    third = call(owner, "RecordRecharge", pb.RechargeRequest(customer_id=b, paid=money(30_000)))
    assert [c.template_id for c in held(db, tenant, b)] == [plenty]
    later = [(e["template_id"], e["reason"]) for e in events(db, tenant, "recharge_gift_coupon_skipped")[1:]]
    assert sorted(later) == sorted([(scarce, "sold_out"), (plenty, "per_person_limit")])
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=b)).balance.fen == 60_000
    assert third.id != second.id
    assert first.id != second.id


def test_e7_gift_coupons_of_a_transaction_that_never_commits_go_back_to_stock(db, tenant, stock):
    from coupons.service.coupons_issue import issue_to_holder

    last = gift_template(db, tenant, name="最后一张", total_quantity=1)
    now = datetime.now(UTC)
    with db.uow() as uow:
        taken = issue_to_holder(uow, stock, tenant, last, "c-rolled-back", "", channel="recharge", now=now)
        assert taken.refused == "" and len(taken.coupons) == 1
        # No commit: a later step of the caller failed.
    with db.uow() as uow:
        again = issue_to_holder(uow, stock, tenant, last, "c-next", "", channel="recharge", now=now)
        assert again.refused == ""
        uow.commit()
    with db.uow() as uow:
        assert (
            issue_to_holder(uow, stock, tenant, last, "c-late", "", channel="recharge", now=now).refused == "sold_out"
        )
    assert [
        c.customer_id
        for c in coupons_lookup.list_coupons(db.uow(), actor(tenant, "owner"), template_id=last, page=_page(), now=now)[
            0
        ]
    ] == ["c-next"]


def test_b6_a_service_reverses_a_debit_once_and_only_the_one_written_under_the_key(sv, call, issuer, peers, tenant):
    """A stored-value payment whose order was never marked paid is given back by orders' closing
    loop: the debit written under the order's key is undone by one `reversal` entry, however
    often asked; a key nothing was written under undoes nothing."""
    owner = actor(tenant, "owner")
    cid = peers[0].add(tenant)
    call(owner, "Credit", pb.LedgerRequest(customer_id=cid, amount=10_000, reason="top_up"))
    call(owner, "Debit", pb.LedgerRequest(customer_id=cid, amount=4_400, reference="SF1", idempotency_key="sf:o-1"))

    def service(request):
        return sv.call("ReverseEntry", request, token=issuer.service_token("orders"), tenant_id=tenant, timeout=30)

    undo = pb.ReverseEntryRequest(customer_id=cid, original_key="sf:o-1", idempotency_key="sf-void:o-1")
    first, again = service(undo), service(undo)
    assert first.reversed and again.reversed and first.entry.id == again.entry.id
    assert (first.entry.amount, first.entry.reason, first.entry.reference) == (4_400, "reversal", "SF1")
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 10_000

    never_paid = pb.ReverseEntryRequest(customer_id=cid, original_key="sf:o-2", idempotency_key="sf-void:o-2")
    assert not service(never_paid).reversed
    assert call(owner, "GetAccount", pb.GetAccountRequest(customer_id=cid)).balance.fen == 10_000
    # Another customer's entry is not this customer's to undo.
    other = pb.ReverseEntryRequest(customer_id=peers[0].add(tenant), original_key="sf:o-1", idempotency_key="x")
    with pytest.raises(Conflict):
        service(other)
    with pytest.raises(InvalidInput) as err:
        service(pb.ReverseEntryRequest(customer_id=cid, idempotency_key="y"))
    assert err.value.fields == {"original_key": "validation.required"}
    # Staff, even the owner, cannot undo entries this way (they credit or debit by hand).
    with pytest.raises(PermissionDenied):
        call(owner, "ReverseEntry", undo)
