"""C6-C9 use cases on PostgreSQL: leads (entry, import, assign/claim/release, convert),
follow-ups and their lists, visit tasks and routes, duplicates (merge, collision, release)."""

import io
import json
import threading
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from customer_testkit import NOW, later, phone, staff
from openpyxl import Workbook
from sqlalchemy import select

from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from crmkit.paging import Page
from customers import service
from customers.domain.activity import FollowupInput, LeadInput
from customers.domain.registration import RegisterCustomer
from customers.models import CustomerRow, CustomerTagRow, Outbox, TagRow
from customers.service import duplicates, followups, lead_conversion, leads, visits

PAGE = Page(1, 50)
TODAY = "2026-01-05"  # NOW is 16:00 in China


def events(db, tenant, type_):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == type_)).all()
        return [json.loads(r.payload)["data"] for r in rows]


def customer_row(db, tenant, customer_id):
    """A detached copy of the row's columns (the session ends with the unit of work)."""
    with db.uow() as uow:
        row = uow.session.scalar(
            select(CustomerRow).where(CustomerRow.tenant_id == tenant, CustomerRow.id == customer_id)
        )
        return SimpleNamespace(**{c.key: getattr(row, c.key) for c in CustomerRow.__table__.columns})


def tags_of(db, tenant, customer_id):
    with db.uow() as uow:
        rows = uow.session.execute(
            select(TagRow.name)
            .join(CustomerTagRow, CustomerTagRow.tag_id == TagRow.id)
            .where(CustomerTagRow.tenant_id == tenant, CustomerTagRow.customer_id == customer_id)
        ).all()
        return sorted(r[0] for r in rows)


def register(db, actor, n, **kw):
    return service.register_customer(
        db.uow(), actor, RegisterCustomer(name=f"客户{n}", phone=phone(n), fields={}, **kw), now=NOW
    )


def new_lead(db, actor, n=None, **kw):
    kw.setdefault("name", "线索")
    if n is not None:
        kw.setdefault("phone", phone(n))
    return leads.create_lead(db.uow(), actor, LeadInput(**kw), now=NOW)


def follow(db, actor, *, minutes=1, status="interested", content="聊了聊", nxt=None, **subject):
    f = FollowupInput(status, content, nxt)
    return followups.record_followup(db.uow(), actor, f=f, now=later(minutes), **subject)


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- C7 leads ---


def test_c7_same_person_is_one_lead_on_entry(db, tenant):
    seller = staff(tenant, "salesperson")
    first = new_lead(db, seller, 1, company="芳芳超市")
    assert not first.merged and first.lead.staff_id == seller.staff_id
    again = new_lead(db, staff(tenant, "salesperson"), union_id="oUnion_0001", phone=phone(1), note="展会")
    assert again.merged and again.lead.id == first.lead.id
    assert (again.lead.union_id, again.lead.note, again.lead.staff_id) == ("oUnion_0001", "展会", seller.staff_id)
    by_union = new_lead(db, seller, union_id="oUnion_0001")
    assert by_union.merged and by_union.lead.id == first.lead.id
    other = new_lead(db, seller, 2, union_id="oUnion_0002")
    with pytest.raises(InvalidInput) as err:
        new_lead(db, seller, 2, union_id="oUnion_0001")  # phone says lead 2, unionID lead 1
    assert err.value.fields == {"union_id": "validation.another_lead"}
    assert other.lead.id != first.lead.id
    assert [e["lead_id"] for e in events(db, tenant, "lead_assigned")] == [first.lead.id, other.lead.id]


def test_c7_manager_entry_goes_to_the_pool(db, tenant):
    lead = new_lead(db, staff(tenant, "store_manager"), 1).lead
    assert lead.staff_id is None
    pool = leads.list_leads(db.uow(), staff(tenant, "salesperson"), PAGE, scope="pool")
    assert [v.id for v in pool.items] == [lead.id]


def test_c7_import_keeps_good_rows_reports_bad_ones_and_dry_run_writes_nothing(db, tenant):
    manager = staff(tenant, "store_manager")
    existing = new_lead(db, manager, 9).lead
    sheet = xlsx(
        [
            ["姓名", "手机号", "微信unionID", "标签"],
            ["王芳", phone(1), "", "大客户"],
            ["", "123", "", ""],
            ["王芳(重复)", phone(1), "oUnion_0001", ""],
            ["老客", phone(9), "", ""],
            ["无号", "", "", ""],
        ]
    )
    dry = leads.import_leads(db.uow(), manager, sheet, dry_run=True, now=NOW)
    assert (dry.created, dry.merged, dry.dry_run) == (1, 2, True)
    assert [(p.row, p.column, p.message_key) for p in dry.problems] == [
        (3, "姓名", "validation.required"),
        (3, "手机号", "validation.phone_invalid"),
        (6, "手机号", "validation.phone_or_union_id_required"),
    ]
    assert leads.list_leads(db.uow(), manager, PAGE, scope="all").total == 1
    done = leads.import_leads(db.uow(), manager, sheet, dry_run=False, now=NOW)
    assert (done.created, done.merged, done.problems) == (1, 2, dry.problems)
    listed = leads.list_leads(db.uow(), manager, PAGE, scope="all").items
    imported = next(v for v in listed if v.id != existing.id)
    assert (imported.name, imported.union_id, imported.tags, imported.source) == (
        "王芳",
        "oUnion_0001",
        ("大客户",),
        "import",
    )
    with pytest.raises(PermissionDenied):
        leads.import_leads(db.uow(), staff(tenant, "salesperson"), sheet, dry_run=True, now=NOW)


class Colleagues:
    """identity as far as assignments ask it: who may hold customers in which tenant."""

    def __init__(self, *known):
        self.known = set(known)

    def may_hold_customers(self, tenant_id, staff_id):
        return (tenant_id, staff_id) in self.known


def test_c7_assign_claim_release_and_only_the_assignee_follows(db, tenant):
    manager, a, b = staff(tenant, "store_manager"), staff(tenant, "salesperson"), staff(tenant, "salesperson")
    lead = new_lead(db, manager, 1).lead
    directory = Colleagues((tenant, a.staff_id))
    with pytest.raises(PermissionDenied):
        leads.assign_lead(db.uow(), a, lead.id, a.staff_id, staff=directory, now=NOW)
    with pytest.raises(InvalidInput) as unknown:
        leads.assign_lead(db.uow(), manager, lead.id, b.staff_id, staff=directory, now=NOW)
    assert unknown.value.fields == {"staff_id": "validation.invalid"}
    with pytest.raises(Unavailable):
        leads.assign_lead(db.uow(), manager, lead.id, a.staff_id, staff=None, now=NOW)
    assigned = leads.assign_lead(db.uow(), manager, lead.id, a.staff_id, staff=directory, now=NOW)
    assert assigned.staff_id == a.staff_id
    with pytest.raises(Conflict) as err:
        leads.claim_lead(db.uow(), b, lead.id, now=NOW)
    assert err.value.code == "LEAD_ALREADY_ASSIGNED"
    with pytest.raises(NotFound):
        follow(db, b, lead_id=lead.id)  # b cannot even see a's lead
    with pytest.raises(PermissionDenied):
        follow(db, manager, lead_id=lead.id)  # a manager sees it but does not follow it
    follow(db, a, lead_id=lead.id)
    released = leads.release_lead(db.uow(), a, lead.id, reason="不是我的区域")
    assert released.staff_id is None
    with pytest.raises(PermissionDenied):
        follow(db, a, lead_id=lead.id)
    assert leads.claim_lead(db.uow(), b, lead.id, now=NOW).staff_id == b.staff_id
    follow(db, b, lead_id=lead.id, minutes=2)
    history = followups.list_followups(db.uow(), b, PAGE, lead_id=lead.id)
    assert [f.staff_id for f in history.items] == [b.staff_id, a.staff_id]
    assert [e["staff_id"] for e in events(db, tenant, "lead_assigned")] == [a.staff_id, b.staff_id]


def test_c7_twenty_salespeople_claim_one_lead_exactly_one_wins(db, tenant):
    lead = new_lead(db, staff(tenant, "owner"), 1).lead
    sellers = [staff(tenant, "salesperson") for _ in range(20)]
    results, barrier = [], threading.Barrier(20)

    def claim(s):
        barrier.wait()
        try:
            results.append(leads.claim_lead(db.uow(), s, lead.id, now=NOW).staff_id)
        except Conflict:
            results.append(None)

    threads = [threading.Thread(target=claim, args=(s,)) for s in sellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r]
    assert len(winners) == 1 and len(results) == 20
    assert leads.get_lead(db.uow(), staff(tenant, "owner"), lead.id).staff_id == winners[0]


def test_c7_convert_registers_the_customer_and_carries_followups_and_tags(db, tenant):
    seller = staff(tenant, "salesperson")
    lead = new_lead(db, seller, 1, tags=("大客户", "零售"), union_id="oUnion_0009").lead
    follow(db, seller, lead_id=lead.id, minutes=5, nxt=later(60 * 24))
    result = lead_conversion.convert_lead(db.uow(), seller, lead.id, {}, now=later(10))
    assert result.duplicate is None and result.lead.status == "converted"
    customer = service.get_customer(db.uow(), seller, result.customer_id)
    assert (customer.name, customer.phone, customer.owner_staff_id) == ("线索", phone(1), seller.staff_id)
    history = followups.list_followups(db.uow(), seller, PAGE, customer_id=customer.id)
    assert [f.lead_id for f in history.items] == [lead.id]
    row = customer_row(db, tenant, customer.id)
    assert row.last_followup_at == later(5) and row.owned_since == later(10)
    assert tags_of(db, tenant, customer.id) == ["大客户", "零售"]
    active = followups.list_followup_customers(db.uow(), seller, PAGE, eliminated=False).items
    assert [(c.customer_id, c.status, c.next_followup_at) for c in active] == [
        (customer.id, "interested", later(60 * 24))
    ]
    converted = events(db, tenant, "lead_converted")[0]
    # Who the person is travels with it: marketing finds the readers they were by phone or unionID.
    assert (converted["customer_id"], converted["phone"], converted["union_id"]) == (
        customer.id,
        phone(1),
        "oUnion_0009",
    )
    registered = events(db, tenant, "customer_registered")[0]
    assert (registered["owner_staff_id"], registered["phone"]) == (seller.staff_id, phone(1))
    with pytest.raises(Conflict):
        lead_conversion.convert_lead(db.uow(), seller, lead.id, {}, now=later(11))
    with pytest.raises(Conflict) as err:
        follow(db, seller, lead_id=lead.id)  # converted: follow the customer now
    assert err.value.code == "LEAD_CLOSED"


def test_c7_convert_checks_customer_fields_and_writes_nothing_on_error(db, tenant):
    from customers.service.fields import DefineCustomerField

    service.define_customer_field(
        db.uow(), staff(tenant, "owner"), DefineCustomerField("shop", "门店", "text", True, (), 0), now=NOW
    )
    seller = staff(tenant, "salesperson")
    lead = new_lead(db, seller, 1).lead
    with pytest.raises(InvalidInput) as err:
        lead_conversion.convert_lead(db.uow(), seller, lead.id, {}, now=NOW)
    assert err.value.fields == {"fields.shop": "validation.required"}
    assert leads.get_lead(db.uow(), seller, lead.id).status == "open"
    assert lead_conversion.convert_lead(db.uow(), seller, lead.id, {"shop": "超市"}, now=NOW).customer_id


# --- C8 follow-ups ---


def test_c8_followup_sets_last_followup_at_and_lists_move_both_ways(db, tenant):
    seller, manager = staff(tenant, "salesperson"), staff(tenant, "store_manager")
    c1, c2 = register(db, seller, 1), register(db, seller, 2)
    f = follow(db, seller, customer_id=c1.id, minutes=3, nxt=later(120))
    assert (f.customer_id, f.status, f.kind) == (c1.id, "interested", "followup")
    assert customer_row(db, tenant, c1.id).last_followup_at == later(3)
    follow(db, manager, customer_id=c2.id, minutes=4, nxt=later(60))
    active = followups.list_followup_customers(db.uow(), seller, PAGE, eliminated=False)
    assert [c.customer_id for c in active.items] == [c2.id, c1.id]  # next follow-up soonest first
    with pytest.raises(InvalidInput) as err:
        followups.move_followup_customer(db.uow(), seller, c1.id, eliminated=True, reason=" ", now=NOW)
    assert err.value.fields == {"reason": "validation.required"}
    moved = followups.move_followup_customer(db.uow(), seller, c1.id, eliminated=True, reason="已倒闭", now=later(5))
    assert (moved.eliminated, moved.reason) == (True, "已倒闭")
    assert [
        c.customer_id for c in followups.list_followup_customers(db.uow(), seller, PAGE, eliminated=True).items
    ] == [c1.id]
    with pytest.raises(Conflict):
        follow(db, seller, customer_id=c1.id)
    with pytest.raises(Conflict):
        followups.move_followup_customer(db.uow(), seller, c1.id, eliminated=True, reason="again", now=NOW)
    back = followups.move_followup_customer(db.uow(), seller, c1.id, eliminated=False, reason="重新开业", now=later(6))
    assert not back.eliminated
    assert followups.list_followup_customers(db.uow(), seller, PAGE, eliminated=True).total == 0
    follow(db, seller, customer_id=c1.id, minutes=7)
    assert len(events(db, tenant, "followup_recorded")) == 3


def test_c8_only_the_owner_or_a_manager_follows_a_customer(db, tenant):
    owner_seller = staff(tenant, "salesperson")
    customer = register(db, owner_seller, 1)
    with pytest.raises(NotFound):
        follow(db, staff(tenant, "salesperson"), customer_id=customer.id)
    with pytest.raises(PermissionDenied):
        follow(db, staff(tenant, "salesperson", perms=("see_all_customers",)), customer_id=customer.id)
    with pytest.raises(NotFound):
        follow(db, staff("other-tenant", "owner"), customer_id=customer.id)
    with pytest.raises(InvalidInput) as err:
        followups.record_followup(
            db.uow(), owner_seller, customer_id=customer.id, lead_id="x", f=FollowupInput("won", "x"), now=NOW
        )
    assert err.value.fields == {"customer_id": "validation.one_of_required"}
    assert customer_row(db, tenant, customer.id).last_followup_at is None


# --- C6 visits ---


def located(db, tenant, customer_id, lat, lng):
    with db.uow() as uow:
        row = uow.session.get(CustomerRow, customer_id)
        row.latitude, row.longitude = lat, lng
        uow.commit()


def test_c6_schedule_due_overdue_check_in_and_route(db, tenant):
    seller, manager = staff(tenant, "salesperson"), staff(tenant, "store_manager")
    near, far, nowhere, mid = (register(db, seller, n) for n in (1, 2, 3, 4))
    located(db, tenant, near.id, 31.2310, 121.47)
    located(db, tenant, far.id, 31.3000, 121.47)
    located(db, tenant, mid.id, 31.2500, 121.47)
    for c in (far, nowhere, mid):
        visits.schedule_visit(db.uow(), seller, c.id, day=TODAY, now=NOW)
    with pytest.raises(InvalidInput) as unknown:
        visits.schedule_visit(
            db.uow(),
            manager,
            near.id,
            staff_id="s-gone",
            day=TODAY,
            directory=Colleagues((tenant, seller.staff_id)),
            now=NOW,
        )
    assert unknown.value.fields == {"staff_id": "validation.invalid"}
    planned_by_manager = visits.schedule_visit(
        db.uow(),
        manager,
        near.id,
        staff_id=seller.staff_id,
        day=TODAY,
        note="带样品",
        directory=Colleagues((tenant, seller.staff_id)),
        now=NOW,
    )
    assert (planned_by_manager.staff_id, planned_by_manager.created_by_staff_id) == (seller.staff_id, manager.staff_id)
    with pytest.raises(PermissionDenied):
        visits.schedule_visit(db.uow(), seller, near.id, staff_id=manager.staff_id, day=TODAY, now=NOW)
    with pytest.raises(InvalidInput) as err:
        visits.schedule_visit(db.uow(), seller, near.id, day="2026-01-04", now=NOW)
    assert err.value.fields == {"day": "validation.in_past"}

    route = visits.plan_route(db.uow(), seller, latitude=31.23, longitude=121.47, now=NOW)
    assert [s.visit.customer_id for s in route] == [near.id, mid.id, far.id, nowhere.id]
    assert route[-1].distance_m == -1 and 100 < route[0].distance_m < 125

    due = visits.list_visits(db.uow(), seller, PAGE, which="due", now=NOW)
    assert due.total == 4
    tomorrow = NOW + timedelta(days=1)
    overdue = visits.list_visits(db.uow(), seller, PAGE, which="overdue", now=tomorrow)
    assert overdue.total == 4 and overdue.items[0].day == date(2026, 1, 5)
    assert visits.list_visits(db.uow(), manager, PAGE, which="due", staff_id=seller.staff_id, now=NOW).total == 4

    task = planned_by_manager
    with pytest.raises(PermissionDenied):
        visits.check_in(db.uow(), manager, task.id, latitude=31.231, longitude=121.47, now=later(30))
    with pytest.raises(NotFound):
        visits.check_in(
            db.uow(), staff(tenant, "salesperson"), task.id, latitude=31.231, longitude=121.47, now=later(30)
        )
    done = visits.check_in(
        db.uow(), seller, task.id, latitude=31.231, longitude=121.4701, note="下单意向强", now=later(30)
    )
    assert (done.status, done.check_in_latitude, done.check_in_note) == ("done", 31.231, "下单意向强")
    assert customer_row(db, tenant, near.id).last_followup_at == later(30)
    history = followups.list_followups(db.uow(), seller, PAGE, customer_id=near.id).items
    assert [(f.kind, f.status, f.content, f.visit_task_id) for f in history] == [
        ("visit", "visited", "下单意向强", task.id)
    ]
    with pytest.raises(Conflict):
        visits.check_in(db.uow(), seller, task.id, latitude=31.231, longitude=121.47, now=later(31))
    assert [
        s.visit.customer_id for s in visits.plan_route(db.uow(), seller, latitude=31.23, longitude=121.47, now=NOW)
    ] == [
        mid.id,
        far.id,
        nowhere.id,
    ]
    checked = events(db, tenant, "visit_checked_in")
    assert [(e["task_id"], e["customer_id"]) for e in checked] == [(task.id, near.id)]


# --- C9 duplicates ---


def test_c9_same_owner_duplicate_is_merged_keeping_followups_and_tags(db, tenant):
    seller = staff(tenant, "salesperson")
    customer = register(db, seller, 1)
    follow(db, seller, customer_id=customer.id, minutes=1)
    lead = new_lead(db, seller, 1, name="王芳(展会)", tags=("展会",)).lead
    follow(db, seller, lead_id=lead.id, minutes=2, status="negotiating")
    result = lead_conversion.convert_lead(db.uow(), seller, lead.id, {}, now=later(3))
    assert result.customer_id is None and result.duplicate.kind == "mergeable"
    assert events(db, tenant, "duplicate_collision") == []
    merged = duplicates.merge_duplicate(db.uow(), seller, result.duplicate.id, now=later(4))
    assert (merged.status, merged.resolved_by_staff_id) == ("merged", seller.staff_id)
    assert (merged.followups_moved, merged.tags_added) == (1, ("展会",))
    history = followups.list_followups(db.uow(), seller, PAGE, customer_id=customer.id).items
    assert [f.status for f in history] == ["negotiating", "interested"]
    assert tags_of(db, tenant, customer.id) == ["展会"]
    assert customer_row(db, tenant, customer.id).last_followup_at == later(2)
    assert leads.get_lead(db.uow(), seller, lead.id).status == "merged"
    assert events(db, tenant, "customers_merged")[0]["followups_moved"] == 1
    with pytest.raises(Conflict):
        duplicates.merge_duplicate(db.uow(), seller, result.duplicate.id, now=later(5))


def test_c9_unowned_customer_merges_and_becomes_the_leads_salespersons(db, tenant):
    manager, seller = staff(tenant, "store_manager"), staff(tenant, "salesperson")
    customer = register(db, manager, 1)
    with db.uow() as uow:
        uow.session.get(CustomerRow, customer.id).owner_staff_id = None
        uow.commit()
    lead = new_lead(db, seller, 1).lead
    dup = lead_conversion.convert_lead(db.uow(), seller, lead.id, {}, now=NOW).duplicate
    assert dup.kind == "mergeable"
    duplicates.merge_duplicate(db.uow(), seller, dup.id, now=later(1))
    row = customer_row(db, tenant, customer.id)
    assert (row.owner_staff_id, row.owned_since) == (seller.staff_id, later(1))


def test_c9_collision_alerts_both_and_the_owner_releases_then_merge(db, tenant):
    a, b = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    customer = register(db, a, 1)
    lead = new_lead(db, b, 1).lead
    dup = lead_conversion.convert_lead(db.uow(), b, lead.id, {}, now=NOW).duplicate
    assert (dup.kind, dup.customer_owner_staff_id, dup.lead_staff_id) == ("collision", a.staff_id, b.staff_id)
    again = lead_conversion.convert_lead(db.uow(), b, lead.id, {}, now=NOW).duplicate
    assert again.id == dup.id
    alerts = events(db, tenant, "duplicate_collision")
    assert len(alerts) == 1 and alerts[0]["staff_ids"] == [a.staff_id, b.staff_id]
    for side in (a, b):
        assert [d.id for d in duplicates.list_duplicates(db.uow(), side, PAGE, open_only=True).items] == [dup.id]
    assert duplicates.list_duplicates(db.uow(), staff(tenant, "salesperson"), PAGE, open_only=False).total == 0
    with pytest.raises(Conflict) as err:
        duplicates.merge_duplicate(db.uow(), b, dup.id, now=NOW)
    assert err.value.code == "DUPLICATE_IS_COLLISION"
    with pytest.raises(NotFound):
        duplicates.release_duplicate(db.uow(), staff(tenant, "salesperson"), dup.id, now=NOW)
    released = duplicates.release_duplicate(db.uow(), a, dup.id, now=later(1))
    assert (released.kind, released.status, released.customer_owner_staff_id) == ("mergeable", "open", None)
    assert customer_row(db, tenant, customer.id).owner_staff_id is None
    duplicates.merge_duplicate(db.uow(), b, dup.id, now=later(2))
    assert customer_row(db, tenant, customer.id).owner_staff_id == b.staff_id


def test_c9_the_leads_salesperson_releases_the_lead_instead(db, tenant):
    a, b = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    customer = register(db, a, 1)
    lead = new_lead(db, b, 1).lead
    dup = lead_conversion.convert_lead(db.uow(), b, lead.id, {}, now=NOW).duplicate
    released = duplicates.release_duplicate(db.uow(), b, dup.id, now=later(1))
    assert (released.status, released.lead_staff_id) == ("released", None)
    assert leads.get_lead(db.uow(), a, lead.id).staff_id is None  # back in the pool
    assert customer_row(db, tenant, customer.id).owner_staff_id == a.staff_id
    with pytest.raises(Conflict):
        duplicates.release_duplicate(db.uow(), a, dup.id, now=later(2))


def test_c9_other_tenant_sees_no_leads_or_duplicates(db, tenant):
    seller = staff(tenant, "salesperson")
    register(db, seller, 1)
    lead = new_lead(db, staff(tenant, "salesperson"), 1).lead
    dup = lead_conversion.convert_lead(db.uow(), staff(tenant, "owner"), lead.id, {}, now=NOW).duplicate
    stranger = staff("t-elsewhere", "owner")
    with pytest.raises(NotFound):
        leads.get_lead(db.uow(), stranger, lead.id)
    with pytest.raises(NotFound):
        duplicates.merge_duplicate(db.uow(), stranger, dup.id, now=NOW)
    assert duplicates.list_duplicates(db.uow(), stranger, PAGE, open_only=False).total == 0
    assert leads.list_leads(db.uow(), stranger, PAGE, scope="all").total == 0


def test_c6_first_check_in_pins_an_unlocated_customer_and_not_a_located_one(db, tenant):
    seller = staff(tenant, "salesperson")
    unknown, known = register(db, seller, 1), register(db, seller, 2)
    located(db, tenant, known.id, 31.0, 121.0)
    for c in (unknown, known):
        task = visits.schedule_visit(db.uow(), seller, c.id, day=TODAY, now=NOW)
        visits.check_in(db.uow(), seller, task.id, latitude=31.5, longitude=121.5, now=later(1))
    pinned, kept = customer_row(db, tenant, unknown.id), customer_row(db, tenant, known.id)
    assert (pinned.latitude, pinned.longitude) == (31.5, 121.5)
    assert (kept.latitude, kept.longitude) == (31.0, 121.0)


def test_c7_concurrent_entries_of_one_person_make_one_lead(db, tenant):
    sellers = [staff(tenant, "salesperson") for _ in range(10)]
    ids, errors, barrier = [], [], threading.Barrier(10)

    def enter(s):
        barrier.wait()
        try:
            ids.append(new_lead(db, s, 1).lead.id)
        except Exception as exc:  # noqa: BLE001 - any failure is what the test reports
            errors.append(exc)

    threads = [threading.Thread(target=enter, args=(s,)) for s in sellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ids) == 10 and len(set(ids)) == 1
    assert leads.list_leads(db.uow(), staff(tenant, "owner"), PAGE, scope="all").total == 1
