"""C10 + H3 on PostgreSQL: the customers service's events mark the readers who became customers
(the handlers as the worker runs them, through subscriptions()), and the visitor centre and the
data centre show them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from marketing_testkit import ref, staff_token
from sqlalchemy import select, update

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.events import Event
from crmkit.periods import CHINA
from marketing.handlers import on_customer_registered, on_lead_converted
from marketing.models import ProcessedEvent, VisitorRow
from marketing.subscriptions import subscriptions

AT = datetime(2026, 12, 10, 2, 30, tzinfo=UTC)


def reader(marketing, tenant_id, owner, sales, *, phone="", title="新品推荐"):
    """A visitor of a salesperson's link, who gave `phone` when one is given."""
    made = marketing.call("CreateArticle", pb.ArticleInput(title=title, body_html="<p>正文</p>"), token=owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=made.id, active=True), token=owner)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=made.id), token=sales)
    opened = marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), as_service=True)
    if phone:
        marketing.call(
            "IdentifyVisitor",
            pb.IdentifyVisitorRequest(view_id=opened.view_id, visitor_key=opened.visitor_key, phone=phone),
            as_service=True,
        )
    return opened


def with_unionid(db, tenant_id, opened, unionid):
    # The WeChat login that names it is tested in test_marketing_wechat.py; here only its result.
    with db.uow() as uow:
        uow.session.execute(
            update(VisitorRow)
            .where(VisitorRow.tenant_id == tenant_id, VisitorRow.visitor_key == opened.visitor_key)
            .values(unionid=unionid)
        )
        uow.commit()


def converted(tenant_id, customer_id, phone="", union_id="", *, at=AT):
    data = {"lead_id": ref("l"), "customer_id": customer_id, "staff_id": "s-1", "phone": phone, "union_id": union_id}
    return Event(type="lead_converted", source="customers", tenant_id=tenant_id, data=data, occurred_at=at)


def registered(tenant_id, customer_id, phone, *, at=AT):
    data = {"customer_id": customer_id, "name": "王老板", "phone": phone, "owner_staff_id": "s-1"}
    return Event(type="customer_registered", source="customers", tenant_id=tenant_id, data=data, occurred_at=at)


def visitors(marketing, token, **kw):
    listed = marketing.call("ListVisitors", pb.ListVisitorsRequest(**kw), token=token).visitors
    return {v.id: v for v in listed}


def test_c10_a_converted_lead_marks_its_readers_by_phone_and_by_unionid_once(marketing, tenant, db):
    reader(marketing, tenant.id, tenant.owner, tenant.sales, phone="13900005555")
    by_union = reader(marketing, tenant.id, tenant.owner, tenant.sales)
    with_unionid(db, tenant.id, by_union, "oUnion-c10")
    reader(marketing, tenant.id, tenant.owner, tenant.sales, phone="13900006666")  # someone else
    # Another tenant's reader with the same phone and unionID is another tenant's person.
    other_id = ref("t")
    other_owner, other_sales = staff_token(other_id, ref("o"), "owner"), staff_token(other_id, ref("s"))
    stranger = reader(marketing, other_id, other_owner, other_sales, phone="13900005555")
    with_unionid(db, other_id, stranger, "oUnion-c10")

    event = converted(tenant.id, "c-1", phone="13900005555", union_id="oUnion-c10")
    assert on_lead_converted(db.uow(), event) == 2
    assert on_lead_converted(db.uow(), event) == 0  # a redelivery changes nothing

    customers = visitors(marketing, tenant.owner, customer="yes")
    assert sorted(v.customer_id for v in customers.values()) == ["c-1", "c-1"]
    assert {v.became_customer_at.ToDatetime(tzinfo=UTC) for v in customers.values()} == {AT}
    (rest,) = visitors(marketing, tenant.owner, customer="no").values()
    assert rest.customer_id == "" and not rest.HasField("became_customer_at")
    assert len(visitors(marketing, tenant.owner)) == 3
    mine = visitors(marketing, tenant.sales, customer="yes")
    assert set(mine) == set(customers)  # the salesperson's own readers, the same filter
    assert visitors(marketing, other_owner, customer="yes") == {}
    assert [v.customer_id for v in visitors(marketing, other_owner).values()] == [""]
    detail = marketing.call("GetVisitor", pb.GetVisitorRequest(id=next(iter(customers))), token=tenant.owner)
    assert detail.visitor.customer_id == "c-1"


def test_c10_a_registered_customer_marks_readers_by_phone_and_the_first_customer_stays(marketing, tenant, db):
    reader(marketing, tenant.id, tenant.owner, tenant.sales, phone="13900007777")
    routes = subscriptions(db)
    assert set(routes) == {("customers", "lead_converted"), ("customers", "customer_registered")}
    first = registered(tenant.id, "c-7", "13900007777")
    routes[("customers", "customer_registered")](first)
    # Converting a lead publishes customer_registered and lead_converted for one person: the
    # second finds the reader marked already; a later customer with that phone changes nothing.
    assert on_lead_converted(db.uow(), converted(tenant.id, "c-7", phone="13900007777")) == 0
    later = datetime(2026, 12, 11, tzinfo=UTC)
    assert on_customer_registered(db.uow(), registered(tenant.id, "c-8", "13900007777", at=later)) == 0
    (visitor,) = visitors(marketing, tenant.owner, customer="yes").values()
    assert (visitor.customer_id, visitor.became_customer_at.ToDatetime(tzinfo=UTC)) == ("c-7", AT)


def test_c10_malformed_or_anonymous_events_are_acknowledged_without_change(marketing, tenant, db):
    reader(marketing, tenant.id, tenant.owner, tenant.sales, phone="13900008888")
    nobody = converted(tenant.id, "", phone="13900008888")
    assert on_lead_converted(db.uow(), nobody) == 0
    bad = registered(tenant.id, "c-9", 13900008888)  # a number, not text
    assert on_customer_registered(db.uow(), bad) == 0
    # Neither phone nor unionID: nobody to find, but the event is handled (claimed) once.
    blank = converted(tenant.id, "c-9")
    assert on_lead_converted(db.uow(), blank) == 0
    with db.reader() as uow:
        claimed = uow.session.scalars(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.event_id.in_([nobody.event_id, bad.event_id, blank.event_id])
            )
        ).all()
    assert claimed == [blank.event_id]
    assert visitors(marketing, tenant.owner, customer="yes") == {}


def test_c10_the_customer_filter_is_checked(marketing, tenant):
    with pytest.raises(InvalidInput) as bad:
        marketing.call("ListVisitors", pb.ListVisitorsRequest(customer="maybe"), token=tenant.owner)
    assert bad.value.fields == {"customer": "validation.invalid_choice"}


def test_d8_customers_made_counted_per_day_salesperson_and_article(marketing, tenant, db):
    reader(marketing, tenant.id, tenant.owner, tenant.sales, phone="13900009999", title="春季新品")
    reader(marketing, tenant.id, tenant.owner, tenant.other_sales, phone="13900009998", title="秋季新品")
    now = datetime.now(UTC)
    on_customer_registered(db.uow(), registered(tenant.id, "c-1", "13900009999", at=now))
    today = now.astimezone(CHINA).date().isoformat()

    def stats(token, **kw):
        return marketing.call(
            "GetMarketingStats", pb.MarketingStatsRequest(date_from=today, date_to=today, **kw), token=token
        )

    by_day = stats(tenant.owner)
    assert [(r.key, r.figures.customers) for r in by_day.rows] == [(today, 1)] and by_day.total.customers == 1
    by_staff = {r.key: r.figures.customers for r in stats(tenant.owner, group_by="staff").rows}
    assert by_staff == {tenant.sales_id: 1, tenant.other_sales_id: 0}
    by_article = {r.title: r.figures.customers for r in stats(tenant.owner, group_by="article").rows}
    assert by_article == {"春季新品": 1, "秋季新品": 0}
    assert stats(tenant.other_sales).total.customers == 0
