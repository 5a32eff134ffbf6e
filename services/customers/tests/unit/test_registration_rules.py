"""C2: who may register a customer, for whom and in which store; name and phone rules."""

import pytest

from crmkit.auth import Actor
from crmkit.errors import InvalidInput, PermissionDenied
from customers.domain.fields import NUMBER, FieldDefinition
from customers.domain.registration import RegisterCustomer, register


def staff(*roles, stores=("store-1", "store-2"), sid="me"):
    return Actor(kind="staff", subject_id=sid, tenant_id="t1", roles=frozenset(roles), store_ids=tuple(stores))


def cmd(**overrides):
    args = {"name": "Zhang San", "phone": "13800138000", "fields": {}}
    args.update(overrides)
    return RegisterCustomer(**args)


def test_c2_salesperson_registers_own_customer_in_first_store():
    reg = register(staff("salesperson"), cmd(name=" Zhang San "), [])
    assert (reg.name, reg.owner_staff_id, reg.store_id, reg.registered_by_staff_id) == (
        "Zhang San",
        "me",
        "store-1",
        "me",
    )


@pytest.mark.parametrize(
    "actor",
    [
        staff("finance"),
        staff("warehouse"),
        staff(),
        Actor(kind="service", subject_id="coupons", tenant_id="t1"),
        Actor(kind="customer", subject_id="c1", tenant_id="t1", roles=frozenset({"salesperson"})),
    ],
)
def test_c2_only_selling_or_managing_staff_may_register(actor):
    with pytest.raises(PermissionDenied) as err:
        register(actor, cmd(), [])
    assert err.value.code == "CUSTOMER_REGISTER_DENIED"


@pytest.mark.parametrize(
    "roles, requested, expected",
    [
        (("salesperson",), "", "me"),
        (("salesperson",), "me", "me"),
        (("store_manager",), "colleague", "colleague"),
        (("owner",), "colleague", "colleague"),
        (("store_manager",), "", "me"),
    ],
)
def test_c2_owner_is_caller_unless_a_manager_names_a_colleague(roles, requested, expected):
    assert register(staff(*roles), cmd(owner_staff_id=requested), []).owner_staff_id == expected


def test_c2_salesperson_cannot_register_for_a_colleague():
    with pytest.raises(PermissionDenied) as err:
        register(staff("salesperson"), cmd(owner_staff_id="colleague"), [])
    assert err.value.code == "CUSTOMER_OWNER_ASSIGN_DENIED"


@pytest.mark.parametrize(
    "roles, stores, requested, expected",
    [
        (("salesperson",), ("s1", "s2"), "", "s1"),
        (("salesperson",), ("s1", "s2"), "s2", "s2"),
        (("owner",), ("s1",), "s9", "s9"),
        (("owner",), (), "", None),
    ],
)
def test_c2_store_defaults_to_first_and_must_be_callers(roles, stores, requested, expected):
    assert register(staff(*roles, stores=stores), cmd(store_id=requested), []).store_id == expected


def test_c2_store_outside_callers_stores_is_denied():
    with pytest.raises(PermissionDenied) as err:
        register(staff("store_manager", stores=("s1",)), cmd(store_id="s9"), [])
    assert err.value.code == "STORE_ACCESS_DENIED"


def test_c2_staff_without_store_must_name_one():
    with pytest.raises(InvalidInput) as err:
        register(staff("salesperson", stores=()), cmd(), [])
    assert err.value.fields == {"store_id": "validation.required"}


@pytest.mark.parametrize(
    "overrides, field, key",
    [
        ({"name": " "}, "name", "validation.required"),
        ({"name": "x" * 51}, "name", "validation.too_long"),
        ({"phone": ""}, "phone", "validation.required"),
        ({"phone": "12800138000"}, "phone", "validation.phone_invalid"),
        ({"phone": "1380013800"}, "phone", "validation.phone_invalid"),
        ({"phone": "+8613800138000"}, "phone", "validation.phone_invalid"),
        ({"phone": "138001380001"}, "phone", "validation.phone_invalid"),
    ],
)
def test_c2_name_and_phone_rules(overrides, field, key):
    with pytest.raises(InvalidInput) as err:
        register(staff("salesperson"), cmd(**overrides), [])
    assert err.value.fields == {field: key}


def test_c2_name_of_fifty_characters_is_accepted():
    assert register(staff("salesperson"), cmd(name="x" * 50), []).name == "x" * 50


def test_c2_name_phone_and_field_problems_come_together():
    definitions = [FieldDefinition("age", "Age", NUMBER, required=True)]
    with pytest.raises(InvalidInput) as err:
        register(staff("salesperson"), cmd(name="", phone="123", fields={"x": "1"}), definitions)
    assert err.value.fields == {
        "name": "validation.required",
        "phone": "validation.phone_invalid",
        "fields.x": "validation.unknown_field",
        "fields.age": "validation.required",
    }


@pytest.mark.parametrize(
    ("level", "expected"),
    [("", ""), (" A ", "A"), ("VIP", "VIP"), ("金卡", "金卡"), ("gold_2", "gold_2")],
)
def test_c1_member_level_is_kept_trimmed(level, expected):
    assert register(staff("salesperson"), cmd(level=level), []).level == expected


@pytest.mark.parametrize("level", ["A B", "x" * 21, "A-1", "a\nb"])
def test_c1_bad_member_level_names_the_field(level):
    with pytest.raises(InvalidInput) as err:
        register(staff("salesperson"), cmd(level=level), [])
    assert err.value.fields == {"level": "validation.invalid"}
