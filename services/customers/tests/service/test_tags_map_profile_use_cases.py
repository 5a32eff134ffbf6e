"""C12 tags, C5 "near me" and C1 profile updates against PostgreSQL."""

import pytest
from customer_testkit import NOW, later, phone, staff
from ownership_testkit import events, register

from crmkit.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import page_of
from customers import service
from customers.domain.fields import NUMBER
from customers.domain.profile import UpdateCustomer
from customers.domain.registration import RegisterCustomer
from customers.service import tags
from customers.service.fields import DefineCustomerField
from customers.service.nearby import nearby_customers
from customers.service.profile import update_customer

# People's Square, Shanghai, and points at known distances from it (north along the meridian).
HERE = (31.2304, 121.4737)
DEG_PER_M = 1 / 111_195


def north(metres):
    return HERE[0] + metres * DEG_PER_M, HERE[1]


def test_c12_tags_created_renamed_applied_filtered_and_deleted(db, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    vip = tags.create_tag(db.uow(), owner, "大客户", "#ff0000", now=NOW)
    late = tags.create_tag(db.uow(), owner, "欠款", "", now=NOW)
    with pytest.raises(AlreadyExists):
        tags.create_tag(db.uow(), owner, "大客户", "", now=NOW)
    with pytest.raises(PermissionDenied):
        tags.create_tag(db.uow(), seller, "mine", "", now=NOW)
    a, b, c = (register(db, seller, n) for n in (1, 2, 3))
    assert tags.tag_customers(db.uow(), seller, [vip.id, late.id], [a.id, b.id], now=NOW) == 4
    # Tagging again adds nothing.
    assert tags.tag_customers(db.uow(), seller, [vip.id], [a.id, c.id], now=NOW) == 1
    assert tags.untag_customers(db.uow(), seller, [late.id], [b.id]) == 1
    filtered = service.list_customers(db.uow(), seller, page_of(), tag_id=vip.id)
    assert sorted(x.id for x in filtered.customers) == sorted([a.id, b.id, c.id])
    assert [x.id for x in service.list_customers(db.uow(), seller, page_of(), tag_id=late.id).customers] == [a.id]
    got = service.get_customer(db.uow(), seller, a.id)
    assert [(t.name, t.colour) for t in got.tags] == [("大客户", "#FF0000"), ("欠款", "")]
    renamed = tags.update_tag(db.uow(), owner, vip.id, "重点客户", "#00FF00")
    assert (renamed.name, renamed.customer_count) == ("重点客户", 3)
    assert {t.name: t.customer_count for t in tags.list_tags(db.uow(), seller)} == {"重点客户": 3, "欠款": 1}
    tags.delete_tag(db.uow(), owner, late.id)
    assert [t.name for t in service.get_customer(db.uow(), seller, a.id).tags] == ["重点客户"]
    assert [e["type"] for e in events(db, tenant) if "tag" in e["type"]] == [
        "customers_tagged",
        "customers_tagged",
        "customers_untagged",
        "tag_deleted",
    ]


def test_c12_tagging_a_colleagues_or_another_tenants_customer_is_not_found(db, tenant):
    owner = staff(tenant, "owner")
    tag = tags.create_tag(db.uow(), owner, "A", "", now=NOW)
    theirs = register(db, staff(tenant, "salesperson"), 1)
    with pytest.raises(NotFound):
        tags.tag_customers(db.uow(), staff(tenant, "salesperson"), [tag.id], [theirs.id], now=NOW)
    stranger = staff(tenant + "-x", "owner")
    with pytest.raises(NotFound) as err:
        tags.tag_customers(db.uow(), stranger, [tag.id], [theirs.id], now=NOW)
    assert err.value.code == "TAG_NOT_FOUND"
    assert tags.list_tags(db.uow(), stranger) == []
    assert service.list_customers(db.uow(), stranger, page_of(), tag_id=tag.id).total == 0


def test_c5_near_me_returns_customers_in_radius_nearest_first(db, tenant):
    seller, colleague = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    far = register(db, seller, 1, name="远", latitude=north(3000)[0], longitude=HERE[1])
    near = register(db, seller, 2, name="近", latitude=north(200)[0], longitude=HERE[1])
    mid = register(db, seller, 3, name="中", latitude=north(900)[0], longitude=HERE[1])
    register(db, seller, 4, name="无位置")
    theirs = register(db, colleague, 5, name="同事的", latitude=north(100)[0], longitude=HERE[1])
    found = nearby_customers(db.uow(), seller, *HERE, 1000)
    assert [(n.customer.id, n.distance_m) for n in found] == [(near.id, 200), (mid.id, 900)]
    assert found[0].customer.phone == phone(2)
    assert found[0].amap_url.startswith("https://uri.amap.com/marker?position=121.473700,")
    # A manager sees everyone's, nearest first; the limit keeps the nearest.
    everyone = nearby_customers(db.uow(), staff(tenant, "store_manager"), *HERE, 5000)
    assert [n.customer.id for n in everyone] == [theirs.id, near.id, mid.id, far.id]
    assert [n.customer.id for n in nearby_customers(db.uow(), staff(tenant, "owner"), *HERE, 5000, 2)] == [
        theirs.id,
        near.id,
    ]
    assert nearby_customers(db.uow(), staff(tenant + "-x", "owner"), *HERE, 5000) == []
    with pytest.raises(InvalidInput) as err:
        nearby_customers(db.uow(), seller, 95.0, 0.0, 0)
    assert err.value.fields == {"latitude": "validation.invalid", "radius_m": "validation.invalid"}


def test_c1_update_changes_profile_validates_fields_and_publishes(db, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    service.define_customer_field(
        db.uow(), owner, DefineCustomerField(key="area", label="Area", kind=NUMBER, required=True), now=NOW
    )
    with pytest.raises(InvalidInput):
        register(db, seller, 1)  # the required field is missing
    c = service.register_customer(
        db.uow(), seller, RegisterCustomer(name="甲", phone=phone(1), fields={"area": "20"}), now=NOW
    )
    updated = update_customer(
        db.uow(),
        seller,
        UpdateCustomer(c.id, name="甲店", region="310104", latitude=31.2, longitude=121.4, fields={"area": "35"}),
        now=later(1),
    )
    assert (updated.name, updated.region, updated.latitude, updated.longitude, updated.fields) == (
        "甲店",
        "310104",
        31.2,
        121.4,
        {"area": "35"},
    )
    with pytest.raises(InvalidInput) as err:
        update_customer(db.uow(), seller, UpdateCustomer(c.id, fields={"area": ""}, phone="12"), now=later(2))
    assert err.value.fields == {"fields.area": "validation.required", "phone": "validation.phone_invalid"}
    other = service.register_customer(
        db.uow(), seller, RegisterCustomer(name="乙", phone=phone(2), fields={"area": "1"}), now=NOW
    )
    with pytest.raises(AlreadyExists):
        update_customer(db.uow(), seller, UpdateCustomer(other.id, phone=phone(1)), now=later(2))
    with pytest.raises(NotFound):
        update_customer(db.uow(), staff(tenant, "salesperson"), UpdateCustomer(c.id, name="x"), now=later(2))
    assert service.get_customer(db.uow(), seller, c.id).name == "甲店"
    assert len(events(db, tenant, "customer_updated")) == 1
