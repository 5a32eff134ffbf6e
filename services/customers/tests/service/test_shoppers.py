"""B6 against PostgreSQL: a shopper's SMS login (identity, as a service) finds the tenant's
customer by phone or registers one in the public pool, once per phone however many logins race,
never another tenant's; nobody but a service may ask."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from customer_testkit import NOW, phone, staff, token_for
from sqlalchemy import func, select

from crm.customers.v1 import customers_pb2 as pb
from crmkit.auth import CUSTOMER, SERVICE, Actor
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.paging import Page
from customers import service
from customers.domain.registration import RegisterCustomer
from customers.models import CustomerChangeRow, CustomerRow, Outbox
from customers.service.ownership import list_pool_customers
from customers.service.shoppers import ensure_shopper


def identity(tenant: str) -> Actor:
    return Actor(kind=SERVICE, subject_id="identity", tenant_id=tenant)


def rows(db, model, tenant) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant))


def registered_events(db, tenant) -> list[dict]:
    with db.uow() as uow:
        found = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant)).all()
        return [json.loads(r.payload) for r in found if r.type == "customer_registered"]


def test_b6_first_login_registers_the_shopper_in_the_pool(db, tenant):
    shopper = ensure_shopper(db.uow(), identity(tenant), " 13912340001 ", now=NOW)

    assert (shopper.tenant_id, shopper.phone, shopper.name) == (tenant, "13912340001", "13912340001")
    assert (shopper.owner_staff_id, shopper.store_id, shopper.registered_by_staff_id) == (None, None, "")
    assert [e["data"]["customer_id"] for e in registered_events(db, tenant)] == [shopper.id]
    assert rows(db, CustomerChangeRow, tenant) == 1
    # In the public pool: any salesperson of the tenant finds them there to claim.
    pool = list_pool_customers(db.uow(), staff(tenant, "salesperson"), Page(1, 20))
    assert [c.id for c in pool.customers] == [shopper.id]


def test_b6_second_login_answers_the_same_customer_and_registers_nothing(db, tenant):
    first = ensure_shopper(db.uow(), identity(tenant), "13912340002", now=NOW)
    again = ensure_shopper(db.uow(), identity(tenant), "13912340002", now=NOW)

    assert again.id == first.id
    assert (rows(db, CustomerRow, tenant), len(registered_events(db, tenant))) == (1, 1)


def test_b6_a_customer_staff_registered_is_the_shopper_and_keeps_their_salesperson(db, tenant):
    seller = staff(tenant, "salesperson", stores=("store-1",))
    cmd = RegisterCustomer(name="Li Si", phone=phone(3), fields={})
    known = service.register_customer(db.uow(), seller, cmd, now=NOW)

    shopper = ensure_shopper(db.uow(), identity(tenant), phone(3), now=NOW)

    assert (shopper.id, shopper.name, shopper.owner_staff_id) == (known.id, "Li Si", seller.staff_id)


def test_b6_another_tenants_customer_with_the_phone_is_never_returned(db, tenant):
    other = f"t-{uuid.uuid4().hex[:12]}"
    theirs = ensure_shopper(db.uow(), identity(other), "13912340004", now=NOW)

    ours = ensure_shopper(db.uow(), identity(tenant), "13912340004", now=NOW)

    assert ours.id != theirs.id
    assert (ours.tenant_id, theirs.tenant_id) == (tenant, other)


def test_b6_first_logins_racing_register_one_customer(db, tenant):
    start = threading.Barrier(8)

    def login(_):
        start.wait()
        return ensure_shopper(db.uow(), identity(tenant), "13912340005", now=NOW).id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(login, range(8)))

    assert len(ids) == 1
    assert (rows(db, CustomerRow, tenant), len(registered_events(db, tenant))) == (1, 1)


@pytest.mark.parametrize("bad", ["", "1391234", "23912340006", "1391234000a"])
def test_b6_a_malformed_phone_is_refused_naming_it(db, tenant, bad):
    with pytest.raises(InvalidInput) as err:
        ensure_shopper(db.uow(), identity(tenant), bad, now=NOW)

    assert set(err.value.fields) == {"phone"}
    assert rows(db, CustomerRow, tenant) == 0


def test_b6_a_service_naming_no_tenant_is_refused(db):
    with pytest.raises(InvalidInput) as err:
        ensure_shopper(db.uow(), identity(""), "13912340007", now=NOW)

    assert err.value.fields == {"tenant_id": "validation.required"}


@pytest.mark.parametrize(
    "caller",
    [
        lambda tenant: staff(tenant, "owner"),
        lambda tenant: Actor(kind=CUSTOMER, subject_id="c-1", tenant_id=tenant),
    ],
    ids=["owner", "customer"],
)
def test_b6_only_services_may_ensure_a_shopper(db, tenant, caller):
    with pytest.raises(PermissionDenied):
        ensure_shopper(db.uow(), caller(tenant), "13912340008", now=NOW)

    assert rows(db, CustomerRow, tenant) == 0


def test_b6_ensure_shopper_over_grpc_for_the_tenant_the_service_names(client, tenant):
    from customer_testkit import ISSUER

    request = pb.EnsureShopperRequest(phone="13912340009")
    service_token = ISSUER.service_token("identity")

    first = client.call("EnsureShopper", request, token=service_token, tenant_id=tenant)
    again = client.call("EnsureShopper", request, token=service_token, tenant_id=tenant)

    assert (again.id, first.tenant_id, first.owner_staff_id, first.phone) == (first.id, tenant, "", "13912340009")
    with pytest.raises(PermissionDenied):
        client.call("EnsureShopper", request, token=token_for(staff(tenant, "owner")))
