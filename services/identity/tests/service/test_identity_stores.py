"""A4 on PostgreSQL: sub-store applications, staff limited to their stores, store switching with
pins and history, and each sub-store's figures for the head store."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from identity_testkit import PASSWORD, PUBLIC, SOURCE, add_staff, now, service_actor, signup, staff_actor
from sqlalchemy import select

from crmkit.auth import TokenVerifier
from crmkit.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied
from identity.models import AuditLog, Outbox, Store
from identity.service import commands, login, sessions, staff, store_figures, store_switching, tenants
from identity.service import store_applications as applications
from identity.takings import DailyTakings

APPLY = applications.ApplyForSubStore(
    store_name="东门分店", contact_name="张店长", phone="13912340000", address="东门路 1 号"
)


def events(app, prefix="sub_store_"):
    with app.db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.type.like(f"{prefix}%")).order_by(Outbox.id))
        return [r.type for r in rows]


def apply(app, member, cmd=APPLY):
    return applications.apply_for_sub_store(app.db.uow(), staff_actor(member), cmd, now=now())


def open_sub_store(app, owner, name):
    row = apply(app, owner, applications.ApplyForSubStore(name, "联系人", "13912340001", "某路 8 号"))
    return applications.approve_application(app.db.uow(), staff_actor(owner), row.id, now=now()).store_id


@pytest.fixture
def shop(app):
    """Tenant with head store, sub-stores B and C, a manager of each, a salesperson of C."""
    new = signup(app)
    owner = new.owner
    b, c = open_sub_store(app, owner, "B店"), open_sub_store(app, owner, "C店")
    return {
        "owner": owner,
        "head": new.head_store.id,
        "b": b,
        "c": c,
        "manager_b": add_staff(app, owner, phone="13900000002", roles=("store_manager",), store_ids=(b,)),
        "manager_c": add_staff(app, owner, phone="13900000003", roles=("store_manager",), store_ids=(c,)),
        "seller_c": add_staff(app, owner, phone="13900000004", store_ids=(c,)),
        "head_manager": add_staff(app, owner, phone="13900000005", roles=("store_manager",)),
    }


def test_a4_sub_store_applies_and_head_store_approves(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone="13900000001")
    row = apply(app, seller)
    assert (row.status, row.applied_by, row.store_id) == ("pending", seller.id, None)
    approved = applications.approve_application(app.db.uow(), staff_actor(owner), row.id, now=now())
    assert approved.status == "approved" and approved.reviewed_by == owner.id
    with app.db.uow() as uow:
        store = uow.session.get(Store, approved.store_id)
        head = uow.session.scalar(select(Store).where(Store.is_head.is_(True)))
        assert (store.name, store.parent_store_id, store.is_head) == ("东门分店", head.id, False)
        # B6: the shop lists the store where its application said it is.
        assert (store.address, head.address) == ("东门路 1 号", "")
        actions = list(uow.session.scalars(select(AuditLog.action).where(AuditLog.object_id == row.id)))
    assert actions == ["store_application.approved"]
    assert events(app) == ["sub_store_applied", "sub_store_approved"]
    with pytest.raises(Conflict):
        applications.approve_application(app.db.uow(), staff_actor(owner), row.id, now=now())
    with pytest.raises(Conflict):
        applications.reject_application(app.db.uow(), staff_actor(owner), row.id, "晚了", now=now())
    assert events(app) == ["sub_store_applied", "sub_store_approved"]


def test_a4_rejection_needs_a_reason_and_the_applicant_reads_it(app):
    owner = signup(app).owner
    seller = add_staff(app, owner, phone="13900000001")
    row = apply(app, seller)
    with pytest.raises(InvalidInput) as err:
        applications.reject_application(app.db.uow(), staff_actor(owner), row.id, "  ", now=now())
    assert err.value.fields == {"reason": "validation.required"}
    rejected = applications.reject_application(app.db.uow(), staff_actor(owner), row.id, "地址重复", now=now())
    assert (rejected.status, rejected.reject_reason, rejected.store_id) == ("rejected", "地址重复", None)
    seen = applications.get_application(app.db.uow(), staff_actor(seller), row.id)
    assert seen.reject_reason == "地址重复"
    assert events(app) == ["sub_store_applied", "sub_store_rejected"]
    with app.db.uow() as uow:
        assert uow.session.scalar(select(Store.id).where(Store.name == "东门分店")) is None


def test_a4_bad_or_duplicate_applications_are_refused_and_write_nothing(app, shop):
    with pytest.raises(InvalidInput) as err:
        apply(app, shop["seller_c"], applications.ApplyForSubStore("", "", "1", ""))
    assert set(err.value.fields) == {"store_name", "contact_name", "phone", "address"}
    with pytest.raises(AlreadyExists):  # an existing store's name
        apply(app, shop["seller_c"], applications.ApplyForSubStore("B店", "王", "13912340000", "路"))
    apply(app, shop["seller_c"])
    with pytest.raises(AlreadyExists):  # a pending application's name
        apply(app, shop["manager_b"])
    assert events(app).count("sub_store_applied") == 3  # B, C and the one above


def test_a4_only_the_head_store_reviews(app, shop):
    row = apply(app, shop["seller_c"])
    for who in ("manager_b", "seller_c"):
        with pytest.raises(PermissionDenied):
            applications.approve_application(app.db.uow(), staff_actor(shop[who]), row.id, now=now())
    # The head store's manager may; the applicant sees only their own applications.
    approved = applications.approve_application(app.db.uow(), staff_actor(shop["head_manager"]), row.id, now=now())
    assert approved.status == "approved"
    mine, total = applications.list_applications(
        app.db.uow(), staff_actor(shop["seller_c"]), applications.ListApplications()
    )
    assert [a.id for a in mine] == [row.id] and total == 1
    _, everything = applications.list_applications(
        app.db.uow(), staff_actor(shop["owner"]), applications.ListApplications(status="approved")
    )
    assert everything == 3
    with pytest.raises(PermissionDenied):
        applications.get_application(app.db.uow(), staff_actor(shop["manager_b"]), row.id)
    with pytest.raises(InvalidInput):
        applications.list_applications(
            app.db.uow(), staff_actor(shop["owner"]), applications.ListApplications(status="maybe")
        )


def test_a4_another_tenant_sees_nothing(app, shop):
    row = apply(app, shop["seller_c"])
    other = signup(app, phone="13700000001", name="Other").owner
    with pytest.raises(NotFound):
        applications.get_application(app.db.uow(), staff_actor(other), row.id)
    with pytest.raises(NotFound):
        applications.approve_application(app.db.uow(), staff_actor(other), row.id, now=now())
    rows, total = applications.list_applications(app.db.uow(), staff_actor(other), applications.ListApplications())
    assert (rows, total) == ([], 0)
    figures = store_figures.list_sub_store_figures(
        app.db.uow(), app.takings, staff_actor(other), "2026-11-01", "2026-11-30"
    )
    assert figures.stores == [] and app.takings.asked == []
    with pytest.raises(NotFound):
        store_switching.pin_store(app.db.uow(), staff_actor(other), shop["b"], now=now())


def test_a4_staff_of_one_sub_store_cannot_manage_another(app, shop):
    manager_b = staff_actor(shop["manager_b"])
    with pytest.raises(PermissionDenied):
        staff.list_staff(app.db.uow(), manager_b, commands.ListStaff(store_id=shop["c"]))
    with pytest.raises(PermissionDenied):
        staff.get_staff(app.db.uow(), manager_b, shop["seller_c"].id)
    with pytest.raises(PermissionDenied):
        staff.create_staff(
            app.db.uow(),
            manager_b,
            commands.CreateStaff(name="新人", phone="13900000009", roles=("salesperson",), store_ids=(shop["c"],)),
            now=now(),
        )
    assert [s.id for s in tenants.list_stores(app.db.uow(), manager_b)] == [shop["b"]]
    mine, _ = staff.list_staff(app.db.uow(), manager_b, commands.ListStaff())
    assert [s.id for s in mine] == [shop["manager_b"].id]
    # The manager of C manages C; the owner sees every store.
    theirs, _ = staff.list_staff(app.db.uow(), staff_actor(shop["manager_c"]), commands.ListStaff(store_id=shop["c"]))
    assert {s.id for s in theirs} == {shop["manager_c"].id, shop["seller_c"].id}
    assert len(tenants.list_stores(app.db.uow(), staff_actor(shop["owner"]))) == 3


def log_in(app, phone):
    cmd = commands.LoginWithPassword(phone=phone, password=PASSWORD)
    pair = login.login_with_password(app.db.uow(), app.ports, cmd, now=now(), source=SOURCE).tokens
    return pair, TokenVerifier(PUBLIC).verify(pair.access_token)


def test_a4_switching_store_is_kept_by_the_session_and_remembered(app, shop):
    both = add_staff(
        app, shop["owner"], phone="13900000006", roles=("store_manager",), store_ids=(shop["b"], shop["c"])
    )
    pair, actor = log_in(app, both.phone)
    assert actor.current_store_id == shop["b"]  # the main store of a first login
    switched = store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, shop["c"], now=now())
    switched_actor = TokenVerifier(PUBLIC).verify(switched.access_token)
    assert (switched_actor.current_store_id, switched_actor.session_id) == (shop["c"], actor.session_id)
    assert switched.store.id == shop["c"]
    # Refreshing keeps the chosen store; a new login opens the store entered last.
    refreshed = sessions.refresh(app.db.uow(), app.ports.issuer, app.ports.revoked, pair.refresh_token, now=now())
    assert TokenVerifier(PUBLIC).verify(refreshed.access_token).current_store_id == shop["c"]
    _, again = log_in(app, both.phone)
    assert again.current_store_id == shop["c"] and again.session_id != actor.session_id
    with pytest.raises(PermissionDenied) as err:
        store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, shop["head"], now=now())
    assert err.value.code == "STORE_NOT_SWITCHABLE"
    other = signup(app, phone="13700000001", name="Other")
    with pytest.raises(NotFound):
        store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, other.head_store.id, now=now())
    with pytest.raises(InvalidInput):
        store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, "", now=now())
    view = store_switching.get_switcher(app.db.uow(), actor)
    assert view.current_store_id == shop["c"]
    assert [(e.store.id, e.current) for e in view.stores] == [(shop["b"], False), (shop["c"], True)]


def test_a4_pins_come_first_and_history_is_newest_first_without_duplicates(app, shop):
    _, actor = log_in(app, shop["owner"].phone)
    t = now()
    for i, store in enumerate((shop["b"], shop["c"], shop["b"])):
        store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, store, now=t + timedelta(seconds=i))
    view = store_switching.get_switcher(app.db.uow(), actor)
    assert [e.store.id for e in view.recent] == [shop["b"], shop["c"]]
    assert [e.store.id for e in view.stores] == [shop["head"], shop["b"], shop["c"]]
    view = store_switching.pin_store(app.db.uow(), actor, shop["c"], now=t)
    view = store_switching.pin_store(app.db.uow(), actor, shop["b"], now=t + timedelta(seconds=1))
    assert [(e.store.id, e.pinned) for e in view.stores] == [
        (shop["b"], True),
        (shop["c"], True),
        (shop["head"], False),
    ]
    view = store_switching.unpin_store(app.db.uow(), actor, shop["b"])
    assert [e.store.id for e in view.stores if e.pinned] == [shop["c"]]
    view = store_switching.forget_recent_stores(app.db.uow(), actor, shop["c"])
    assert [e.store.id for e in view.recent] == [shop["b"]]
    assert store_switching.forget_recent_stores(app.db.uow(), actor).recent == []
    with pytest.raises(PermissionDenied):  # a salesperson of C cannot pin B
        store_switching.pin_store(app.db.uow(), staff_actor(shop["seller_c"]), shop["b"], now=t)


def test_r4_a4_unpinning_or_forgetting_another_tenants_store_is_not_found(app, shop):
    # Given another tenant's store (found by the R4 matrix: answered 200 with the caller's list)
    _, actor = log_in(app, shop["owner"].phone)
    other = signup(app, phone="13700000002", name="Other")

    # When the owner unpins it or forgets it, Then it is NotFound like everywhere else
    with pytest.raises(NotFound):
        store_switching.unpin_store(app.db.uow(), actor, other.head_store.id)
    with pytest.raises(NotFound):
        store_switching.forget_recent_stores(app.db.uow(), actor, other.head_store.id)
    # And undoing what was never done is still idempotent for the tenant's own stores
    assert store_switching.unpin_store(app.db.uow(), actor, shop["b"]).stores


def test_a4_head_store_sees_every_sub_stores_figures_a_sub_store_only_its_own(app, shop):
    app.takings.days = [
        DailyTakings("2026-11-02", shop["b"], 2, 30_000, 5_000),
        DailyTakings("2026-11-03", shop["b"], 1, 10_000, 0),
        DailyTakings("2026-11-03", shop["head"], 4, 99_000, 0),
    ]

    def figures(who):
        view = store_figures.list_sub_store_figures(
            app.db.uow(), app.takings, staff_actor(shop[who]), "2026-11-01", "2026-11-30"
        )
        return [(f.store.id, f.orders, f.sales_fen, f.returns_fen, f.takings_fen) for f in view.stores], view

    rows, view = figures("owner")
    assert rows == [(shop["b"], 3, 40_000, 5_000, 35_000), (shop["c"], 0, 0, 0, 0)]
    assert view.total_takings_fen == 35_000
    assert app.takings.asked[-1] == (shop["owner"].tenant_id, "2026-11-01", "2026-11-30")
    assert figures("head_manager")[0] == rows
    assert figures("manager_c")[0] == [(shop["c"], 0, 0, 0, 0)]
    assert figures("manager_b")[1].total_takings_fen == 35_000
    with pytest.raises(PermissionDenied):
        figures("seller_c")
    with pytest.raises(InvalidInput) as err:
        store_figures.list_sub_store_figures(app.db.uow(), app.takings, staff_actor(shop["owner"]), "2026-11-30", "x")
    assert err.value.fields == {"date_to": "validation.invalid_date"}


def test_a4_reviewers_racing_on_one_application_open_one_store(app, shop):
    row = apply(app, shop["seller_c"])
    reviewers = [shop["owner"], shop["head_manager"]] * 3
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []

    def review(member):
        barrier.wait()
        try:
            applications.approve_application(app.db.uow(), staff_actor(member), row.id, now=now())
            outcomes.append("approved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=review, args=(m,)) for m in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved"] + ["conflict"] * (len(reviewers) - 1)
    with app.db.uow() as uow:
        assert len(list(uow.session.scalars(select(Store.id).where(Store.name == APPLY.store_name)))) == 1
    assert events(app).count("sub_store_approved") == 3  # B, C (fixture) and this one


def test_a4_sessions_entering_one_store_at_once_leave_one_history_entry(app, shop):
    actors = [log_in(app, shop["owner"].phone)[1] for _ in range(4)]
    barrier = threading.Barrier(len(actors))
    failures: list[Exception] = []

    def switch(actor):
        barrier.wait()
        try:
            store_switching.switch_store(app.db.uow(), app.ports.issuer, actor, shop["b"], now=now())
        except Exception as exc:  # any failure is the bug this test is about
            failures.append(exc)

    threads = [threading.Thread(target=switch, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert [e.store.id for e in store_switching.get_switcher(app.db.uow(), actors[0]).recent] == [shop["b"]]


def test_a4_one_name_applied_for_at_once_is_pending_once(app, shop):
    applicants = [shop["seller_c"], shop["manager_b"], shop["manager_c"], shop["head_manager"]]
    barrier = threading.Barrier(len(applicants))
    outcomes: list[str] = []

    def file(member):
        barrier.wait()
        try:
            apply(app, member)
            outcomes.append("filed")
        except AlreadyExists:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=file, args=(m,)) for m in applicants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate"] * 3 + ["filed"]


def test_b6_a_store_the_owner_opens_may_say_where_it_is_and_the_shop_reads_it(app):
    owner = signup(app).owner
    cmd = commands.CreateStore(name="East", address=" 人民路 8 号 ")
    store = tenants.create_store(app.db.uow(), staff_actor(owner), cmd, now=now())

    listed = tenants.list_stores(app.db.uow(), service_actor(owner.tenant_id))

    assert store.address == "人民路 8 号"
    assert [(s.name, s.address) for s in listed] == [("总店", ""), ("East", "人民路 8 号")]
    with pytest.raises(InvalidInput) as err:
        tenants.create_store(
            app.db.uow(), staff_actor(owner), commands.CreateStore(name="West", address="长" * 201), now=now()
        )
    assert err.value.fields == {"address": "validation.too_long"}


def test_b6_the_owner_renames_a_store_and_says_where_the_head_store_is(app, shop):
    owner, manager = staff_actor(shop["owner"]), staff_actor(shop["manager_b"])
    head = tenants.update_store(
        app.db.uow(), owner, commands.UpdateStore(store_id=shop["head"], name=" 总店 ", address=" 解放路 1 号 ")
    )
    renamed = tenants.update_store(app.db.uow(), owner, commands.UpdateStore(store_id=shop["b"], name="北门店"))

    assert (head.name, head.address, head.is_head) == ("总店", "解放路 1 号", True)
    listed = tenants.list_stores(app.db.uow(), service_actor(owner.tenant_id))
    assert [(s.name, s.address) for s in listed][:2] == [("总店", "解放路 1 号"), ("北门店", "")]
    assert renamed.id == shop["b"]

    def refused(actor, **fields):
        cmd = commands.UpdateStore(**{"store_id": shop["c"], "name": "C店", **fields})
        return tenants.update_store(app.db.uow(), actor, cmd)

    with pytest.raises(InvalidInput) as err:
        refused(owner, name=" ", address="长" * 201)
    assert err.value.fields == {"name": "validation.required", "address": "validation.too_long"}
    with pytest.raises(PermissionDenied):
        refused(manager)
    other_owner = staff_actor(signup(app, phone="13800000099", name="Other").owner)
    for actor, store_id in ((other_owner, shop["c"]), (owner, "no-such-store")):
        with pytest.raises(NotFound):
            tenants.update_store(app.db.uow(), actor, commands.UpdateStore(store_id=store_id, name="X"))
