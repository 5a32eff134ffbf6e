"""C2 and A1 against PostgreSQL: registration writes customer, change log and event together,
or nothing at all."""

import json
import threading

import pytest
from customer_testkit import NOW, phone, staff
from sqlalchemy import func, select

from crmkit.errors import AlreadyExists, InvalidInput, PermissionDenied
from customers import service
from customers.domain.fields import CHOICE, DATE, NUMBER, TEXT
from customers.domain.registration import RegisterCustomer
from customers.models import CustomerChangeRow, CustomerRow, Outbox
from customers.service.fields import DefineCustomerField


def define(db, tenant, key, kind, *, required=False, options=(), position=0):
    cmd = DefineCustomerField(
        key=key, label=key.title(), kind=kind, required=required, options=options, position=position
    )
    return service.define_customer_field(db.uow(), staff(tenant, "owner"), cmd, now=NOW)


def counts(db, tenant):
    with db.uow() as uow:
        return tuple(
            uow.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant))
            for model in (CustomerRow, CustomerChangeRow, Outbox)
        )


def outbox_events(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant).order_by(Outbox.id)).all()
        return [json.loads(r.payload) for r in rows]


def register(db, actor, n=1, **kw):
    cmd = RegisterCustomer(name=kw.pop("name", f"Customer {n}"), phone=kw.pop("phone", phone(n)), fields={}, **kw)
    return service.register_customer(db.uow(), actor, cmd, now=NOW)


def test_c2_register_with_required_fields(db, tenant):
    define(db, tenant, "birthday", DATE, required=True)
    define(db, tenant, "level", CHOICE, options=("gold", "silver"))
    seller = staff(tenant, "salesperson", stores=("store-7",))
    cmd = RegisterCustomer(name="Li Si", phone="13912345678", fields={"birthday": "1990-05-01", "level": "gold"})
    customer = service.register_customer(db.uow(), seller, cmd, now=NOW)
    assert (customer.owner_staff_id, customer.store_id, customer.registered_by_staff_id) == (
        seller.staff_id,
        "store-7",
        seller.staff_id,
    )
    assert customer.created_at == NOW
    assert service.get_customer(db.uow(), seller, customer.id).fields == {"birthday": "1990-05-01", "level": "gold"}


def test_c2_missing_required_field_names_the_field(db, tenant):
    define(db, tenant, "birthday", DATE, required=True)
    define(db, tenant, "age", NUMBER)
    seller = staff(tenant, "salesperson")
    cmd = RegisterCustomer(name="Li Si", phone="13912345678", fields={"age": "x"})
    with pytest.raises(InvalidInput) as err:
        service.register_customer(db.uow(), seller, cmd, now=NOW)
    assert err.value.fields == {"fields.birthday": "validation.required", "fields.age": "validation.not_a_number"}
    assert counts(db, tenant) == (0, 0, 0)


def test_c2_fields_are_checked_against_the_current_definitions(db, tenant):
    seller = staff(tenant, "salesperson")
    register(db, seller, 1)
    define(db, tenant, "source", TEXT, required=True)
    with pytest.raises(InvalidInput) as err:
        register(db, seller, 2)
    assert err.value.fields == {"fields.source": "validation.required"}


def test_c2_same_phone_twice_in_a_tenant_is_taken(db, tenant):
    register(db, staff(tenant, "salesperson"), 1)
    with pytest.raises(AlreadyExists) as err:
        register(db, staff(tenant, "salesperson"), 1, name="Someone else")
    assert (err.value.code, err.value.fields) == ("CUSTOMER_PHONE_TAKEN", {"phone": "validation.phone_taken"})
    assert counts(db, tenant) == (1, 1, 1)


def test_c2_same_phone_in_another_tenant_is_a_different_customer(db, tenant):
    register(db, staff(tenant, "salesperson"), 1)
    register(db, staff(tenant + "x", "salesperson"), 1)
    assert counts(db, tenant) == (1, 1, 1)


def test_c2_registration_publishes_customer_registered(db, tenant):
    manager = staff(tenant, "store_manager", stores=("store-3",))
    customer = register(db, manager, 5, owner_staff_id="seller-9")
    [event] = outbox_events(db, tenant)
    assert (event["type"], event["source"], event["tenant_id"]) == ("customer_registered", "customers", tenant)
    assert event["data"] == {
        "customer_id": customer.id,
        "name": "Customer 5",
        "phone": phone(5),
        "owner_staff_id": "seller-9",
        "store_id": "store-3",
        "registered_by_staff_id": manager.staff_id,
    }


def test_a1_registration_is_written_to_the_change_log(db, tenant):
    seller = staff(tenant, "salesperson")
    customer = register(db, seller, 1)
    with db.uow() as uow:
        change = uow.session.scalars(select(CustomerChangeRow).where(CustomerChangeRow.tenant_id == tenant)).one()
        uow.session.expunge(change)  # keep its loaded values after the unit of work closes
    assert (change.actor_kind, change.actor_id, change.action, change.object_id) == (
        "staff",
        seller.staff_id,
        "registered",
        customer.id,
    )
    assert change.after["phone"] == phone(1) and change.after["owner_staff_id"] == seller.staff_id
    assert change.created_at == NOW


@pytest.mark.parametrize(
    "roles, kw, error",
    [
        (("finance",), {}, PermissionDenied),
        (("salesperson",), {"owner_staff_id": "colleague"}, PermissionDenied),
        (("salesperson",), {"store_id": "not-mine"}, PermissionDenied),
        (("salesperson",), {"phone": "12345"}, InvalidInput),
    ],
)
def test_c2_rejected_registration_writes_nothing(db, tenant, roles, kw, error):
    with pytest.raises(error):
        register(db, staff(tenant, *roles), 1, **kw)
    assert counts(db, tenant) == (0, 0, 0)


def test_c2_two_registrations_of_one_phone_at_once_only_one_wins(db, tenant):
    """Both pass the "phone free?" check before either commits; the unique constraint decides."""
    barrier = threading.Barrier(6)
    outcomes = []

    def attempt(i):
        barrier.wait()
        try:
            register(db, staff(tenant, "salesperson"), 1, name=f"Racer {i}")
            outcomes.append("ok")
        except AlreadyExists as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["CUSTOMER_PHONE_TAKEN"] * 5 + ["ok"]
    assert counts(db, tenant) == (1, 1, 1)
