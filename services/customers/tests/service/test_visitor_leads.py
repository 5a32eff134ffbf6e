"""C7 on PostgreSQL: a reader who gave a phone on a shared article (marketing.visitor_identified)
becomes one lead of the salesperson whose share brought them; a redelivery changes nothing; a
known person joins their lead; a pool lead goes to the sharer; a bad phone is acknowledged, not
stored."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

from customer_testkit import NOW, phone, staff
from sqlalchemy import select

from crmkit.events import Event
from crmkit.paging import Page
from customers.domain.activity import LeadInput
from customers.handlers import on_visitor_identified
from customers.models import LeadRow, Outbox
from customers.service import leads


def identified(tenant, staff_id, number, *, name="访客1234", event_id=None, union_id="", via="phone", visitor="v-1"):
    return Event(
        type="visitor_identified",
        source="marketing",
        tenant_id=tenant,
        data={
            "visitor_id": visitor,
            "via": via,
            "name": name,
            "phone": number,
            "union_id": union_id,
            "open_id": "oFk-open" if union_id else "",
            "nickname": name if via == "wechat" else "",
            "avatar_url": "",
            "staff_id": staff_id,
            "source": "forward",
            "title": "春季订货会邀请",
        },
        occurred_at=NOW,
        event_id=event_id or uuid.uuid4().hex,
    )


def leads_with(db, tenant, number):
    """Detached copies of the rows' columns (the session ends with the unit of work)."""
    with db.uow() as uow:
        rows = uow.session.scalars(select(LeadRow).where(LeadRow.tenant_id == tenant, LeadRow.phone == number))
        return [SimpleNamespace(**{c.key: getattr(r, c.key) for c in LeadRow.__table__.columns}) for r in rows]


def assigned_events(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(
            select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == "lead_assigned")
        ).all()
        return [json.loads(r.payload)["data"] for r in rows]


def test_c7_a_reader_becomes_one_lead_of_the_sharer_even_when_told_twice(db, tenant):
    seller = staff(tenant, "salesperson")
    event = identified(tenant, seller.staff_id, phone(71))
    assert on_visitor_identified(db.uow(), event)
    assert not on_visitor_identified(db.uow(), event)  # redelivered
    (lead,) = leads_with(db, tenant, phone(71))
    assert (lead.staff_id, lead.source, lead.name) == (seller.staff_id, "visitor", "访客1234")
    assert "春季订货会邀请" in lead.note
    assert [e["lead_id"] for e in assigned_events(db, tenant)] == [lead.id]
    mine = leads.list_leads(db.uow(), seller, Page(1, 50), scope="mine")
    assert lead.id in [row.id for row in mine.items]
    by_phone = leads.list_leads(db.uow(), seller, Page(1, 50), scope="mine", phone=phone(71))
    assert [row.id for row in by_phone.items] == [lead.id] and by_phone.total == 1
    assert leads.list_leads(db.uow(), seller, Page(1, 50), scope="mine", phone=phone(99)).total == 0


def test_c7_a_known_person_joins_their_lead_and_a_pool_lead_goes_to_the_sharer(db, tenant):
    first, second = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    followed = leads.create_lead(db.uow(), first, LeadInput(name="老客", phone=phone(72)), now=NOW).lead
    assert on_visitor_identified(db.uow(), identified(tenant, second.staff_id, phone(72)))
    (lead,) = leads_with(db, tenant, phone(72))
    assert lead.id == followed.id and lead.staff_id == first.staff_id  # whoever follows it keeps it

    pooled = leads.create_lead(
        db.uow(), staff(tenant, "store_manager"), LeadInput(name="公海", phone=phone(73)), now=NOW
    )
    assert pooled.lead.staff_id is None
    assert on_visitor_identified(db.uow(), identified(tenant, second.staff_id, phone(73)))
    (lead,) = leads_with(db, tenant, phone(73))
    assert lead.staff_id == second.staff_id


def test_c7_a_bad_phone_is_acknowledged_and_makes_no_lead(db, tenant):
    assert not on_visitor_identified(db.uow(), identified(tenant, "s-1", "12345"))
    assert leads_with(db, tenant, "12345") == []


def leads_of_union(db, tenant, union_id):
    with db.uow() as uow:
        rows = uow.session.scalars(select(LeadRow).where(LeadRow.tenant_id == tenant, LeadRow.union_id == union_id))
        return [SimpleNamespace(**{c.key: getattr(r, c.key) for c in LeadRow.__table__.columns}) for r in rows]


def test_c7_one_lead_per_unionid_two_wechat_visitors_and_a_later_phone_join_it(db, tenant):
    seller = staff(tenant, "salesperson")
    union = f"oFkUnion{uuid.uuid4().hex[:16]}"
    login = identified(tenant, seller.staff_id, "", name="王姐", union_id=union, via="wechat", visitor="v-a")
    assert on_visitor_identified(db.uow(), login)
    assert not on_visitor_identified(db.uow(), login)  # delivered twice: one lead
    (lead,) = leads_of_union(db, tenant, union)
    assert (lead.name, lead.phone, lead.staff_id, lead.source) == ("王姐", None, seller.staff_id, "visitor")
    assert lead.note == "用微信登录阅读《春季订货会邀请》"

    # The same WeChat user in another browser (another visitor): the same lead.
    other = identified(tenant, seller.staff_id, "", name="王姐", union_id=union, via="wechat", visitor="v-b")
    assert on_visitor_identified(db.uow(), other)
    # A phone the first visitor gives later (told with their unionID): fills the lead's phone.
    assert on_visitor_identified(
        db.uow(), identified(tenant, seller.staff_id, phone(74), name="王姐", union_id=union, visitor="v-a")
    )
    (joined,) = leads_of_union(db, tenant, union)
    assert joined.id == lead.id and joined.phone == phone(74) and joined.name == "王姐"
    assert [row.id for row in leads_with(db, tenant, phone(74))] == [lead.id]
    assert [e["lead_id"] for e in assigned_events(db, tenant)] == [lead.id]  # assigned once


def test_c7_a_phone_lead_learns_the_unionid_of_a_wechat_login(db, tenant):
    seller = staff(tenant, "salesperson")
    union = f"oFkUnion{uuid.uuid4().hex[:16]}"
    assert on_visitor_identified(db.uow(), identified(tenant, seller.staff_id, phone(75), name="赵总"))
    login = identified(tenant, seller.staff_id, phone(75), name="赵总的微信", union_id=union, via="wechat")
    assert on_visitor_identified(db.uow(), login)
    (lead,) = leads_with(db, tenant, phone(75))
    assert lead.union_id == union and lead.name == "赵总"  # what the lead had stays
