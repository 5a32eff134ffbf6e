"""A1: tenants, stores and staff with roles and permission switches, on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from identity_testkit import SOURCE, add_staff, now, service_actor, signup, staff_actor
from sqlalchemy import func, select

from crmkit.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from identity.models import AuditLog, Outbox, Seat, Staff, Store, Tenant
from identity.service import commands, staff, tenants


def outbox_types(app) -> list[str]:
    with app.db.uow() as uow:
        return list(uow.session.scalars(select(Outbox.type).order_by(Outbox.id)))


def audit_entries(app) -> list[AuditLog]:
    with app.db.uow() as uow:
        rows = list(uow.session.scalars(select(AuditLog).order_by(AuditLog.created_at)))
        uow.session.expunge_all()
        return rows


def count(app, model) -> int:
    with app.db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a1_signup_creates_tenant_head_store_and_owner(app):
    new = signup(app)
    assert new.head_store.is_head and new.head_store.parent_store_id is None
    assert new.owner.roles == ["owner"]
    assert new.owner.store_ids == [new.head_store.id]
    assert new.owner.seat is None  # the owner occupies no salesperson seat
    assert outbox_types(app) == ["tenant_created", "staff_created"]
    entry = audit_entries(app)[0]
    assert (entry.action, entry.object_id, entry.actor_kind) == ("staff.created", new.owner.id, "signup")
    assert "password" not in entry.after and json.loads(entry.after)["roles"] == ["owner"]


def test_a1_signup_with_bad_input_names_every_field_and_writes_nothing(app):
    cmd = commands.CreateTenant(
        tenant_name="", owner_name="x" * 51, owner_phone="12800000000", owner_password="abcdefgh"
    )
    with pytest.raises(InvalidInput) as err:
        tenants.create_tenant(app.db.uow(), app.ports, cmd, now=now(), source=SOURCE)
    assert err.value.fields == {
        "tenant_name": "validation.required",
        "owner_name": "validation.too_long",
        "owner_phone": "validation.phone_invalid",
        "owner_password": "validation.password_too_weak",
        "sms_code": "validation.required",
    }
    assert [count(app, m) for m in (Tenant, Store, Staff, Outbox)] == [0, 0, 0, 0]


def test_a3_salesperson_gets_a_thirty_day_trial_seat(app):
    owner = signup(app).owner
    created = now()
    member = add_staff(app, owner, phone="13900000001", at=created)
    assert member.seat.trial_ends_at == created + timedelta(days=30)
    assert member.seat.paid_until is None
    assert outbox_types(app)[-1] == "staff_created"
    (entry,) = [e for e in audit_entries(app) if e.object_id == member.id]
    assert (entry.action, entry.actor_id) == ("staff.created", owner.id)


def test_a1_finance_staff_has_no_seat_and_defaults_to_head_store(app):
    new = signup(app)
    member = add_staff(app, new.owner, phone="13900000001", roles=("finance",))
    assert member.seat is None and member.store_ids == [new.head_store.id]
    assert count(app, Seat) == 0


def test_a1_phone_is_unique_within_a_tenant_only(app):
    owner = signup(app).owner
    add_staff(app, owner, phone="13900000001")
    with pytest.raises(AlreadyExists) as err:
        add_staff(app, owner, phone="13900000001")
    assert err.value.code == "STAFF_PHONE_TAKEN"
    other_owner = signup(app, phone="13800000002").owner
    assert add_staff(app, other_owner, phone="13900000001").tenant_id == other_owner.tenant_id


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"roles": ("boss",)}, {"roles": "validation.invalid_choice"}),
        ({"roles": ()}, {"roles": "validation.required"}),
        ({"permissions": ("fly",)}, {"permissions": "validation.invalid_choice"}),
        ({"store_ids": ("00000000-0000-0000-0000-000000000000",)}, {"store_ids": "validation.invalid_choice"}),
        ({"phone": "1380000"}, {"phone": "validation.phone_invalid"}),
        ({"name": "  "}, {"name": "validation.required"}),
    ],
)
def test_a1_bad_staff_input_names_the_field_and_writes_nothing(app, changes, fields):
    owner = signup(app).owner
    args = {"name": "Xiao Li", "phone": "13900000001", "roles": ("salesperson",), **changes}
    with pytest.raises(InvalidInput) as err:
        staff.create_staff(app.db.uow(), staff_actor(owner), commands.CreateStaff(**args), now=now())
    assert err.value.fields == fields
    assert count(app, Staff) == 1


def test_a1_store_of_another_tenant_cannot_be_assigned(app):
    owner = signup(app).owner
    foreign_store = signup(app, phone="13800000002").head_store
    with pytest.raises(InvalidInput) as err:
        add_staff(app, owner, phone="13900000001", store_ids=(foreign_store.id,))
    assert err.value.fields == {"store_ids": "validation.invalid_choice"}


def test_a1_salesperson_cannot_create_staff(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone="13900000001")
    with pytest.raises(PermissionDenied):
        add_staff(app, seller, phone="13900000002")


def test_a1_store_manager_creates_salespeople_of_own_store_only(app):
    new = signup(app)
    actor = staff_actor(new.owner)
    sub = tenants.create_store(app.db.uow(), actor, commands.CreateStore(name="East"), now=now())
    assert sub.parent_store_id == new.head_store.id
    manager = add_staff(app, new.owner, phone="13900000001", roles=("store_manager",), store_ids=(sub.id,))
    seller = add_staff(app, manager, phone="13900000002", store_ids=(sub.id,))
    assert seller.store_ids == [sub.id]
    for denied in (
        {"store_ids": (new.head_store.id,)},  # not the manager's store
        {"store_ids": (sub.id,), "roles": ("finance",)},  # not a salesperson
        {"store_ids": (sub.id,), "permissions": ("change_price",)},  # switches are the owner's call
    ):
        with pytest.raises(PermissionDenied):
            add_staff(app, manager, phone="13900000003", **denied)
    assert count(app, Staff) == 3


def test_a1_owner_sets_permission_switches_with_audit_and_event(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone="13900000001", permissions=("see_all_customers",))
    cmd = commands.SetStaffPermissions(staff_id=seller.id, permissions=("change_price", "see_all_customers"))
    updated = staff.set_staff_permissions(app.db.uow(), staff_actor(owner), cmd, now=now(), revoked=app.ports.revoked)
    assert updated.permissions == ["change_price", "see_all_customers"]
    (entry,) = [e for e in audit_entries(app) if e.action == "staff.permissions_changed"]
    assert json.loads(entry.before) == {"permissions": ["see_all_customers"]}
    assert json.loads(entry.after) == {"permissions": ["change_price", "see_all_customers"]}
    assert outbox_types(app)[-1] == "staff_permissions_changed"


def test_a1_only_the_owner_sets_switches_and_names_must_be_known(app):
    owner = signup(app).owner
    manager = add_staff(app, owner, phone="13900000001", roles=("store_manager",))
    seller = add_staff(app, owner, phone="13900000002")
    cmd = commands.SetStaffPermissions(staff_id=seller.id, permissions=("change_price",))
    with pytest.raises(PermissionDenied):
        staff.set_staff_permissions(app.db.uow(), staff_actor(manager), cmd, now=now(), revoked=app.ports.revoked)
    bad = commands.SetStaffPermissions(staff_id=seller.id, permissions=("change_price", "delete_everything"))
    with pytest.raises(InvalidInput) as err:
        staff.set_staff_permissions(app.db.uow(), staff_actor(owner), bad, now=now(), revoked=app.ports.revoked)
    assert err.value.fields == {"permissions": "validation.invalid_choice"}
    assert count(app, AuditLog) == 3  # the three creations, no permission change


def test_a1_another_tenants_staff_is_not_found(app):
    owner = signup(app).owner
    stranger = add_staff(app, signup(app, phone="13800000002").owner, phone="13900000001")
    with pytest.raises(NotFound):
        staff.get_staff(app.db.uow(), staff_actor(owner), stranger.id)
    cmd = commands.SetStaffPermissions(staff_id=stranger.id, permissions=("change_price",))
    with pytest.raises(NotFound):
        staff.set_staff_permissions(app.db.uow(), staff_actor(owner), cmd, now=now(), revoked=app.ports.revoked)


def test_a1_list_staff_filters_by_role_and_store_and_pages(app):
    new = signup(app)
    actor = staff_actor(new.owner)
    east = tenants.create_store(app.db.uow(), actor, commands.CreateStore(name="East"), now=now())
    manager = add_staff(app, new.owner, phone="13900000001", roles=("store_manager",), store_ids=(east.id,))
    for i in range(3):
        add_staff(app, new.owner, phone=f"1390000001{i}", store_ids=(east.id,))
    add_staff(app, new.owner, phone="13900000020")  # head store salesperson

    rows, total = staff.list_staff(app.db.uow(), actor, commands.ListStaff(role="salesperson", page=Page(1, 2)))
    assert (len(rows), total) == (2, 4)
    rows, _ = staff.list_staff(app.db.uow(), actor, commands.ListStaff(role="salesperson", page=Page(3, 2)))
    assert rows == []
    # A store manager sees the staff of their own stores only.
    rows, total = staff.list_staff(app.db.uow(), staff_actor(manager), commands.ListStaff())
    assert total == 4 and all(east.id in r.store_ids for r in rows)
    with pytest.raises(PermissionDenied):
        staff.list_staff(app.db.uow(), staff_actor(manager), commands.ListStaff(store_id=new.head_store.id))
    # messaging, as a service of this tenant, finds a store's managers.
    rows, total = staff.list_staff(
        app.db.uow(),
        service_actor(new.owner.tenant_id, "messaging"),
        commands.ListStaff(role="store_manager", store_id=east.id),
    )
    assert [r.id for r in rows] == [manager.id]


def test_a4_staff_see_only_their_stores(app):
    new = signup(app)
    east = tenants.create_store(app.db.uow(), staff_actor(new.owner), commands.CreateStore(name="East"), now=now())
    seller = add_staff(app, new.owner, phone="13900000001", store_ids=(east.id,))
    assert [s.id for s in tenants.list_stores(app.db.uow(), staff_actor(new.owner))] == [new.head_store.id, east.id]
    assert [s.id for s in tenants.list_stores(app.db.uow(), staff_actor(seller))] == [east.id]
    with pytest.raises(PermissionDenied):
        tenants.create_store(app.db.uow(), staff_actor(seller), commands.CreateStore(name="West"), now=now())
