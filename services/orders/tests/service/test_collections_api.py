"""B4 approval and rejection of collections through the real gRPC server on PostgreSQL:
applied exactly once under concurrency, re-checked against the current debt, tenant-scoped."""

import json
import threading

import pytest
from orders_testkit import call, staff
from receivables_testkit import START, approved_order, debt_orders, file_request, receivables_stack
from sqlalchemy import select, update

from crm.orders.v1 import receivables_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.models import OrderRow, Outbox


@pytest.fixture(scope="module")
def stack(customers, tmp_path_factory):
    with receivables_stack(customers, tmp_path_factory.mktemp("files")) as s:
        yield s


@pytest.fixture
def shop(stack, customers, tenant):
    stack.clock.now = START
    owner, seller, finance = staff(tenant, "owner"), staff(tenant, "salesperson"), staff(tenant, "finance")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    return owner, seller, finance, customer


def act(stack, actor, method, collection_id, **kw):
    request = pb.RejectCollectionRequest if method == "RejectCollection" else pb.CollectionActionRequest
    return call(stack.receivables, actor, method, request(id=collection_id, **kw))


def events(stack, tenant, type_):
    with stack.db.engine.connect() as conn:
        rows = conn.execute(select(Outbox.payload).where(Outbox.tenant_id == tenant, Outbox.type == type_)).all()
    return [json.loads(r[0])["data"] for r in rows]


def test_b4_approval_reduces_each_orders_debt_split_across_orders(stack, shop, tenant):
    owner, seller, finance, customer = shop
    first = approved_order(stack, owner, seller, customer, 1000)
    second = approved_order(stack, owner, seller, customer, 500)
    filed = call(
        stack.receivables, seller, "FileCollection", file_request(customer, [(first.id, 1000), (second.id, 200)])
    )
    approved = act(stack, finance, "ApproveCollection", filed.id)
    assert (approved.status, approved.reviewed_by_staff_id) == (pb.COLLECTION_STATUS_APPROVED, finance.staff_id)
    assert approved.reviewed_at.ToDatetime().replace(tzinfo=START.tzinfo) == START
    # The paid-off order leaves the debt list; the other keeps what is left, nothing pending.
    assert debt_orders(stack, seller, customer) == {second.number: (300, 0)}
    [event] = events(stack, tenant, "collection_approved")
    assert event["allocations"] == [
        {"order_id": first.id, "amount_fen": 1000},
        {"order_id": second.id, "amount_fen": 200},
    ]
    assert [e["collection_id"] for e in events(stack, tenant, "collection_filed")] == [filed.id]


def test_b4_two_clerks_approving_one_collection_apply_it_once(stack, shop, tenant):
    owner, seller, finance, customer = shop
    order = approved_order(stack, owner, seller, customer, 1000)
    filed = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 400)]))
    clerks = [finance, owner, staff(tenant, "finance"), staff(tenant, "salesperson", perms=("approve_collections",))]
    barrier = threading.Barrier(len(clerks))
    approved, conflicts, other = [], [], []

    def approve(clerk):
        barrier.wait()
        try:
            approved.append(act(stack, clerk, "ApproveCollection", filed.id))
        except Conflict as err:
            conflicts.append(err.code)
        except Exception as exc:
            other.append(exc)

    threads = [threading.Thread(target=approve, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(approved), conflicts, other) == (1, ["COLLECTION_STATE_INVALID"] * 3, [])
    assert debt_orders(stack, owner, customer) == {order.number: (600, 0)}
    assert len(events(stack, tenant, "collection_approved")) == 1


def test_b4_approval_rechecks_the_current_debt_and_applies_nothing_when_short(stack, shop):
    owner, seller, finance, customer = shop
    first = approved_order(stack, owner, seller, customer, 1000)
    second = approved_order(stack, owner, seller, customer, 1000)
    filed = call(
        stack.receivables, seller, "FileCollection", file_request(customer, [(first.id, 500), (second.id, 800)])
    )
    # A return refunded since filing lowered the second order's debt below the allocation.
    with stack.db.engine.begin() as conn:
        conn.execute(update(OrderRow).where(OrderRow.id == second.id).values(debt_fen=700))
    with pytest.raises(Conflict) as err:
        act(stack, finance, "ApproveCollection", filed.id)
    assert (err.value.code, err.value.params["number"]) == ("COLLECTION_EXCEEDS_DEBT", second.number)
    assert debt_orders(stack, owner, customer) == {first.number: (1000, 500), second.number: (700, 800)}
    got = call(stack.receivables, owner, "GetCollection", pb.GetCollectionRequest(id=filed.id))
    assert got.status == pb.COLLECTION_STATUS_PENDING


def test_b4_reject_with_a_reason_releases_the_claim(stack, shop, tenant):
    owner, seller, finance, customer = shop
    order = approved_order(stack, owner, seller, customer, 1000)
    filed = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 1000)]))
    with pytest.raises(InvalidInput) as err:
        act(stack, finance, "RejectCollection", filed.id, reason=" ")
    assert err.value.fields == {"reason": "validation.required"}
    with pytest.raises(InvalidInput) as err:
        act(stack, finance, "RejectCollection", filed.id, reason="x" * 201)
    assert err.value.fields == {"reason": "validation.too_long"}
    rejected = act(stack, finance, "RejectCollection", filed.id, reason="no such transfer")
    assert (rejected.status, rejected.reject_reason) == (pb.COLLECTION_STATUS_REJECTED, "no such transfer")
    assert debt_orders(stack, seller, customer) == {order.number: (1000, 0)}
    assert [e["reason"] for e in events(stack, tenant, "collection_rejected")] == ["no such transfer"]
    with pytest.raises(Conflict) as err:
        act(stack, finance, "ApproveCollection", filed.id)
    assert err.value.code == "COLLECTION_STATE_INVALID"


def test_b4_only_finance_owner_or_the_switch_may_review(stack, shop, tenant):
    owner, seller, _, customer = shop
    order = approved_order(stack, owner, seller, customer, 1000)
    filed = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 100)]))
    for clerk in (seller, staff(tenant, "store_manager"), staff(tenant, "warehouse")):
        with pytest.raises(PermissionDenied):
            act(stack, clerk, "ApproveCollection", filed.id)
        with pytest.raises(PermissionDenied):
            act(stack, clerk, "RejectCollection", filed.id, reason="no")
    switched = staff(tenant, "salesperson", perms=("approve_collections",))
    assert act(stack, switched, "ApproveCollection", filed.id).status == pb.COLLECTION_STATUS_APPROVED


def test_b4_filing_is_idempotent_on_its_key_also_when_repeats_race(stack, shop):
    owner, seller, _, customer = shop
    order = approved_order(stack, owner, seller, customer, 1000)
    request = file_request(customer, [(order.id, 300)], key="collect-1")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def file():
        barrier.wait()
        try:
            results.append(call(stack.receivables, seller, "FileCollection", request).id)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=file) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(results)) == 1
    assert debt_orders(stack, seller, customer) == {order.number: (1000, 300)}
    listed = call(stack.receivables, seller, "ListCollections", pb.ListCollectionsRequest(customer_id=customer))
    assert [c.id for c in listed.collections] == results[:1]


def test_b4_collections_are_tenant_scoped_and_a_salesperson_sees_own(stack, customers, shop, tenant):
    owner, seller, finance, customer = shop
    order = approved_order(stack, owner, seller, customer, 1000)
    filed = call(stack.receivables, seller, "FileCollection", file_request(customer, [(order.id, 100)]))
    assert filed.number == "SK20261123-0001"
    outsider = staff("t-other-" + tenant, "owner")
    for method, request in (
        ("GetCollection", pb.GetCollectionRequest(id=filed.id)),
        ("ApproveCollection", pb.CollectionActionRequest(id=filed.id)),
    ):
        with pytest.raises(NotFound):
            call(stack.receivables, outsider, method, request)
    assert call(stack.receivables, outsider, "ListCollections", pb.ListCollectionsRequest()).page.total == 0
    colleague = staff(tenant, "salesperson")
    with pytest.raises(NotFound):
        call(stack.receivables, colleague, "GetCollection", pb.GetCollectionRequest(id=filed.id))
    assert call(stack.receivables, colleague, "ListCollections", pb.ListCollectionsRequest()).page.total == 0
    pending = pb.ListCollectionsRequest(statuses=[pb.COLLECTION_STATUS_PENDING])
    assert [c.id for c in call(stack.receivables, finance, "ListCollections", pending).collections] == [filed.id]
    done = pb.ListCollectionsRequest(statuses=[pb.COLLECTION_STATUS_APPROVED])
    assert call(stack.receivables, finance, "ListCollections", done).page.total == 0
