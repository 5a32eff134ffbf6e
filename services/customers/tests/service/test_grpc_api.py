"""C1, C2 through the real gRPC server: tokens become actors, errors cross the wire with their
codes and field names, and visibility hides colleagues' and other tenants' customers."""

import pytest
from customer_testkit import phone, staff, token_for

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2 as pb
from crmkit.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, Unauthenticated


def call(client, actor, method, request):
    return client.call(method, request, token=token_for(actor))


def register(client, actor, n, name=None, **kw):
    req = pb.RegisterCustomerRequest(name=name or f"Customer {n}", phone=phone(n), **kw)
    return call(client, actor, "RegisterCustomer", req)


def define(client, actor, **field):
    return call(client, actor, "DefineCustomerField", pb.DefineCustomerFieldRequest(field=pb.CustomerField(**field)))


def list_customers(client, actor, query="", page=0, page_size=0):
    req = pb.ListCustomersRequest(query=query, page=common_pb2.PageRequest(page=page, page_size=page_size))
    return call(client, actor, "ListCustomers", req)


def test_c1_fields_defined_and_listed_over_grpc(client, tenant):
    owner = staff(tenant, "owner")
    saved = define(client, owner, key="level", label="Level", kind=pb.FIELD_KIND_CHOICE, options=["a", "b"])
    assert (saved.key, saved.kind, list(saved.options)) == ("level", pb.FIELD_KIND_CHOICE, ["a", "b"])
    listed = call(client, staff(tenant, "salesperson"), "ListCustomerFields", pb.ListCustomerFieldsRequest())
    assert [f.key for f in listed.fields] == ["level"]


def test_c1_field_without_kind_is_invalid_over_grpc(client, tenant):
    with pytest.raises(InvalidInput) as err:
        define(client, staff(tenant, "owner"), key="level", label="Level")
    assert err.value.fields == {"field.kind": "validation.required"}


def test_c2_register_and_get_over_grpc(client, tenant):
    define(client, staff(tenant, "owner"), key="birthday", label="Birthday", kind=pb.FIELD_KIND_DATE, required=True)
    seller = staff(tenant, "salesperson", stores=("store-5",))
    created = register(client, seller, 1, fields={"birthday": "1990-01-31"})
    got = call(client, seller, "GetCustomer", pb.GetCustomerRequest(id=created.id))
    assert got == created
    assert (got.tenant_id, got.owner_staff_id, got.store_id, dict(got.fields)) == (
        tenant,
        seller.staff_id,
        "store-5",
        {"birthday": "1990-01-31"},
    )
    assert got.created_at.seconds > 0


def test_c2_missing_required_field_names_the_field(client, tenant):
    define(client, staff(tenant, "owner"), key="birthday", label="Birthday", kind=pb.FIELD_KIND_DATE, required=True)
    seller = staff(tenant, "salesperson")
    with pytest.raises(InvalidInput) as err:
        register(client, seller, 1, fields={"hobby": "golf"})
    assert err.value.code == "CUSTOMER_INPUT_INVALID"
    assert err.value.fields == {"fields.birthday": "validation.required", "fields.hobby": "validation.unknown_field"}
    assert list_customers(client, staff(tenant, "owner")).page.total == 0


def test_c2_duplicate_phone_is_already_exists_over_grpc(client, tenant):
    register(client, staff(tenant, "salesperson"), 1)
    with pytest.raises(AlreadyExists) as err:
        register(client, staff(tenant, "salesperson"), 1)
    assert (err.value.code, err.value.fields) == ("CUSTOMER_PHONE_TAKEN", {"phone": "validation.phone_taken"})


def test_c2_salesperson_cannot_register_for_a_colleague_over_grpc(client, tenant):
    with pytest.raises(PermissionDenied):
        register(client, staff(tenant, "salesperson"), 1, owner_staff_id="colleague")


def test_c2_call_without_token_is_unauthenticated(client):
    with pytest.raises(Unauthenticated):
        client.call("ListCustomers", pb.ListCustomersRequest())


def test_c1_salesperson_cannot_see_a_colleagues_customer(client, tenant):
    seller_a, seller_b = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    theirs = register(client, seller_b, 1)
    with pytest.raises(NotFound) as err:
        call(client, seller_a, "GetCustomer", pb.GetCustomerRequest(id=theirs.id))
    assert err.value.code == "CUSTOMER_NOT_FOUND"
    assert list_customers(client, seller_a).page.total == 0


@pytest.mark.parametrize(
    "viewer_roles, perms",
    [(("store_manager",), ()), (("owner",), ()), (("salesperson",), ("see_all_customers",))],
)
def test_c1_managers_and_see_all_switch_see_every_customer(client, tenant, viewer_roles, perms):
    seller_b = staff(tenant, "salesperson")
    theirs = register(client, seller_b, 1)
    viewer = staff(tenant, *viewer_roles, perms=perms)
    assert call(client, viewer, "GetCustomer", pb.GetCustomerRequest(id=theirs.id)).id == theirs.id
    assert [c.id for c in list_customers(client, viewer).customers] == [theirs.id]


def test_c1_another_tenants_customer_is_not_found(client, tenant):
    theirs = register(client, staff(tenant, "salesperson"), 1)
    outsider = staff(tenant + "x", "owner")
    with pytest.raises(NotFound) as err:
        call(client, outsider, "GetCustomer", pb.GetCustomerRequest(id=theirs.id))
    assert err.value.code == "CUSTOMER_NOT_FOUND"
    assert list_customers(client, outsider).page.total == 0


def test_c1_unknown_id_is_not_found(client, tenant):
    with pytest.raises(NotFound):
        call(client, staff(tenant, "owner"), "GetCustomer", pb.GetCustomerRequest(id="no-such-id"))


def test_c1_search_by_partial_name_and_phone_prefix(client, tenant):
    seller = staff(tenant, "salesperson")
    zhang = register(client, seller, 1, name="Zhang Wei")
    register(client, seller, 2, name="Li Na")
    other = call(client, seller, "RegisterCustomer", pb.RegisterCustomerRequest(name="Wang Fang", phone="15900001111"))
    assert [c.id for c in list_customers(client, seller, query="ZHANG").customers] == [zhang.id]
    assert [c.id for c in list_customers(client, seller, query="ng w").customers] == [zhang.id]
    assert [c.id for c in list_customers(client, seller, query="159").customers] == [other.id]
    # A middle part of a phone is not a prefix: no match.
    assert list_customers(client, seller, query="0001111").page.total == 0
    # LIKE wildcards in the query are plain characters.
    assert list_customers(client, seller, query="%").page.total == 0


def test_c1_list_is_newest_first_and_paginated(client, tenant):
    seller = staff(tenant, "salesperson")
    ids = [register(client, seller, n).id for n in range(5)]
    first = list_customers(client, seller, page=1, page_size=2)
    second = list_customers(client, seller, page=2, page_size=2)
    third = list_customers(client, seller, page=3, page_size=2)
    assert [c.id for page in (first, second, third) for c in page.customers] == ids[::-1]
    assert (first.page.page, first.page.page_size, first.page.total) == (1, 2, 5)
    assert len(third.customers) == 1
    defaults = list_customers(client, seller)
    assert (defaults.page.page, defaults.page.page_size) == (1, 20)


@pytest.mark.parametrize(
    "page, page_size, fields",
    [(-1, 10, {"page.page": "validation.invalid"}), (1, 101, {"page.page_size": "validation.invalid"})],
)
def test_c1_page_out_of_range_names_the_field(client, tenant, page, page_size, fields):
    with pytest.raises(InvalidInput) as err:
        list_customers(client, staff(tenant, "owner"), page=page, page_size=page_size)
    assert err.value.fields == fields


def test_c1_member_level_is_stored_and_returned_over_grpc(client, tenant):
    seller = staff(tenant, "salesperson")
    created = register(client, seller, 901, level="VIP")
    fetched = call(client, seller, "GetCustomer", pb.GetCustomerRequest(id=created.id))
    assert (created.level, fetched.level) == ("VIP", "VIP")
