"""C11 member operation: one level for many customers, all or none, against PostgreSQL."""

import pytest
from customer_testkit import NOW, staff
from ownership_testkit import events, register

from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from customers import service
from customers.service.levels import set_levels


def test_c11_a_manager_gives_many_customers_one_level_with_an_event_each(db, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    a, b, c = (register(db, seller, n) for n in (1, 2, 3))
    assert set_levels(db.uow(), owner, [a.id, b.id, c.id, a.id], "VIP", now=NOW) == 3
    assert {service.get_customer(db.uow(), owner, x.id).level for x in (a, b, c)} == {"VIP"}
    # Those already at the level are not counted, and get no event.
    assert set_levels(db.uow(), staff(tenant, "store_manager"), [a.id, b.id], "VIP", now=NOW) == 0
    assert set_levels(db.uow(), owner, [a.id], "", now=NOW) == 1
    assert service.get_customer(db.uow(), owner, a.id).level == ""
    updated = [e["data"] for e in events(db, tenant) if e["type"] == "customer_updated"]
    assert sorted((e["customer_id"], e["level"]) for e in updated) == sorted(
        [(a.id, "VIP"), (b.id, "VIP"), (c.id, "VIP"), (a.id, "")]
    )


def test_c11_bulk_level_is_all_or_none_and_for_managers_only(db, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    a = register(db, seller, 1)
    elsewhere = register(db, staff(tenant + "-x", "salesperson"), 2)
    with pytest.raises(NotFound) as missing:
        set_levels(db.uow(), owner, [a.id, elsewhere.id], "A", now=NOW)
    assert missing.value.params == {"id": elsewhere.id}
    assert service.get_customer(db.uow(), owner, a.id).level == ""
    with pytest.raises(PermissionDenied):
        set_levels(db.uow(), seller, [a.id], "A", now=NOW)
    with pytest.raises(InvalidInput) as bad:
        set_levels(db.uow(), owner, [], "金卡 会员!", now=NOW)
    assert bad.value.fields == {"customer_ids": "validation.required", "level": "validation.invalid"}
    with pytest.raises(InvalidInput) as many:
        set_levels(db.uow(), owner, [f"c-{i}" for i in range(501)], "A", now=NOW)
    assert many.value.fields == {"customer_ids": "validation.too_long"}
