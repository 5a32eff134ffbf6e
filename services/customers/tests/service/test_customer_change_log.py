"""A1 change log of customers on PostgreSQL: who changed what and when, one entry per change,
written with the change, read newest first by whoever may see the customer (and over gRPC)."""

import json

import pytest
from customer_testkit import NOW, later, staff, token_for
from ownership_testkit import register

from crm.common.v1 import common_pb2
from crmkit.errors import AlreadyExists, NotFound
from crmkit.paging import Page, page_of
from customers.domain.profile import UpdateCustomer
from customers.service import ownership
from customers.service.changes import list_customer_changes
from customers.service.levels import set_levels
from customers.service.profile import update_customer


def log(db, actor, customer_id, page=None):
    entries, total = list_customer_changes(db.uow(), actor, customer_id, page or page_of())
    return [(c.action, c.actor_id, c.before, c.after, c.at) for c in entries], total


def test_a1_each_change_of_a_customer_is_logged_with_before_after_actor_and_time(db, tenant):
    # Given a customer registered by a salesperson
    seller, manager = staff(tenant, "salesperson"), staff(tenant, "store_manager")
    customer = register(db, seller, 1, name="张三")
    # When the salesperson renames it, a manager sets its level, and it is released and claimed
    update_customer(db.uow(), seller, UpdateCustomer(customer_id=customer.id, name="张三商行"), now=later(1))
    set_levels(db.uow(), manager, [customer.id], "VIP", now=later(2))
    ownership.release_customer(db.uow(), seller, customer.id, "不做了", now=later(3))
    ownership.claim_customer(db.uow(), manager, customer.id, now=later(4))
    # Then the log names each change, newest first, with only the fields that changed
    entries, total = log(db, manager, customer.id)
    assert total == 5
    assert entries[:4] == [
        ("claimed", manager.staff_id, {"owner_staff_id": None}, {"owner_staff_id": manager.staff_id}, later(4)),
        ("released", seller.staff_id, {"owner_staff_id": seller.staff_id}, {"owner_staff_id": None}, later(3)),
        ("updated", manager.staff_id, {"level": ""}, {"level": "VIP"}, later(2)),
        ("updated", seller.staff_id, {"name": "张三"}, {"name": "张三商行"}, later(1)),
    ]
    action, actor_id, before, after, at = entries[4]
    assert (action, actor_id, before, at) == ("registered", seller.staff_id, None, NOW)
    assert after["name"] == "张三" and after["owner_staff_id"] == seller.staff_id


def test_a1_an_edit_that_changes_nothing_or_fails_leaves_no_entry(db, tenant):
    seller = staff(tenant, "salesperson")
    customer = register(db, seller, 1, name="张三")
    taken = register(db, seller, 2)
    update_customer(db.uow(), seller, UpdateCustomer(customer_id=customer.id, name="张三"), now=later(1))
    with pytest.raises(AlreadyExists):
        update_customer(db.uow(), seller, UpdateCustomer(customer_id=customer.id, phone=taken.phone), now=later(2))
    assert [e[0] for e in log(db, seller, customer.id)[0]] == ["registered"]


def test_a1_the_log_is_scoped_like_the_customer(db, tenant):
    seller = staff(tenant, "salesperson", stores=("store-head",))
    customer = register(db, seller, 1)
    with pytest.raises(NotFound):
        log(db, staff(tenant, "salesperson", stores=("store-head",)), customer.id)
    with pytest.raises(NotFound):
        log(db, staff(tenant, "store_manager", stores=("store-sub",)), customer.id)
    with pytest.raises(NotFound):
        log(db, staff("another-tenant", "owner"), customer.id)
    assert log(db, staff(tenant, "store_manager", stores=("store-head",)), customer.id)[1] == 1


def test_a1_the_log_pages(db, tenant):
    owner = staff(tenant, "owner")
    customer = register(db, owner, 1)
    for n, locked in enumerate((True, False, True), start=1):
        ownership.set_customer_locked(db.uow(), owner, customer.id, locked, now=later(n))
    first, total = log(db, owner, customer.id, Page(1, 2))
    second, _ = log(db, owner, customer.id, Page(2, 2))
    assert total == 4
    assert [e[0] for e in first + second] == ["locked", "unlocked", "locked", "registered"]
    assert first[1][2:4] == ({"locked": True}, {"locked": False})


def test_a1_change_log_over_grpc(client, db, tenant):
    seller = staff(tenant, "salesperson")
    customer = register(db, seller, 1, name="张三")
    update_customer(db.uow(), seller, UpdateCustomer(customer_id=customer.id, region="310104"), now=later(1))
    reply = client.call(
        "ListCustomerChanges",
        common_pb2.ListChangesRequest(object_id=customer.id, page=common_pb2.PageRequest(page=1, page_size=1)),
        token=token_for(seller),
    )
    assert reply.page.total == 2 and len(reply.changes) == 1
    change = reply.changes[0]
    assert (change.object_type, change.object_id, change.action, change.actor_kind, change.actor_id) == (
        "customer",
        customer.id,
        "updated",
        "staff",
        seller.staff_id,
    )
    assert (json.loads(change.before_json), json.loads(change.after_json)) == ({"region": ""}, {"region": "310104"})
    with pytest.raises(NotFound):
        client.call(
            "ListCustomerChanges",
            common_pb2.ListChangesRequest(object_id=customer.id),
            token=token_for(staff(tenant, "salesperson")),
        )
