"""C3 against PostgreSQL: release, claim (20 at once: exactly one owner), caps, cooldown,
transfer, lock, history, and the events each change publishes."""

import threading
from datetime import timedelta

import pytest
from customer_testkit import NOW, later, staff
from ownership_testkit import events, register

from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, QuotaExceeded, Unavailable
from crmkit.paging import page_of
from customers import service
from customers.domain.pool import CustomerSettings
from customers.service import ownership
from customers.service.customer_settings import get_customer_settings, update_customer_settings


def rules(db, tenant, **kw):
    return update_customer_settings(db.uow(), staff(tenant, "owner"), CustomerSettings(**kw), now=NOW)


def pooled(db, tenant, n=1):
    """A customer registered by a salesperson who then released it."""
    seller = staff(tenant, "salesperson")
    c = register(db, seller, n)
    # Released a little after registering: history is ordered by time.
    ownership.release_customer(db.uow(), seller, c.id, "不做了", now=NOW + timedelta(seconds=30))
    return c, seller


def test_c3_release_puts_customer_in_pool_with_reason_and_event(db, tenant):
    seller = staff(tenant, "salesperson")
    c = register(db, seller, 1)
    released = ownership.release_customer(db.uow(), seller, c.id, "  客户搬走了 ", now=later(5))
    assert (released.owner_staff_id, released.owned_since) == (None, None)
    pool = ownership.list_pool_customers(db.uow(), staff(tenant, "salesperson"), page_of())
    assert [p.id for p in pool.customers] == [c.id]
    [evt] = events(db, tenant, "customer_released")
    assert evt["data"] == {
        "customer_id": c.id,
        "name": "客户1",
        "store_id": "store-1",
        "from_staff_id": seller.staff_id,
        "to_staff_id": "",
        "by_staff_id": seller.staff_id,
        "reason": "客户搬走了",
    }
    # The former owner no longer sees it in their own list.
    assert service.list_customers(db.uow(), seller, page_of()).total == 0


def test_c3_release_needs_a_reason_and_an_owned_customer(db, tenant):
    c, seller = pooled(db, tenant)
    with pytest.raises(InvalidInput) as err:
        ownership.release_customer(db.uow(), seller, c.id, " ", now=NOW)
    assert err.value.fields == {"reason": "validation.required"}
    with pytest.raises(Conflict) as err:
        ownership.release_customer(db.uow(), staff(tenant, "owner"), c.id, "again", now=NOW)
    assert err.value.code == "CUSTOMER_ALREADY_IN_POOL"


def test_c3_salesperson_cannot_release_a_colleagues_customer(db, tenant):
    c = register(db, staff(tenant, "salesperson"), 1)
    with pytest.raises(NotFound):
        ownership.release_customer(db.uow(), staff(tenant, "salesperson"), c.id, "mine now", now=NOW)


def test_c3_claim_binds_the_claimer_and_records_history(db, tenant):
    c, first = pooled(db, tenant)
    second = staff(tenant, "salesperson")
    claimed = ownership.claim_customer(db.uow(), second, c.id, now=later(10))
    assert (claimed.owner_staff_id, claimed.owned_since) == (second.staff_id, later(10))
    history = ownership.list_ownership_history(db.uow(), second, c.id)
    assert [(h.action, h.from_staff_id, h.to_staff_id) for h in history] == [
        ("registered", None, first.staff_id),
        ("released", first.staff_id, None),
        ("claimed", None, second.staff_id),
    ]
    assert events(db, tenant, "customer_claimed")[0]["data"]["to_staff_id"] == second.staff_id
    with pytest.raises(Conflict) as err:
        ownership.claim_customer(db.uow(), staff(tenant, "salesperson"), c.id, now=later(11))
    assert err.value.code == "CUSTOMER_NOT_IN_POOL"


def test_c3_twenty_concurrent_claimers_make_exactly_one_owner(db, tenant):
    c, _ = pooled(db, tenant)
    sellers = [staff(tenant, "salesperson") for _ in range(20)]
    barrier = threading.Barrier(20)
    won, lost, other = [], [], []

    def claim(seller):
        barrier.wait()
        try:
            won.append(ownership.claim_customer(db.uow(), seller, c.id, now=later(1)).owner_staff_id)
        except Conflict as exc:
            lost.append(exc.code)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            other.append(exc)

    threads = [threading.Thread(target=claim, args=(s,)) for s in sellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert other == []
    assert len(won) == 1 and lost == ["CUSTOMER_NOT_IN_POOL"] * 19
    owner = service.get_customer(db.uow(), staff(tenant, "owner"), c.id).owner_staff_id
    assert owner == won[0]
    assert len(events(db, tenant, "customer_claimed")) == 1
    claims = [
        h for h in ownership.list_ownership_history(db.uow(), staff(tenant, "owner"), c.id) if h.action == "claimed"
    ]
    assert len(claims) == 1


def test_c3_hold_cap_refuses_one_more(db, tenant):
    rules(db, tenant, max_customers_held=2)
    seller = staff(tenant, "salesperson")
    register(db, seller, 1)
    register(db, seller, 2)
    c, _ = pooled(db, tenant, 3)
    with pytest.raises(QuotaExceeded) as err:
        ownership.claim_customer(db.uow(), seller, c.id, now=later(1))
    assert (err.value.code, err.value.params) == ("CUSTOMER_HOLD_LIMIT_REACHED", {"limit": "2"})
    # Still in the pool, nothing written.
    assert service.get_customer(db.uow(), staff(tenant, "owner"), c.id).owner_staff_id is None
    assert events(db, tenant, "customer_claimed") == []


def test_c3_daily_claim_cap_counts_the_china_day(db, tenant):
    rules(db, tenant, max_claims_per_day=1)
    seller = staff(tenant, "salesperson")
    a, _ = pooled(db, tenant, 1)
    b, _ = pooled(db, tenant, 2)
    ownership.claim_customer(db.uow(), seller, a.id, now=NOW)
    with pytest.raises(QuotaExceeded) as err:
        ownership.claim_customer(db.uow(), seller, b.id, now=NOW + timedelta(hours=1))
    assert err.value.code == "CUSTOMER_DAILY_CLAIM_LIMIT_REACHED"
    # NOW is 16:00 in China; the next China day starts 8 hours later.
    ownership.claim_customer(db.uow(), seller, b.id, now=NOW + timedelta(hours=8))


def test_c3_previous_owner_waits_for_cooldown(db, tenant):
    rules(db, tenant, reclaim_cooldown_days=3)
    c, first = pooled(db, tenant)
    with pytest.raises(Conflict) as err:
        ownership.claim_customer(db.uow(), first, c.id, now=NOW + timedelta(days=2))
    assert err.value.code == "CUSTOMER_RECLAIM_COOLDOWN"
    # Released 30 s after NOW: the cooldown ends 3 days after that.
    back = ownership.claim_customer(db.uow(), first, c.id, now=NOW + timedelta(days=3, seconds=30))
    assert back.owner_staff_id == first.staff_id


class Directory:
    """identity as far as transfers ask it: who may hold customers in which tenant."""

    def __init__(self, *known):
        self.known = set(known)

    def may_hold_customers(self, tenant_id, staff_id):
        return (tenant_id, staff_id) in self.known


def test_c3_transfer_is_for_managers_and_publishes(db, tenant):
    seller, colleague = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    directory = Directory((tenant, colleague.staff_id))
    c = register(db, seller, 1)
    with pytest.raises(PermissionDenied):
        ownership.transfer_customer(db.uow(), seller, c.id, colleague.staff_id, "", now=NOW, staff=directory)
    moved = ownership.transfer_customer(
        db.uow(), staff(tenant, "store_manager"), c.id, colleague.staff_id, "休假", now=NOW, staff=directory
    )
    assert moved.owner_staff_id == colleague.staff_id
    [evt] = events(db, tenant, "customer_transferred")
    assert (evt["data"]["from_staff_id"], evt["data"]["to_staff_id"], evt["data"]["reason"]) == (
        seller.staff_id,
        colleague.staff_id,
        "休假",
    )
    with pytest.raises(InvalidInput) as err:
        ownership.transfer_customer(
            db.uow(), staff(tenant, "owner"), c.id, colleague.staff_id, "", now=NOW, staff=directory
        )
    assert err.value.fields == {"to_staff_id": "validation.invalid"}


def test_c3_transfer_to_someone_identity_does_not_know_is_refused(db, tenant):
    c = register(db, staff(tenant, "salesperson"), 1)
    manager = staff(tenant, "store_manager")
    # Known in another tenant only, or unknown: not a colleague.
    directory = Directory((tenant + "-x", "s-elsewhere"))
    with pytest.raises(InvalidInput) as err:
        ownership.transfer_customer(db.uow(), manager, c.id, "s-elsewhere", "", now=NOW, staff=directory)
    assert err.value.fields == {"to_staff_id": "validation.invalid"}
    with pytest.raises(Unavailable):
        ownership.transfer_customer(db.uow(), manager, c.id, "s-elsewhere", "", now=NOW, staff=None)
    assert events(db, tenant, "customer_transferred") == []


def test_c3_lock_is_for_managers(db, tenant):
    c = register(db, staff(tenant, "salesperson"), 1)
    with pytest.raises(PermissionDenied):
        ownership.set_customer_locked(db.uow(), staff(tenant, "salesperson"), c.id, True, now=NOW)
    assert ownership.set_customer_locked(db.uow(), staff(tenant, "owner"), c.id, True, now=NOW).locked is True


def test_c3_another_tenant_can_neither_claim_nor_see(db, tenant):
    c, _ = pooled(db, tenant)
    stranger = staff("t-other-" + tenant, "owner")
    with pytest.raises(NotFound):
        ownership.claim_customer(db.uow(), stranger, c.id, now=NOW)
    with pytest.raises(NotFound):
        ownership.transfer_customer(
            db.uow(), stranger, c.id, "x", "", now=NOW, staff=Directory((stranger.tenant_id, "x"))
        )
    with pytest.raises(NotFound):
        ownership.list_ownership_history(db.uow(), stranger, c.id)
    assert ownership.list_pool_customers(db.uow(), stranger, page_of()).total == 0


def test_c3_settings_default_off_and_managers_change_them(db, tenant):
    assert get_customer_settings(db.uow(), staff(tenant, "salesperson")) == CustomerSettings()
    with pytest.raises(PermissionDenied):
        update_customer_settings(db.uow(), staff(tenant, "salesperson"), CustomerSettings(), now=NOW)
    rules(db, tenant, pool_followup_days=30, pool_warning_days=3, max_customers_held=50)
    rules(db, tenant, pool_followup_days=20)
    assert get_customer_settings(db.uow(), staff(tenant, "salesperson")) == CustomerSettings(pool_followup_days=20)
    assert len(events(db, tenant, "customer_settings_changed")) == 2


def test_c3_concurrent_claims_of_different_customers_respect_the_hold_cap(db, tenant):
    # given a salesperson one below the cap and five customers in the pool
    rules(db, tenant, max_customers_held=2)
    seller = staff(tenant, "salesperson")
    register(db, seller, 1)
    pooled_ids = [pooled(db, tenant, n)[0].id for n in range(2, 7)]
    barrier = threading.Barrier(len(pooled_ids))
    won, refused = [], []

    def claim(customer_id):
        barrier.wait()
        try:
            won.append(ownership.claim_customer(db.uow(), seller, customer_id, now=later(1)).id)
        except QuotaExceeded as exc:
            refused.append(exc.code)

    # when they claim all five at once
    threads = [threading.Thread(target=claim, args=(cid,)) for cid in pooled_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # then exactly one more is theirs: the claims were serialised per salesperson
    assert len(won) == 1 and refused == ["CUSTOMER_HOLD_LIMIT_REACHED"] * 4
    assert service.list_customers(db.uow(), seller, page_of()).total == 2
