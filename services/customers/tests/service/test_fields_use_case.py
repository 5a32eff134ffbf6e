"""C1 against PostgreSQL: defining and listing a tenant's customer fields."""

import threading

import pytest
from customer_testkit import NOW, later, staff

from crmkit.errors import InvalidInput, PermissionDenied
from customers import service
from customers.domain.fields import CHOICE, DATE, TEXT
from customers.service.fields import DefineCustomerField


def define(db, actor, key, kind=TEXT, *, now=NOW, **kw):
    cmd = DefineCustomerField(key=key, label=kw.pop("label", key.title()), kind=kind, **kw)
    return service.define_customer_field(db.uow(), actor, cmd, now=now)


@pytest.mark.parametrize("roles", [("owner",), ("store_manager",)])
def test_c1_managers_define_fields_listed_by_position(db, tenant, roles):
    manager = staff(tenant, *roles)
    define(db, manager, "birthday", DATE, position=2)
    define(db, manager, "level", CHOICE, options=("gold", "silver"), required=True, position=1)
    listed = service.list_customer_fields(db.uow(), staff(tenant, "salesperson"))
    assert [(f.key, f.position, f.required, f.options) for f in listed] == [
        ("level", 1, True, ("gold", "silver")),
        ("birthday", 2, False, ()),
    ]


def test_c1_defining_an_existing_key_replaces_it(db, tenant):
    owner = staff(tenant, "owner")
    define(db, owner, "level", CHOICE, options=("gold",))
    define(db, owner, "level", TEXT, label="Grade", required=True, now=later(1))
    [field] = service.list_customer_fields(db.uow(), owner)
    assert (field.label, field.kind, field.required, field.options) == ("Grade", TEXT, True, ())


@pytest.mark.parametrize("roles", [("salesperson",), ("finance",), ("salesperson", "warehouse")])
def test_c1_only_owner_or_store_manager_defines_fields(db, tenant, roles):
    with pytest.raises(PermissionDenied) as err:
        define(db, staff(tenant, *roles, perms=("see_all_customers",)), "level")
    assert err.value.code == "FIELD_DEFINE_DENIED"
    assert service.list_customer_fields(db.uow(), staff(tenant, "owner")) == []


def test_c1_invalid_definition_is_not_saved(db, tenant):
    with pytest.raises(InvalidInput):
        define(db, staff(tenant, "owner"), "level", CHOICE, options=())
    assert service.list_customer_fields(db.uow(), staff(tenant, "owner")) == []


def test_c1_fields_are_per_tenant(db, tenant):
    define(db, staff(tenant, "owner"), "level")
    assert service.list_customer_fields(db.uow(), staff(tenant + "x", "owner")) == []


def test_c1_two_managers_creating_one_key_at_once_leave_one_field(db, tenant):
    barrier = threading.Barrier(4)
    errors = []

    def attempt(i):
        barrier.wait()
        try:
            define(db, staff(tenant, "owner"), "level", label=f"Label {i}")
        except Exception as exc:  # any error is a failure of this test
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(service.list_customer_fields(db.uow(), staff(tenant, "owner"))) == 1
