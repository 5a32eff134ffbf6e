"""A1 A4 data scope on PostgreSQL: every list and read of customers, and writes on one, answer
within the caller's scope (customers.domain.scope); anything outside it is NOT_FOUND.

The tenant has a head store and a sub-store, a manager and a salesperson in each; each
salesperson registered one customer in their store, and each store has one customer in the
public pool."""

from dataclasses import dataclass, replace

import pytest
from customer_testkit import NOW, later, staff
from ownership_testkit import register

from crmkit.errors import NotFound, PermissionDenied
from crmkit.paging import Page, page_of
from customers import service
from customers.domain.activity import FollowupInput
from customers.domain.profile import UpdateCustomer
from customers.domain.segments import SegmentFilter
from customers.service import ownership, segment_members, tags
from customers.service.customer_report import new_customer_report
from customers.service.followups import list_followup_customers, record_followup
from customers.service.levels import set_levels
from customers.service.nearby import nearby_customers
from customers.service.profile import update_customer

HEAD, SUB = "store-head", "store-sub"
SHOP = (31.2304, 121.4737)


@dataclass
class Chain:
    owner: object
    head_manager: object
    head_seller: object
    sub_manager: object
    sub_seller: object
    head_customer: object
    sub_customer: object
    head_pool: object
    sub_pool: object


@pytest.fixture
def chain(db, tenant):
    owner = staff(tenant, "owner", stores=(HEAD,))
    head_manager = staff(tenant, "store_manager", stores=(HEAD,))
    head_seller = staff(tenant, "salesperson", stores=(HEAD,))
    sub_manager = staff(tenant, "store_manager", stores=(SUB,))
    sub_seller = staff(tenant, "salesperson", stores=(SUB,))
    at = {"latitude": SHOP[0], "longitude": SHOP[1]}
    head_customer = register(db, head_seller, 1, name="总店客户", **at)
    sub_customer = register(db, sub_seller, 2, name="分店客户", **at)
    head_pool = register(db, head_seller, 3, name="总店公海")
    sub_pool = register(db, sub_seller, 4, name="分店公海")
    ownership.release_customer(db.uow(), head_seller, head_pool.id, "不做了", now=later(1))
    ownership.release_customer(db.uow(), sub_seller, sub_pool.id, "不做了", now=later(1))
    return Chain(
        owner, head_manager, head_seller, sub_manager, sub_seller, head_customer, sub_customer, head_pool, sub_pool
    )


def listed(db, actor):
    return {c.id for c in service.list_customers(db.uow(), actor, page_of()).customers}


def readable(db, actor, customer_id):
    try:
        service.get_customer(db.uow(), actor, customer_id)
    except NotFound:
        return False
    return True


def test_a4_sub_store_manager_does_not_see_head_store_customers(db, chain):
    # Given the chain; when the sub-store's manager lists and reads customers
    ids = listed(db, chain.sub_manager)
    # then the sub-store's customers (held and in the pool) are there, the head store's are not
    assert ids == {chain.sub_customer.id, chain.sub_pool.id}
    assert readable(db, chain.sub_manager, chain.sub_customer.id)
    assert not readable(db, chain.sub_manager, chain.head_customer.id)


def test_a4_head_store_manager_does_not_see_sub_store_customers(db, chain):
    # A head store's manager sees the sub-store's figures through identity, not its customers.
    assert listed(db, chain.head_manager) == {chain.head_customer.id, chain.head_pool.id}
    assert not readable(db, chain.head_manager, chain.sub_customer.id)


def test_a1_salesperson_sees_only_own_customers_in_any_store(db, chain):
    assert listed(db, chain.sub_seller) == {chain.sub_customer.id}
    assert not readable(db, chain.sub_seller, chain.head_customer.id)
    assert not readable(db, chain.head_seller, chain.sub_customer.id)


def test_a1_owner_and_see_all_switch_see_every_store(db, tenant, chain):
    everyone = {chain.head_customer.id, chain.sub_customer.id, chain.head_pool.id, chain.sub_pool.id}
    assert listed(db, chain.owner) == everyone
    assert listed(db, replace(chain.owner, current_store_id=HEAD)) == everyone
    assert listed(db, staff(tenant, "salesperson", stores=(SUB,), perms=("see_all_customers",))) == everyone


def test_a4_current_store_narrows_a_manager_of_two_stores(db, tenant, chain):
    both = staff(tenant, "store_manager", stores=(HEAD, SUB))
    assert listed(db, both) == {chain.head_customer.id, chain.sub_customer.id, chain.head_pool.id, chain.sub_pool.id}
    in_sub = replace(both, current_store_id=SUB)
    assert listed(db, in_sub) == {chain.sub_customer.id, chain.sub_pool.id}


def test_a1_writes_on_a_customer_outside_the_scope_are_not_found(db, chain):
    head = chain.head_customer.id
    attempts = [
        lambda: update_customer(db.uow(), chain.sub_manager, UpdateCustomer(customer_id=head, name="改名"), now=NOW),
        lambda: set_levels(db.uow(), chain.sub_manager, [head], "VIP", now=NOW),
        lambda: ownership.release_customer(db.uow(), chain.sub_manager, head, "越权", now=NOW),
        lambda: ownership.set_customer_locked(db.uow(), chain.sub_manager, head, True, now=NOW),
        lambda: record_followup(
            db.uow(), chain.sub_manager, customer_id=head, f=FollowupInput("contacted", "问候"), now=NOW
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    tag = tags.create_tag(db.uow(), chain.owner, "重点", "", now=NOW)
    with pytest.raises(NotFound):
        tags.tag_customers(db.uow(), chain.sub_manager, [tag.id], [head], now=NOW)
    # Nothing changed.
    unchanged = service.get_customer(db.uow(), chain.owner, head)
    assert (unchanged.name, unchanged.level, unchanged.locked, unchanged.tags) == ("总店客户", "", False, ())


def test_a4_sellers_see_and_claim_only_their_stores_pool(db, chain):
    pool = {c.id for c in ownership.list_pool_customers(db.uow(), chain.sub_seller, page_of()).customers}
    assert pool == {chain.sub_pool.id}
    with pytest.raises(NotFound):
        ownership.claim_customer(db.uow(), chain.sub_seller, chain.head_pool.id, now=later(2))
    claimed = ownership.claim_customer(db.uow(), chain.sub_seller, chain.sub_pool.id, now=later(2))
    assert claimed.owner_staff_id == chain.sub_seller.subject_id
    owners_pool = {c.id for c in ownership.list_pool_customers(db.uow(), chain.owner, page_of()).customers}
    assert owners_pool == {chain.head_pool.id}


def test_a4_nearby_segments_followups_and_tag_counts_keep_to_the_scope(db, chain):
    near = nearby_customers(db.uow(), chain.sub_manager, *SHOP, 500)
    assert [n.customer.id for n in near] == [chain.sub_customer.id]
    members = segment_members.evaluate_segment(
        db.uow(), chain.sub_manager, Page(1, 100), filter=SegmentFilter(), as_of=NOW
    )
    assert {m.id for m in members.members} == {chain.sub_customer.id, chain.sub_pool.id}
    active = list_followup_customers(db.uow(), chain.sub_manager, page_of(), eliminated=False)
    assert {c.customer_id for c in active.items} == {chain.sub_customer.id, chain.sub_pool.id}
    tag = tags.create_tag(db.uow(), chain.owner, "重点", "", now=NOW)
    tags.tag_customers(db.uow(), chain.owner, [tag.id], [chain.head_customer.id, chain.sub_customer.id], now=NOW)
    assert {t.name: t.customer_count for t in tags.list_tags(db.uow(), chain.sub_manager)} == {"重点": 1}
    assert {t.name: t.customer_count for t in tags.list_tags(db.uow(), chain.owner)} == {"重点": 2}


def test_a4_member_report_counts_the_callers_stores(db, chain):
    day = NOW.date().isoformat()
    assert new_customer_report(db.uow(), chain.sub_manager, day, day, now=NOW).total == 2
    assert new_customer_report(db.uow(), chain.owner, day, day, now=NOW).total == 4
    with pytest.raises(PermissionDenied):
        new_customer_report(db.uow(), chain.sub_manager, day, day, HEAD, now=NOW)
